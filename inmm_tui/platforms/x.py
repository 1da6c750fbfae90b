"""X through tweepy's `Client` (API v2), OAuth 1.0a user context.

tweepy hard-codes its host and sends no timeout, so a transport adapter mounted on the
client's public `session` rewrites the host (the sandbox, a proxy) and sets connect and
read timeouts on every request. `wait_on_rate_limit` stays off (it sleeps inside the call
and recurses without bound when the reset header is missing): a 429 becomes `RateLimited`.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter

from inmm_tui.capabilities import X
from inmm_tui.domain.polls import Poll, PollTally
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
    DuplicateContent,
    NotFound,
    NotInPlan,
    PlatformError,
    RateLimited,
    Rejected,
    TransientError,
    Unsupported,
    UsageCapped,
)

log = logging.getLogger(__name__)
# Their DEBUG lines print the signed Authorization header (consumer key, access token):
# never let them through, whatever level the root logger is at.
for _noisy in ("requests_oauthlib", "oauthlib"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

TWEEPY_HOST = "https://api.twitter.com"
UPLOAD_HOST = "https://upload.twitter.com"
CHUNK_BYTES = 4 * 1024 * 1024
"""A video is appended in pieces of this size (X takes at most 5 MB a piece)."""
USER_FIELDS = ["description", "public_metrics", "verified", "url", "created_at"]
TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "in_reply_to_user_id",
                "referenced_tweets", "public_metrics", "entities", "note_tweet"]
OWN_TWEET_FIELDS = ["created_at", "author_id", "entities", "note_tweet"]
"""Asked for with our own posts: when and by whom, and the links behind X's t.co forms."""
MAX_PAGES = 10
"""Bound on pages fetched in one call (mentions, recent posts)."""
HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
POST_URL = re.compile(r"^https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/(?:[A-Za-z0-9_]{1,15}"
                      r"|i/web)/status/(?P<id>[0-9]{1,20})(?:[/?#].*)?$")
"""A post's address on X (x.com or twitter.com, by its author or /i/web/)."""


class _Transport(HTTPAdapter):
    """Sends tweepy's requests to `base_url` instead of api.twitter.com (or `host`),
    always with a timeout."""

    def __init__(self, base_url: str | None, timeout: float, host: str = TWEEPY_HOST):
        super().__init__()
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout
        self.host = host

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float | None, float | None] | None = None,
             verify: bool | str = True, cert: str | tuple[str, str] | None = None,
             proxies: dict[str, str] | None = None) -> requests.Response:
        if self.base_url and request.url and request.url.startswith(self.host):
            request.url = self.base_url + request.url[len(self.host):]
        # Ours, whatever tweepy passed (it passes none by default).
        return super().send(request, stream=stream, timeout=(self.timeout, self.timeout),
                            verify=verify, cert=cert, proxies=proxies)


class XPlatform(Adapter):
    api = "x"
    capabilities = X

    def __init__(self, name: str, *, consumer_key: str, consumer_secret: str, access_token: str,
                 access_token_secret: str, handle: str, timeout: float,
                 base_url: str | None = None):
        super().__init__(name)
        self._capped: UsageCapped | None = None
        """X's last monthly-cap refusal, while its `reset_at` is ahead."""
        self.handle = handle
        self.client = tweepy.Client(
            consumer_key=consumer_key, consumer_secret=consumer_secret,
            access_token=access_token, access_token_secret=access_token_secret,
            return_type=dict, wait_on_rate_limit=False,
        )
        self.client.session.mount(TWEEPY_HOST, _Transport(base_url, timeout))
        self.client.session.trust_env = not is_loopback(base_url)
        # Media go through API v1.1's upload endpoints (v2 has none tweepy speaks): its
        # JSON parser gives plain dicts, as the v2 client does.
        self.upload_api = tweepy.API(
            tweepy.OAuth1UserHandler(consumer_key, consumer_secret, access_token,
                                     access_token_secret),
            parser=tweepy.parsers.JSONParser(), timeout=timeout, wait_on_rate_limit=False)
        self.upload_api.session.mount(UPLOAD_HOST, _Transport(base_url, timeout, UPLOAD_HOST))
        self.upload_api.session.trust_env = not is_loopback(base_url)

    # ---- the calls ------------------------------------------------------------------------

    def whoami(self) -> Account:
        body = self._call("whoami", self.client.get_me, user_auth=True, user_fields=USER_FIELDS)
        self._me = self._parse("whoami", lambda b: _account(_record(b, "id")), body)
        return self._me

    def publish(self, text: str, *, idempotency_key: str,
                in_reply_to: str | None = None, media: Sequence[MediaFile] = (),
                quote_of: str | None = None, poll: Poll | None = None) -> Published:
        # X has no idempotency key: the daemon reconciles through recent_posts() instead,
        # and X's duplicate-content refusal backs it up. Media are uploaded anew on each
        # attempt: an upload never attached expires after a day, harmless.
        media_ids = [self._upload(item) for item in media] or None
        native = ({"poll_options": list(poll.options), "poll_duration_minutes": poll.minutes}
                  if poll is not None else {})
        body = self._call("publish", self.client.create_tweet, text=text,
                          in_reply_to_tweet_id=in_reply_to, media_ids=media_ids,
                          quote_tweet_id=quote_of, user_auth=True, **native)
        post_id = self._parse("publish", lambda b: str(_created_post(b)["id"]), body)
        return Published(post_id, self._url(post_id))

    def _upload(self, item: MediaFile) -> str:
        """Upload one file with its alt text; its media id. A video or GIF is sent in
        chunks and waited for while X processes it, for at most `MEDIA_PROCESSING_SECONDS`."""
        data = media_bytes(self.name, item)
        api = self.upload_api
        gif = item.mime == "image/gif"
        if not (item.is_video or gif):
            body = self._call("upload", api.simple_upload, item.name, file=io.BytesIO(data),
                              media_category="tweet_image")
        else:  # X takes video and (animated) GIFs in chunks, then processes them
            body = self._call("upload", api.chunked_upload_init, len(data), item.mime,
                              media_category="tweet_gif" if gif else "tweet_video")
            media_id = self._parse("upload", lambda b: str(b["media_id_string"]), body)
            for index, start in enumerate(range(0, len(data), CHUNK_BYTES)):
                # APPEND answers with no body: the plain call, not the dict-checking one.
                Adapter._call(self, "upload", api.chunked_upload_append, media_id,
                              (item.name, data[start:start + CHUNK_BYTES]), index)
            body = self._call("upload", api.chunked_upload_finalize, media_id)
            deadline = time.monotonic() + MEDIA_PROCESSING_SECONDS
            while True:
                info = self._parse("upload", lambda b: b.get("processing_info") or {}, body)
                state = info.get("state", "succeeded")
                if state == "succeeded":
                    break
                if state == "failed":
                    raise Rejected(f"{self.name}: X could not process {item.name}: "
                                   f"{(info.get('error') or {}).get('message', 'failed')}")
                wait = float(info.get("check_after_secs") or 1)
                if time.monotonic() + wait > deadline:
                    raise TransientError(f"{self.name}: X was still processing {item.name} "
                                         f"after {MEDIA_PROCESSING_SECONDS:.0f} s")
                time.sleep(wait)
                body = self._call("upload", api.get_media_upload_status, media_id)
        media_id = self._parse("upload", lambda b: str(b["media_id_string"]), body)
        # metadata/create answers with no body either.
        Adapter._call(self, "alt text", api.create_media_metadata, media_id, item.alt)
        return media_id

    def fetch_post(self, url_or_id: str) -> SharedPost:
        found = POST_URL.match(url_or_id.strip())
        tweet_id = found["id"] if found else url_or_id.strip()
        if not tweet_id.isdigit():
            raise Unsupported(f"{self.name}: not the address of a post on X")
        body = self._call("fetch post", self.client.get_tweet, tweet_id,
                          expansions=["author_id"], tweet_fields=OWN_TWEET_FIELDS,
                          user_fields=USER_FIELDS, user_auth=True)
        if not self._parse("fetch post", _found, body):
            raise NotFound(f"{self.name}: post {tweet_id}: "
                           f"{_errors_text(body) or 'no such post'}")
        return self._parse("fetch post", _shared, body)

    def repost(self, platform_id: str, *, idempotency_key: str) -> Published:
        # Our repost, if the account has it already (made by an attempt whose answer was
        # lost); else made now. Reposting twice changes nothing on X either ("retweeted":
        # true again). X's answer names no repost id: ours is read from the timeline,
        # where the audit check finds it too.
        found = self._our_repost(platform_id)
        if found is not None:
            return found
        body = self._call("repost", self.client.retweet, platform_id, user_auth=True)
        self._parse("repost", lambda b: _record(b, flag="retweeted"), body)
        found = self._our_repost(platform_id)
        if found is None:
            raise TransientError(f"{self.name}: repost of {platform_id} accepted but not yet "
                                 "in the account's timeline")
        return found

    def _our_repost(self, platform_id: str) -> Published | None:
        body = self._call("repost", self.client.get_users_tweets, self._me_id(),
                          max_results=100, tweet_fields=["referenced_tweets"], user_auth=True)
        tweets, _ = self._parse("repost", _listing, body)
        for tweet in tweets:
            refs = (tweet.get("referenced_tweets") or []) if isinstance(tweet, dict) else []
            if any(r.get("type") == "retweeted" and str(r.get("id")) == platform_id
                   for r in refs if isinstance(r, dict)):
                return Published(str(tweet["id"]), self._url(str(tweet["id"])))
        return None

    def undo_repost(self, platform_id: str, repost_id: str) -> None:
        body = self._call("undo repost", self.client.unretweet, platform_id, user_auth=True)
        self._parse("undo repost", lambda b: _record(b, flag="retweeted"), body)

    def delete(self, platform_id: str) -> None:
        body = self._call("delete", self.client.delete_tweet, platform_id, user_auth=True)
        self._parse("delete", lambda b: _record(b, flag="deleted"), body)

    def recent_posts(self, limit: int = 50) -> list[RecentPost]:
        found: list[RecentPost] = []
        token = None
        for _ in range(MAX_PAGES):
            body = self._call("recent posts", self.client.get_users_tweets, self._me_id(),
                              max_results=max(5, min(limit - len(found), 100)),
                              pagination_token=token, tweet_fields=OWN_TWEET_FIELDS,
                              user_auth=True)
            tweets, token = self._parse("recent posts", _listing, body)
            # Each post alone: one malformed post must not hide the others (reconciliation).
            found.extend(p for p in self._each("recent posts", self._recent, tweets)[0]
                         if p is not None)
            if not token or len(found) >= limit:
                break
        return found[:limit]

    def posted_text(self, post: RecentPost) -> str:
        return post.text

    def _recent(self, tweet: dict[str, Any]) -> RecentPost | None:
        if str(tweet["author_id"]) != self._me_id():
            return None
        return RecentPost(str(tweet["id"]), storable(exact_text(tweet)),
                          self._url(str(tweet["id"])), created_at=_when(tweet["created_at"]))

    def followers(self, cursor: str | None = None) -> Page:
        return self._page("followers", self.client.get_users_followers, cursor)

    def following(self, cursor: str | None = None) -> Page:
        return self._page("following", self.client.get_users_following, cursor)

    def follow(self, user_id: str) -> None:
        body = self._call("follow", self.client.follow_user, user_id, user_auth=True)
        self._parse("follow", lambda b: _record(b, flag="following"), body)

    def unfollow(self, user_id: str) -> None:
        body = self._call("unfollow", self.client.unfollow_user, user_id, user_auth=True)
        self._parse("unfollow", lambda b: _record(b, flag="following"), body)

    def hide_reply(self, platform_id: str) -> None:
        body = self._call("hide reply", self.client.hide_reply, platform_id, user_auth=True)
        self._parse("hide reply", lambda b: _record(b, flag="hidden"), body)

    def block(self, user_id: str) -> None:
        # tweepy has no method for v2's manage-blocks endpoint; its public request() is
        # the same code path (auth, errors) the named methods use.
        body = self._call("block", self.client.request, "POST",
                          f"/2/users/{self._me_id()}/blocking",
                          json={"target_user_id": user_id}, user_auth=True)
        self._parse("block", lambda b: _record(b, flag="blocking"), body)

    def report(self, user_id: str, reason: str, platform_ids: list[str] | None = None) -> str:
        raise Unsupported(f"{self.name}: X has no report API in v2; report the account on x.com")

    def mentions(self, since_id: str | None = None) -> Mentions:
        found: list[Mention] = []
        unreadable: list[tuple[str, str]] = []
        token = None
        for _ in range(MAX_PAGES):
            body = self._call("mentions", self.client.get_users_mentions, self._me_id(),
                              since_id=since_id, pagination_token=token, max_results=100,
                              expansions=["author_id"], tweet_fields=TWEET_FIELDS,
                              user_fields=USER_FIELDS, user_auth=True)
            tweets, token = self._parse("mentions", _listing, body)
            users = self._parse("mentions", lambda b: {
                str(u["id"]): u for u in b.get("includes", {}).get("users", [])
                if isinstance(u, dict) and "id" in u}, body)
            # Each mention alone: one X sent malformed is left out (and named), not the batch.
            built, bad = self._each("mentions", functools.partial(_mention, users=users), tweets)
            found.extend(built)
            unreadable.extend(bad)
            if not token:
                break
        return Mentions(sorted(found, key=lambda m: id_key(m.platform_id)), unreadable)

    def metrics(self, platform_id: str) -> Metrics:
        body = self._call("metrics", self.client.get_tweet, platform_id,
                          tweet_fields=["public_metrics"], user_auth=True)
        if not self._parse("metrics", _found, body):
            raise Rejected(f"{self.name}: metrics: {_errors_text(body) or 'no such post'}")
        counts = self._parse("metrics", lambda b: dict(_record(b, "id")["public_metrics"]),
                             body)
        return Metrics(reposts=count(counts.get("retweet_count")),
                       replies=count(counts.get("reply_count")),
                       likes=count(counts.get("like_count")),
                       quotes=count(counts.get("quote_count")),
                       impressions=count(counts.get("impression_count")))

    def poll_results(self, platform_id: str) -> PollTally:
        body = self._call("poll results", self.client.get_tweet, platform_id,
                          expansions=["attachments.poll_ids"],
                          poll_fields=["options", "voting_status"], user_auth=True)
        if not self._parse("poll results", _found, body):
            raise Rejected(f"{self.name}: poll results: {_errors_text(body) or 'no such post'}")
        return self._parse("poll results", _tally, body)

    def lookup_user(self, handle: str) -> Account | None:
        handle = handle.lstrip("@")
        if not HANDLE.fullmatch(handle):
            return None  # X would answer 400: no such handle can exist
        body = self._call("look-up", self.client.get_user, username=handle,
                          user_fields=USER_FIELDS, user_auth=True)
        return self._parse("look-up",
                           lambda b: _account(_record(b, "id")) if _found(b) else None, body)

    def search_accounts(self, query: str, limit: int = 20) -> list[Account]:
        # X v2 has no user search for our access level: look up the usual look-alikes.
        names = look_alikes(query.lstrip("@"))[:100]
        if not names:
            return []
        body = self._call("search", self.client.get_users, usernames=names,
                          user_fields=USER_FIELDS, user_auth=True)
        users = self._parse("search", lambda b: b["data"] if _found(b) else [], body)
        if not isinstance(users, list):
            raise TransientError(f"{self.name}: search: malformed answer (`data` is not a list)")
        return self._each("search", _account, users)[0][:limit]

    # ---- plumbing ------------------------------------------------------------------------

    def _url(self, post_id: str) -> str:
        return f"https://x.com/{self.handle}/status/{post_id}"

    def _page(self, what: str, method: Callable[..., Any], cursor: str | None) -> Page:
        body = self._call(what, method, self._me_id(), max_results=1000, pagination_token=cursor,
                          user_fields=USER_FIELDS, user_auth=True)
        users, cursor = self._parse(what, _listing, body)
        # Each account alone: one malformed account must not fail the page, for ever.
        accounts, unreadable = self._each(what, _account, users)
        return Page(accounts, cursor, unreadable)

    def _call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # A spent monthly cap refuses every call of the app until the month turns over:
        # every job of the outlet waits here instead of calling into it all day.
        capped = self._capped
        if capped is not None and dt.datetime.now(dt.UTC) < capped.reset_at:
            raise UsageCapped(f"{self.name}: {what}: not asked before "
                              f"{capped.reset_at.isoformat(timespec='minutes')}: {capped}",
                              capped.reset_at)
        try:
            body = super()._call(what, method, *args, **kwargs)
        except UsageCapped as exc:
            self._capped = exc
            raise
        if isinstance(body, requests.Response):  # from client.request()
            body = self._parse(what, lambda r: r.json(), body)
        if not isinstance(body, dict):
            raise TransientError(f"{self.name}: {what}: malformed answer (not a JSON object)")
        return body

    def _translate(self, what: str, exc: Exception) -> PlatformError | None:
        where = f"{self.name}: {what}"
        if isinstance(exc, tweepy.TooManyRequests):
            return _too_many(where, exc)
        if isinstance(exc, tweepy.Unauthorized):
            return AuthFailed(f"{where}: X refused the credentials ({exc})")
        if isinstance(exc, tweepy.Forbidden):
            return _forbidden(where, what, exc)
        if isinstance(exc, tweepy.NotFound):
            return NotFound(f"{where}: not found ({exc})")
        if isinstance(exc, tweepy.HTTPException):
            if 400 <= exc.response.status_code < 500:
                return Rejected(f"{where}: {exc}")
            return TransientError(f"{where}: X is failing ({exc})")
        if isinstance(exc, tweepy.TweepyException):
            # API v1.1 wraps a failed connection or an answer that is not JSON.
            return TransientError(f"{where}: {exc}")
        if isinstance(exc, requests.RequestException):
            # Timeouts, refused connections, cut bodies, bodies that are not JSON.
            return TransientError(f"{where}: {type(exc).__name__}: {exc}")
        if isinstance(exc, ValueError):
            return TransientError(f"{where}: malformed answer ({exc})")
        return None


def _problem(exc: tweepy.HTTPException) -> dict[str, Any]:
    """The error's body: X's problem object (RFC 7807 `type`, `title`, `detail`, ...)."""
    try:
        body = exc.response.json()
    except (ValueError, AttributeError):
        return {}
    return body if isinstance(body, dict) else {}


_CAP_WINDOWS = (("x-rate-limit", "15-minute"), ("x-user-limit-24hour", "24-hour user"),
                ("x-app-limit-24hour", "24-hour app"))
"""X's rate-limit header families, each with `-limit`, `-remaining` and `-reset` (epoch
seconds): `x-rate-limit-*` as documented (docs.x.com/x-api/fundamentals/rate-limits,
windows "usually 15 minutes or 24 hours"); the 24-hour user and app families as X sends
them with POST /2/tweets (parsed by node-twitter-api-v2 since its pull request 618). A 429
from the posting cap carries the 24-hour ones while its 15-minute `x-rate-limit-remaining`
is usually not 0: the window that is spent is the one to wait for."""
USAGE_CAP_PROBE = dt.timedelta(hours=24)
"""After X's monthly usage cap answer, look again this much later: X does not say when
the project's month turns over."""


def _too_many(where: str, exc: tweepy.TooManyRequests) -> RateLimited:
    body = _problem(exc)
    # X's monthly cap: 429 with title `UsageCapExceeded`, type .../problems/usage-capped,
    # detail "Usage cap exceeded: Monthly product cap", period "Monthly".
    if body.get("title") == "UsageCapExceeded" or str(body.get("type", "")).endswith(
            "/usage-capped"):
        return UsageCapped(f"{where}: X's monthly usage cap for this app is spent ({exc})",
                           dt.datetime.now(dt.UTC) + USAGE_CAP_PROBE)
    headers = exc.response.headers
    spent: list[tuple[int, str]] = []
    for family, window in _CAP_WINDOWS:
        reset = headers.get(f"{family}-reset", "")
        if headers.get(f"{family}-remaining", "").strip() == "0" and reset.strip().isdigit():
            spent.append((int(reset), window))
    if spent:
        reset, window = max(spent)
        return RateLimited(f"{where}: rate limited, {window} cap ({exc})", reset_time(reset))
    return RateLimited(f"{where}: rate limited ({exc})", reset_time(exc.reset_time))


def _forbidden(where: str, what: str, exc: tweepy.Forbidden) -> PlatformError:
    text = " ".join(str(m) for m in exc.api_messages).lower()
    body = _problem(exc)
    kinds = " ".join(str(e.get("type", "")) for e in exc.api_errors if isinstance(e, dict))
    kinds += f" {body.get('type', '')} {body.get('reason', '')}"
    if "duplicate content" in text:
        return DuplicateContent(f"{where}: X says this text was already posted ({exc})")
    # The app's access level lacks this endpoint: 403 with type .../problems/client-forbidden,
    # reason `client-not-enrolled`, and the level needed in `required_enrollment`. The plan,
    # not the credentials: everything else still works.
    if "client-not-enrolled" in kinds or "client-forbidden" in kinds:
        needed = body.get("required_enrollment")
        return NotInPlan(f"{where}: X's plan for this app does not include this"
                         f"{f' (needs {needed})' if needed else ''} ({exc})", what)
    if "suspended" in text or "unsupported-authentication" in kinds:
        return AuthFailed(f"{where}: X refused the credentials ({exc})")
    return Rejected(f"{where}: {exc}")


def _is_id(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and str(value).isdigit()


def _sketch(value: Any) -> str:
    """What an answer looked like, for the error message (its keys, never its values)."""
    if isinstance(value, dict):
        return "an object with " + (", ".join(sorted(map(str, value))[:8]) or "no keys")
    return "null" if value is None else f"a {type(value).__name__}"


# The shapes of X's answers (docs.x.com/x-api, the OpenAPI specification): a 200 that does
# not have them is not accepted as a success, however the client library parses it.

def _record(body: dict[str, Any], *ids: str, flag: str | None = None) -> dict[str, Any]:
    """X's `data` object, which must carry the numeric `ids` (and the true/false `flag` that
    answers an action: {"data": {"deleted": true}}, {"data": {"following": true, ...}})."""
    data = body.get("data")
    if not isinstance(data, dict):
        raise ValueError(f"expected a `data` object, got {_sketch(body)}")
    for name in ids:
        if not _is_id(data.get(name)):
            raise ValueError(f"`data.{name}` is not an id but {_sketch(data.get(name))}")
    if flag is not None and not isinstance(data.get(flag), bool):
        raise ValueError(f"`data.{flag}` is not true or false but {_sketch(data.get(flag))}")
    return data


def _created_post(body: dict[str, Any]) -> dict[str, Any]:
    """A created post: X's OpenAPI (TweetCreateResponse) requires `data.id` and
    `data.text`. A user or any other object with an id is not one (a proxy's answer, or
    the wrong endpoint's)."""
    data = _record(body, "id")
    if not isinstance(data.get("text"), str):
        raise ValueError(f"`data.text` is not the post's text but {_sketch(data.get('text'))}")
    return data


def _listing(body: dict[str, Any]) -> tuple[list[Any], str | None]:
    """One page of a list (timelines, mentions, followers): `data`, left out when the page
    is empty, and `meta` with `result_count` and, except on the last page, `next_token`.
    An answer without them must not pass for an empty last page."""
    meta = body.get("meta")
    if not isinstance(meta, dict) or not isinstance(meta.get("result_count"), int):
        raise ValueError(f"expected `meta.result_count`, got {_sketch(body)}")
    data = body.get("data", [])
    if not isinstance(data, list) or (not data and meta["result_count"] > 0):
        raise ValueError(f"`data` is {_sketch(data)} for {meta['result_count']} results")
    token = meta.get("next_token")
    if token is not None and not (isinstance(token, str) and token):
        raise ValueError(f"`meta.next_token` is {_sketch(token)}")
    return data, token


def _shared(body: dict[str, Any]) -> SharedPost:
    tweet = _record(body, "id", "author_id")
    users = [u for u in (body.get("includes") or {}).get("users") or []
             if isinstance(u, dict) and str(u.get("id")) == str(tweet["author_id"])]
    if not users:
        raise ValueError("the post's author is not in `includes.users`")
    author = _account(users[0])
    return SharedPost(
        platform_id=str(tweet["id"]), url=f"https://x.com/{author.handle}/status/{tweet['id']}",
        author_handle=author.handle, author_name=author.name,
        text=storable(exact_text(tweet)),
        created_at=_when(tweet["created_at"]) if tweet.get("created_at") else None)


def _tally(body: dict[str, Any]) -> PollTally:
    """The poll of a post looked up with `expansions=attachments.poll_ids`: its options
    (position, label, votes) in `includes.polls`."""
    poll = body["includes"]["polls"][0]
    options = sorted(poll["options"], key=lambda option: int(option["position"]))
    return PollTally(tuple((storable(str(o["label"])), count(o.get("votes")) or 0)
                           for o in options), closed=poll.get("voting_status") == "closed")


def _found(body: dict[str, Any]) -> bool:
    """A look-up's answer: `data` (found), or only `errors` (not found, suspended, ...)."""
    if "data" in body:
        return True
    if isinstance(body.get("errors"), list) and body["errors"]:
        return False
    raise ValueError(f"expected `data` or `errors`, got {_sketch(body)}")


def _account(user: dict[str, Any]) -> Account:
    public = user.get("public_metrics")
    metrics = public if isinstance(public, dict) else {}
    handle = storable(user["username"])
    return Account(
        user_id=str(user["id"]),
        handle=handle,
        name=storable(user.get("name", "")),
        description=storable(user.get("description") or ""),
        url=f"https://x.com/{handle}",
        followers_count=count(metrics.get("followers_count")),
        following_count=count(metrics.get("following_count")),
        verified=bool(user.get("verified")),
    )


def _mention(tweet: dict[str, Any], users: dict[str, Any]) -> Mention:
    unknown = {"id": tweet.get("author_id"), "username": "", "name": ""}
    author = users.get(str(tweet.get("author_id")), unknown)
    try:
        account = _account(author)
    except (KeyError, TypeError, ValueError, AttributeError):
        # The reply is what matters; an author X sent malformed is shown as unknown.
        account = _account(unknown)
    references = tweet.get("referenced_tweets") or []
    replied = [r["id"] for r in references if r.get("type") == "replied_to"]
    return Mention(
        platform_id=str(tweet["id"]),
        author=account,
        text=storable(exact_text(tweet)),
        created_at=_when(tweet["created_at"]),
        in_reply_to=str(replied[0]) if replied else None,
        raw=storable_json({"tweet": tweet, "author": author}),
    )


_X_ESCAPES = re.compile("&(amp|lt|gt);")
_X_UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}


def exact_text(tweet: dict[str, Any]) -> str:
    """The text as it was posted: X returns it with `&`, `<` and `>` HTML-escaped (and
    nothing else) and every link replaced by a t.co link whose destination is only in
    `entities.urls` (asked for with the `entities` tweet field). A post longer than 280
    characters comes cut in `text`; the whole of it, with its own entities, is only in
    `note_tweet` (asked for as a tweet field)."""
    whole = tweet.get("note_tweet")
    source = whole if isinstance(whole, dict) and isinstance(whole.get("text"), str) else tweet
    text = _X_ESCAPES.sub(lambda m: _X_UNESCAPED[m.group(1)], str(source["text"]))
    for link in (source.get("entities") or {}).get("urls") or []:
        if link.get("url") and link.get("media_key"):
            # The link X adds at the end to the post's media: not part of what we wrote.
            text = text.removesuffix(" " + str(link["url"])).removesuffix(str(link["url"]))
        elif link.get("url") and link.get("expanded_url"):
            text = text.replace(str(link["url"]), str(link["expanded_url"]))
    return text


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _errors_text(body: dict[str, Any]) -> str:
    errors = body.get("errors", [])
    return "; ".join(str(e.get("detail", "")) for e in errors if isinstance(e, dict))


def look_alikes(handle: str) -> list[str]:
    """Handles a squatter would pick for `handle`: the usual swaps, affixes and doubles."""
    base = handle.lower()
    swaps = {"o": "0", "0": "o", "i": "1", "l": "1", "1": "l", "e": "3", "s": "5", "a": "4"}
    names = [handle, f"{handle}_", f"_{handle}", f"{handle}1", f"the{handle}", f"real{handle}",
             f"{handle}official", f"{handle}_official", f"{handle}HQ"]
    for index, char in enumerate(base):
        if char in swaps:
            names.append(base[:index] + swaps[char] + base[index + 1:])
        names.append(base[:index] + char + base[index:])  # a doubled letter
        names.append(base[:index] + base[index + 1:])  # a dropped letter
    seen: set[str] = set()
    result = []
    for name in names:
        if HANDLE.fullmatch(name) and name.lower() not in seen:
            seen.add(name.lower())
            result.append(name)
    return result
