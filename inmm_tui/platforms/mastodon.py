"""Mastodon through Mastodon.py: `ratelimit_method="throw"` (never sleep inside a call), an
explicit timeout, and an `Idempotency-Key` on every status post so that a retry after a
lost answer returns the same status instead of posting twice."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from typing import Any

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonIllegalArgumentError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from inmm_tui.capabilities import MASTODON, PollRules
from inmm_tui.domain.polls import Poll, PollTally, refusal
from inmm_tui.media_file import MediaFile
from inmm_tui.outside_text import storable, storable_json
from inmm_tui.platforms.base import (
    Account,
    Mention,
    Mentions,
    Metrics,
    Page,
    Published,
    RecentPost,
    SharedPost,
)
from inmm_tui.platforms.common import (
    MEDIA_PROCESSING_SECONDS,
    Adapter,
    count,
    id_key,
    is_loopback,
    media_bytes,
    reset_time,
)
from inmm_tui.platforms.errors import (
    AuthFailed,
    NotFound,
    PlatformError,
    RateLimited,
    Rejected,
    TransientError,
    Unsupported,
)

MAX_PAGES = 10
"""Bound on pages fetched in one call (mentions, recent posts)."""
PAGE_SIZE = 40
FOLLOW_PAGE_SIZE = 80
REPORT_COMMENT_LIMIT = 1000
SUSPENDED_WORDS = ("login", "suspended", "disabled")
"""Mastodon's 403 for a disabled or suspended account names one of these."""
FOREIGN = re.compile(r"^(at://|https?://(?:www\.|mobile\.)?(?:x\.com|twitter\.com|bsky\.app|"
                     r"linkedin\.com)/)", re.IGNORECASE)
"""Addresses of other platforms' posts: not worth asking our server to fetch."""
STATUS_ADDRESS = re.compile(r"/(?:@[^/\s]+|users/[^/\s]+/statuses)/[0-9]+/?$")
"""How a Mastodon status's address ends (`url` /@name/id, or `uri`): found by no search,
such an address is a post deleted (or not public); any other is not a Mastodon post."""
CURSOR = "notification:"
"""Our mention cursor is a place among the notifications (whose ids follow arrival), told
apart from a status id (the cursor before), which is read as no cursor at all."""
OVERLAP = 20
"""Notifications read again on the next run (their duplicates dropped by id): one given
its id a moment before a neighbour but stored after it is not passed over. Mastodon's
ids are numbers; other servers' may be strings of one length: ordered as `id_key` does."""


class MastodonPlatform(Adapter):
    api = "mastodon"
    capabilities = MASTODON

    def __init__(self, name: str, *, access_token: str, base_url: str, timeout: float):
        super().__init__(name)
        session = requests.Session()
        session.trust_env = not is_loopback(base_url)
        # The version is given so that Mastodon.py never asks the instance for it.
        self.client = Mastodon(
            access_token=access_token, api_base_url=base_url, ratelimit_method="throw",
            request_timeout=timeout, version_check_mode="none", mastodon_version="4.3.0",
            session=session,
        )
        # With the version check off, Mastodon.py never parses the version given above
        # and picks endpoints as for 1.0.0 (`/api/v1/media`, gone since 3.1.4): told here.
        self.client.mastodon_major, self.client.mastodon_minor, self.client.mastodon_patch = (
            4, 3, 0)
        self._configuration: dict[str, Any] | None = None

    def whoami(self) -> Account:
        self._me = self._parse("whoami", _account,
                               self._call("whoami", self.client.account_verify_credentials))
        return self._me

    def publish(self, text: str, *, idempotency_key: str,
                in_reply_to: str | None = None, media: Sequence[MediaFile] = (),
                quote_of: str | None = None, poll: Poll | None = None) -> Published:
        # Media are uploaded anew on each attempt (an unattached upload is removed by the
        # server); the status keeps its Idempotency-Key, so a retry within the hour gets
        # the status already made, with the media of the first attempt.
        if media:
            self._check_server_limits(media)
        if poll is not None:
            self._check_server_poll(poll)
        media_ids = [self._upload(item) for item in media] or None
        quoting = {"quoted_status_id": quote_of} if quote_of else {}
        native = (self.client.make_poll(list(poll.options), expires_in=poll.minutes * 60)
                  if poll is not None else None)
        status = self._call("publish", self.client.status_post, text, in_reply_to_id=in_reply_to,
                            media_ids=media_ids, visibility="public",
                            idempotency_key=idempotency_key, poll=native,
                            **quoting)
        return self._parse("publish", _published, status)

    def answer_privately(self, text: str, *, recipient: str, in_reply_to: str,
                         idempotency_key: str) -> Published:
        # A `direct` status is seen only by the accounts it mentions: the sender alone.
        status = self._call("private answer", self.client.status_post,
                            f"@{recipient.lstrip('@')} {text}", in_reply_to_id=in_reply_to,
                            visibility="direct", idempotency_key=idempotency_key)
        return self._parse("private answer", _published, status)

    def _server_configuration(self, *, fresh: bool = False) -> dict[str, Any] | None:
        """`configuration` of /api/v2/instance, read once (again with `fresh`); None where
        the server does not say (an older one, or the call failed), when the documented
        defaults stand."""
        if self._configuration is None or fresh:
            try:
                instance = self._call("instance", self.client.instance_v2)
                self._configuration = dict(instance["configuration"])
            except (PlatformError, KeyError, TypeError):
                return self._configuration  # what was read before, if anything
        return self._configuration

    def media_limits(self) -> dict[str, Any] | None:
        """The server's own limits from /api/v2/instance (`configuration.statuses` and
        `.media_attachments`); None where the server does not say."""
        config = self._server_configuration()
        if config is None:
            return None
        try:
            return {**dict(config["media_attachments"]),
                    "max_media_attachments": config["statuses"]["max_media_attachments"]}
        except (KeyError, TypeError):
            return None

    def poll_rules(self, *, fresh: bool = False) -> PollRules | None:
        """The server's own poll limits (`configuration.polls`: options, characters per
        option, shortest and longest time open in seconds); None where it does not say."""
        config = self._server_configuration(fresh=fresh)
        polls = config.get("polls") if isinstance(config, dict) else None
        if not isinstance(polls, dict):
            return None
        most, length, shortest, longest = (count(polls.get(key)) for key in (
            "max_options", "max_characters_per_option", "min_expiration", "max_expiration"))
        if most is None or length is None or shortest is None or longest is None:
            return None
        # In whole minutes, as our polls are: the shortest rounded up, the longest down.
        return PollRules(max_options=most, option_length=length,
                         min_minutes=-(-shortest // 60), max_minutes=longest // 60)

    def _check_server_poll(self, poll: Poll) -> None:
        """Refused before anything is posted when the poll is beyond the server's own
        limits (which it may have lowered since the post was cleared)."""
        rules = self.poll_rules()
        why = refusal(poll, self.name, self.api, rules) if rules is not None else None
        if why:
            raise Rejected(f"{self.name}: {why}")

    def _check_server_limits(self, media: Sequence[MediaFile]) -> None:
        limits = self.media_limits()
        if not limits:
            return
        most = count(limits.get("max_media_attachments"))
        if most is not None and len(media) > most:
            raise Rejected(f"{self.name}: this server takes at most {most} files on a post, "
                           f"not {len(media)}")
        types = limits.get("supported_mime_types")
        for item in media:
            if isinstance(types, list) and item.mime not in types:
                raise Rejected(f"{self.name}: {item.name}: this server does not take {item.mime}")
            size_limit = count(limits.get("video_size_limit" if item.is_video
                                          else "image_size_limit"))
            if size_limit is not None and item.size > size_limit:
                raise Rejected(f"{self.name}: {item.name}: {item.size} bytes; this server "
                               f"takes at most {size_limit}")
            alt_limit = count(limits.get("description_limit"))
            if alt_limit is not None and len(item.alt) > alt_limit:
                raise Rejected(f"{self.name}: {item.name}: its alt text is {len(item.alt)} "
                               f"characters; this server keeps at most {alt_limit}")

    def _upload(self, item: MediaFile) -> str:
        """Upload one file with its alt text (`description`); its id once processed. A
        202 (still processing: `url` null) is asked after again, with growing pauses,
        for at most `MEDIA_PROCESSING_SECONDS`."""
        data = media_bytes(self.name, item)
        attachment = self._call("upload", self.client.media_post, io.BytesIO(data),
                                mime_type=item.mime, description=item.alt, file_name=item.name)
        media_id = self._parse("upload", lambda a: str(_entity(a, "MediaAttachment", "id")["id"]),
                               attachment)
        deadline = time.monotonic() + MEDIA_PROCESSING_SECONDS
        pause = 0.2
        while not self._parse("upload", lambda a: a.get("url"), attachment):
            if time.monotonic() + pause > deadline:
                raise TransientError(f"{self.name}: the server was still processing "
                                     f"{item.name} after {MEDIA_PROCESSING_SECONDS:.0f} s")
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
            attachment = self._call("upload", self.client.media, media_id)
        return media_id

    def fetch_post(self, url_or_id: str) -> SharedPost:
        address = url_or_id.strip()
        if address.isdigit():
            status = self._call("fetch post", self.client.status, address)
        elif FOREIGN.match(address):
            raise Unsupported(f"{self.name}: not the address of a post on Mastodon")
        else:
            # Our server fetches it (from any server, over ActivityPub) and gives it the
            # id we can boost or quote it by.
            found = self._call("fetch post", self.client.search_v2, address, resolve=True,
                               result_type="statuses")
            statuses = self._parse("fetch post", lambda r: _list(r["statuses"]), found)
            if not statuses:
                if not STATUS_ADDRESS.search(address):
                    raise Unsupported(f"{self.name}: not the address of a post on Mastodon")
                raise NotFound(f"{self.name}: no post at this address (deleted, or not "
                               "public)")
            status = statuses[0]
        return self._parse("fetch post", _shared, status)

    def repost(self, platform_id: str, *, idempotency_key: str) -> Published:
        # A second boost of the same status hands back the boost we have: idempotent.
        boost = self._call("repost", self.client.status_reblog, platform_id)
        return self._parse("repost", _published, boost)

    def undo_repost(self, platform_id: str, repost_id: str) -> None:
        status = self._call("undo repost", self.client.status_unreblog, platform_id)
        self._parse("undo repost", lambda s: _entity(s, "Status", "id"), status)

    def delete(self, platform_id: str) -> None:
        deleted = self._call("delete", self.client.status_delete, platform_id)
        self._parse("delete", lambda s: _entity(s, "Status", "id"), deleted)

    def recent_posts(self, limit: int = 50) -> list[RecentPost]:
        found: list[RecentPost] = []
        max_id = None
        for _ in range(MAX_PAGES):
            page = self._call("recent posts", self.client.account_statuses, self._me_id(),
                              max_id=max_id, limit=min(PAGE_SIZE, limit - len(found)))
            statuses = self._parse("recent posts", _list, page)
            # Each post alone: one malformed post must not hide the others (reconciliation).
            found.extend(self._each("recent posts", _recent, statuses)[0])
            if not statuses or len(found) >= limit:
                break
            max_id = self._parse("recent posts", lambda p: str(p[-1]["id"]), statuses)
        return found[:limit]

    def posted_text(self, post: RecentPost) -> str:
        # `content` is HTML made from the text (links, mentions, paragraphs): the source
        # is the text itself, exactly as it was posted.
        source = self._call("status source", self.client.status_source, post.platform_id)
        return self._parse("status source", lambda s: storable(
            str(_entity(s, "StatusSource", "id", "text")["text"])), source)

    def followers(self, cursor: str | None = None) -> Page:
        return self._page("followers", self.client.account_followers, cursor)

    def following(self, cursor: str | None = None) -> Page:
        return self._page("following", self.client.account_following, cursor)

    def follow(self, user_id: str) -> None:
        self._relationship("follow", self.client.account_follow, user_id)

    def unfollow(self, user_id: str) -> None:
        self._relationship("unfollow", self.client.account_unfollow, user_id)

    def hide_reply(self, platform_id: str) -> None:
        raise Unsupported(f"{self.name}: Mastodon cannot hide a reply; block or report instead")

    def block(self, user_id: str) -> None:
        self._relationship("block", self.client.account_block, user_id)

    def report(self, user_id: str, reason: str, platform_ids: list[str] | None = None) -> str:
        report = self._call("report", self.client.report, user_id, status_ids=platform_ids or None,
                            comment=reason[:REPORT_COMMENT_LIMIT], category="other")
        return self._parse("report", lambda r: str(_entity(r, "Report", "id")["id"]), report)

    def mentions(self, since_id: str | None = None) -> Mentions:
        # Status ids are snowflakes of the time a post was made on its own server, so a
        # reply that federates late has an id below ones already seen: filtering by status
        # id would drop it for good. Notification ids follow arrival, so we page those,
        # forward from the cursor, and read the last OVERLAP again next time.
        after = _notification_cursor(since_id)
        seen: dict[str, Any] = {}
        unreadable: list[tuple[str, str]] = []
        for _ in range(MAX_PAGES):
            if after is None:
                # No cursor yet (or a status id from before): the newest pages, backwards.
                window = {"max_id": min(seen, key=id_key) if seen else None}
            else:
                window = {"min_id": max([*seen, after], key=id_key)}
            page = self._call("mentions", self.client.notifications, types=["mention"],
                              limit=PAGE_SIZE, **window)
            notifications = self._parse("mentions", _list, page)
            # Each alone, as the mentions below: one without an id is left out and named.
            usable, bad = self._each("mentions", _notification, notifications)
            unreadable.extend(bad)
            seen.update((str(n["id"]), n) for n in usable)
            # Only an empty page ends the walk: Mastodon filters a page after reading it
            # (muted and blocked accounts, the types asked for), so a short page need
            # not be the last.
            if not usable:
                break
        order = sorted(seen, key=id_key)
        # The next run starts OVERLAP notifications back (all of them, if fewer), never
        # before where this one started.
        cursor = order[-OVERLAP - 1] if len(order) > OVERLAP else order[0] if order else after
        if after is not None and cursor is not None:
            cursor = max(cursor, after, key=id_key)
        # A mention whose status is null (deleted, or no longer visible to us) has nothing
        # to read: left out, not an error.
        notes = [seen[i] for i in order if seen[i].get("status") is not None]
        # Each mention alone: one Mastodon sent malformed is left out (and named), not
        # the batch, which would stop ingestion at it for ever.
        found, bad = self._each("mentions", _mention, notes, ident=lambda n: n["status"]["id"])
        unique: dict[str, Mention] = {}
        for mention in found:  # in the order they arrived
            unique.setdefault(mention.platform_id, mention)
        return Mentions(list(unique.values()), [*unreadable, *bad],
                        cursor=f"{CURSOR}{cursor}" if cursor is not None else None)

    def metrics(self, platform_id: str) -> Metrics:
        status = self._call("metrics", self.client.status, platform_id)
        status = self._parse("metrics", lambda s: _entity(s, "Status", "id"), status)
        return self._parse("metrics", lambda s: Metrics(
            reposts=count(s.get("reblogs_count")), replies=count(s.get("replies_count")),
            likes=count(s.get("favourites_count")), quotes=count(s.get("quotes_count")),
            impressions=None,
        ), status)

    def poll_results(self, platform_id: str) -> PollTally:
        status = self._call("poll results", self.client.status, platform_id)
        status = self._parse("poll results", lambda s: _entity(s, "Status", "id"), status)
        if not status.get("poll"):
            raise Rejected(f"{self.name}: poll results: status {platform_id} has no poll")
        return self._parse("poll results", lambda s: PollTally(
            tuple((storable(str(o["title"])), count(o.get("votes_count")) or 0)
                  for o in s["poll"]["options"]), closed=bool(s["poll"].get("expired"))),
            status)

    def lookup_user(self, handle: str) -> Account | None:
        try:
            account = self._call("look-up", self.client.account_lookup, handle.lstrip("@"))
        except NotFound:
            return None
        return self._parse("look-up", _account, account)

    def search_accounts(self, query: str, limit: int = 20) -> list[Account]:
        found = self._call("search", self.client.account_search, query.lstrip("@"),
                           limit=min(limit, 80))
        return self._parse("search", lambda p: [_account(a) for a in _list(p)], found)

    # ---- plumbing ------------------------------------------------------------------------

    def _relationship(self, what: str, method: Callable[..., Any], user_id: str) -> None:
        answer = self._call(what, method, user_id)
        self._parse(what, lambda r: _entity(r, "Relationship", "id"), answer)

    def _page(self, what: str, method: Callable[..., Any], cursor: str | None) -> Page:
        page = self._call(what, method, self._me_id(), max_id=cursor, limit=FOLLOW_PAGE_SIZE)
        after = getattr(page, "_pagination_next", None)
        cursor = self._parse(what, lambda p: str(after["max_id"]) if after and p else None, page)
        # Each account alone: one malformed account must not fail the page, for ever.
        accounts, unreadable = self._each(what, _account, self._parse(what, _list, page))
        return Page(accounts, cursor, unreadable)

    def _translate(self, what: str, exc: Exception) -> PlatformError | None:
        where = f"{self.name}: {what}"
        if isinstance(exc, MastodonRatelimitError):
            # Mastodon.py parsed X-RateLimit-Reset (adjusted to our clock) before throwing.
            reset = self.client.ratelimit_reset
            usable = reset if reset and reset > time.time() else None
            return RateLimited(f"{where}: rate limited", reset_time(usable))
        if isinstance(exc, MastodonUnauthorizedError):
            return AuthFailed(f"{where}: Mastodon refused the token ({_text(exc)})")
        if isinstance(exc, MastodonServerError | MastodonNetworkError):
            return TransientError(f"{where}: {_text(exc)}")
        if isinstance(exc, MastodonNotFoundError):
            return NotFound(f"{where}: not found ({_text(exc)})")
        if isinstance(exc, MastodonAPIError):
            status = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
            if status is None:
                # Mastodon.py could not parse the body (cut short, HTML from a proxy).
                return TransientError(f"{where}: malformed answer")
            message = _text(exc)
            if status == 403 and any(w in message.lower() for w in SUSPENDED_WORDS):
                return AuthFailed(f"{where}: {message}")
            if 400 <= status < 500:
                return Rejected(f"{where}: {message}")
            return TransientError(f"{where}: {message}")
        if isinstance(exc, MastodonIllegalArgumentError):
            return Rejected(f"{where}: {exc}")
        if isinstance(exc, MastodonError):
            return TransientError(f"{where}: {type(exc).__name__}")
        return None


def _text(exc: Exception) -> str:
    """Mastodon.py's errors carry (message, status, reason, error text); show the useful part."""
    parts = [str(a) for a in exc.args[1:] if a is not None] or [str(exc)]
    return " ".join(parts)


def _entity(value: Any, kind: str, *required: str) -> Any:
    """`value` if it is a `kind` with each `required` field. Mastodon.py casts any JSON
    object it gets to the entity it expected, every field it lacks None, so a 200 with
    another shape (a proxy's, another service's) would otherwise pass as, say, a status
    with id 'None'. Required as in docs.joinmastodon.org/entities/<kind>/."""
    if not isinstance(value, dict):
        raise TypeError(f"expected a {kind}, got {type(value).__name__}")
    missing = [name for name in required if value.get(name) in (None, "")]
    if missing:
        raise KeyError(f"a {kind} without {', '.join(missing)}")
    return value


def _list(value: Any) -> list[Any]:
    """A list of JSON objects. Mastodon.py makes a JSON object where it expected a list
    into the list of that object's keys: strings, no entity among them."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise TypeError(f"expected a list of objects, got {type(value).__name__}")
    return value


def _notification_cursor(since_id: str | None) -> str | None:
    if since_id and since_id.startswith(CURSOR) and len(since_id) > len(CURSOR):
        return since_id[len(CURSOR):]
    return None


def _notification(notification: Any) -> Any:
    return _entity(notification, "Notification", "id", "type")


def _published(status: Any) -> Published:
    _entity(status, "Status", "id", "uri", "created_at", "account", "visibility")
    # `url` may be null (docs): the `uri` then names the status.
    return Published(str(status["id"]), str(status.get("url") or status["uri"]))


def _shared(status: Any) -> SharedPost:
    _entity(status, "Status", *STATUS_FIELDS)
    author = _account(status["account"])
    approval = status.get("quote_approval")
    return SharedPost(
        platform_id=str(status["id"]), url=str(status.get("url") or status["uri"]),
        author_handle=author.handle, author_name=author.name,
        text=storable(html_to_text(status["content"])),
        created_at=status["created_at"].astimezone(dt.UTC),
        # Only a server with quote posts (4.5) says whether we may quote, and then only
        # an automatic approval is a quote that shows at once.
        quotable=isinstance(approval, dict) and approval.get("current_user") == "automatic")


def _account(data: Any) -> Account:
    _entity(data, "Account", "id", "acct", "username")
    return Account(
        user_id=str(data["id"]),
        handle=storable(data["acct"]),
        name=storable(data.get("display_name") or ""),
        description=storable(html_to_text(str(data.get("note") or ""))),
        url=storable(data.get("url") or ""),
        followers_count=count(data.get("followers_count")),
        following_count=count(data.get("following_count")),
        verified=False,
    )


STATUS_FIELDS = ("id", "uri", "created_at", "account", "content", "visibility")


def _recent(status: Any) -> RecentPost:
    _entity(status, "Status", *STATUS_FIELDS)
    return RecentPost(str(status["id"]), storable(html_to_text(status["content"])),
                      str(status.get("url") or status["uri"]),
                      created_at=status["created_at"].astimezone(dt.UTC))


def _mention(notification: Any) -> Mention:
    status = _entity(notification["status"], "Status", *STATUS_FIELDS)
    reply_to = status.get("in_reply_to_id")
    return Mention(
        platform_id=str(status["id"]),
        author=_account(status["account"]),
        text=storable(_with_warning(status.get("spoiler_text"), html_to_text(status["content"]))),
        # Mastodon.py gives local time; the rest of the product works in UTC.
        created_at=status["created_at"].astimezone(dt.UTC),
        in_reply_to=str(reply_to) if reply_to else None,
        raw=storable_json(_plain(status)),
        visibility=str(status["visibility"]),
    )


def _with_warning(warning: object, text: str) -> str:
    """The content warning (plain text) before the post: words and links put in the
    warning are part of what was said, and must be screened like the rest."""
    return f"{warning}\n\n{text}" if isinstance(warning, str) and warning.strip() else text


class _Text(HTMLParser):
    """Mastodon's HTML `content` back to text. A link becomes its destination: Mastodon
    shows only the `ellipsis` span of it (the first 30 characters), and a remote server's
    anchor may show one address and lead to another, so the text shown is kept only when
    it differs, with the destination after it. Mentions and hashtags keep their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: str | None = None
        self.shown: list[str] = []
        self.paragraphs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag == "p":
            if self.paragraphs:
                self.out.append("\n\n")
            self.paragraphs += 1
        elif tag == "a" and self.href is None:
            found = dict(attrs)
            classes = (found.get("class") or "").split()
            if found.get("href") and "mention" not in classes and "hashtag" not in classes:
                self.href, self.shown = found["href"], []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href is not None:
            shown = "".join(self.shown).strip()
            self.out.append(self.href if shown in ("", self.href) else f"{shown} ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        (self.shown if self.href is not None else self.out).append(data)


def html_to_text(content: str) -> str:
    """Mastodon's HTML content as the plain text that was posted (see `_Text`)."""
    parser = _Text()
    parser.feed(content)
    parser.close()
    if parser.href is not None:  # an anchor left open: its text is still text
        parser.out.append("".join(parser.shown))
    return "".join(parser.out).strip()


def _plain(value: Any) -> Any:
    """Mastodon.py's typed objects as plain JSON-able values (kept as evidence)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
