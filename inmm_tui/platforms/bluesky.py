"""Bluesky through the `atproto` SDK: log in with the account's app password, let the
client refresh its session (it does so before the access token expires), and log in again
when the PDS no longer honours the session (refresh token expired or revoked).

Exactly once: every post is created under a record key (a TID) chosen before the first
attempt and kept with the delivery (its `attempt_key`), so a delivery in doubt is found by
an exact `getRecord` on that key (`keyed_post`), never by a search; the PDS refuses a
second record under a key already taken.

Links, mentions and hashtags go as facets whose offsets count UTF-8 bytes (the SDK's
`detect_facets`, which resolves each mentioned handle to its DID); replies carry the
thread's root and parent references; a reply is hidden through the thread gate's hidden
replies. Rate limits come from the `ratelimit-*` headers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from atproto import Client, models
from atproto_client.exceptions import (
    BadRequestError,
    LoginRequiredError,
    ModelError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    RequestException,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_client.request import Request
from atproto_core.exceptions import AtProtocolError

from inmm_tui.capabilities import BLUESKY
from inmm_tui.domain.polls import Poll, PollTally
from inmm_tui.media_file import MediaFile
from inmm_tui.outside_text import storable
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
from inmm_tui.platforms.common import Adapter, count, is_loopback, media_bytes, reset_time
from inmm_tui.platforms.errors import (
    AuthFailed,
    NotFound,
    PlatformError,
    RateLimited,
    Rejected,
    TransientError,
    Unsupported,
)
from inmm_tui.screening.length import short_link

DEFAULT_PDS = "https://bsky.social"
POST, FOLLOW, BLOCK = "app.bsky.feed.post", "app.bsky.graph.follow", "app.bsky.graph.block"
THREADGATE = "app.bsky.feed.threadgate"
REPOST = "app.bsky.feed.repost"
POST_ADDRESS = re.compile(r"^(?:https?://bsky\.app/profile/(?P<actor>[^/\s]+)/post/"
                          r"|at://(?P<repo>[^/\s]+)/app\.bsky\.feed\.post/)"
                          r"(?P<rkey>[A-Za-z0-9._:~-]{1,512})/?$")
"""A post's address in the Bluesky app (by handle or DID), or its at:// URI."""
MAX_HIDDEN = 300
"""app.bsky.feed.threadgate: `hiddenReplies` maxLength 300."""
PAGE_SIZE = 100
MAX_PAGES = 10
REPORT_REASON_LIMIT = 2000
"""com.atproto.moderation.createReport: `reason` maxGraphemes 2000."""
CURSOR = "indexed:"
"""Our mention cursor: the newest notification's `indexedAt` seen (notifications arrive in
that order), told apart from anything else, which is read as no cursor."""
SESSION_ENDED = {"ExpiredToken", "InvalidToken", "AuthenticationRequired"}
"""The PDS's errors for a session it no longer honours: logging in again may cure them."""
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def _aspect(item: MediaFile) -> Any:
    if item.width and item.height:
        return models.AppBskyEmbedDefs.AspectRatio(width=item.width, height=item.height)
    return None


def record_key(key: str) -> str:
    """The record key a post is created under for the delivery's `attempt_key`: the key
    itself when it is a TID (as the queue now makes them), else a TID made from it, the
    same every time (a key from before, of 32 hex digits), so that an in-doubt delivery
    is looked up under the key it was first sent with."""
    if TID.match(key):
        return key
    value = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") >> 1
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


class BlueskyPlatform(Adapter):
    api = "bluesky"
    capabilities = BLUESKY

    def __init__(self, name: str, *, handle: str, app_password: str, base_url: str | None,
                 timeout: float):
        super().__init__(name)
        self.handle = handle.lstrip("@")
        self._password = app_password
        pds = base_url or DEFAULT_PDS
        self.client = Client(base_url=pds, request=Request(timeout=timeout,
                                                           trust_env=not is_loopback(pds)))
        self._did: str | None = None

    # ---- identity ---------------------------------------------------------------------------

    def whoami(self) -> Account:
        session = self._xrpc("whoami", self.client.com.atproto.server.get_session)
        did = self._parse("whoami", lambda s: _text(s.did), session)
        found = self._xrpc("whoami", self.client.app.bsky.actor.get_profile, {"actor": did})
        self._me = self._parse("whoami", _account, found)
        return self._me

    def _repo(self) -> str:
        """Our DID, from the session (no call once logged in)."""
        if self._did is None:
            self._xrpc("log in", lambda: None)
        assert self._did is not None
        return self._did

    # ---- posting ----------------------------------------------------------------------------

    def publish(self, text: str, *, idempotency_key: str,
                in_reply_to: str | None = None, media: Sequence[MediaFile] = (),
                quote_of: str | None = None, poll: Poll | None = None) -> Published:
        if poll is not None:
            raise Unsupported(f"{self.name}: Bluesky has no polls")
        rkey = record_key(idempotency_key)
        facets = self._xrpc("publish", self.client.detect_facets, text)
        shown, facets = shorten_links(text, facets)
        reply = self._reply_ref(in_reply_to) if in_reply_to else None
        # Blobs are uploaded anew on each attempt: the PDS keeps a blob no record points
        # to for a while, then drops it; the record under our key is made once. A quote
        # embeds a strong reference (URI and CID) to the quoted post, with the media if any.
        embed: Any = self._embed(media) if media else None
        if quote_of:
            quoted = models.AppBskyEmbedRecord.Main(
                record=self._strong_ref("publish", quote_of))
            embed = (models.AppBskyEmbedRecordWithMedia.Main(record=quoted, media=embed)
                     if embed is not None else quoted)
        record = models.AppBskyFeedPost.Record(
            text=shown, created_at=self.client.get_current_time_iso(), facets=facets or None,
            reply=reply, embed=embed)
        created = self._xrpc("publish", self.client.com.atproto.repo.create_record, {
            "repo": self._repo(), "collection": POST, "rkey": rkey, "record": record})
        return self._parse("publish", lambda c: self._published(_text(c.uri)), created)

    def _embed(self, media: Sequence[MediaFile]) -> Any:
        """app.bsky.embed.images (up to four, each with its alt text and aspect ratio), or
        app.bsky.embed.video for a video (one, alone)."""
        blobs = [(item, self._upload(item)) for item in media]
        if blobs[0][0].is_video:
            item, blob = blobs[0]
            return models.AppBskyEmbedVideo.Main(video=blob, alt=item.alt,
                                                 aspect_ratio=_aspect(item))
        return models.AppBskyEmbedImages.Main(images=[
            models.AppBskyEmbedImages.Image(alt=item.alt, image=blob, aspect_ratio=_aspect(item))
            for item, blob in blobs])

    def _upload(self, item: MediaFile) -> Any:
        uploaded = self._xrpc("upload", self.client.upload_blob, media_bytes(self.name, item))
        return self._parse("upload", lambda u: u.blob, uploaded)

    def fetch_post(self, url_or_id: str) -> SharedPost:
        found = POST_ADDRESS.match(url_or_id.strip())
        if found is None:
            raise Unsupported(f"{self.name}: not the address of a post on Bluesky")
        actor = found["actor"] or found["repo"]
        if not actor.startswith("did:"):
            try:
                resolved = self._xrpc("fetch post",
                                      self.client.com.atproto.identity.resolve_handle,
                                      {"handle": actor})
            except Rejected as exc:
                raise NotFound(f"{self.name}: no account {actor} ({exc})") from None
            actor = self._parse("fetch post", lambda r: _text(r.did), resolved)
        view = self._post_view("fetch post", f"at://{actor}/{POST}/{found['rkey']}")
        return self._parse("fetch post", _shared, view)

    def repost(self, platform_id: str, *, idempotency_key: str) -> Published:
        """A repost record under the delivery's key: found by it if made already (a
        second record would be a second repost), else created."""
        rkey = record_key(idempotency_key)
        try:
            made = self._xrpc("repost", self.client.com.atproto.repo.get_record, {
                "repo": self._repo(), "collection": REPOST, "rkey": rkey})
        except NotFound:
            made = None
        if made is None:
            record = models.AppBskyFeedRepost.Record(
                subject=self._strong_ref("repost", platform_id),
                created_at=self.client.get_current_time_iso())
            made = self._xrpc("repost", self.client.com.atproto.repo.create_record, {
                "repo": self._repo(), "collection": REPOST, "rkey": rkey, "record": record})
        uri = self._parse("repost", lambda r: _text(r.uri), made)
        author, rkey_of_original = platform_id.split("/")[2], _rkey(platform_id)
        return Published(uri, f"https://bsky.app/profile/{author}/post/{rkey_of_original}")

    def undo_repost(self, platform_id: str, repost_id: str) -> None:
        self._xrpc("undo repost", self.client.com.atproto.repo.delete_record, {
            "repo": self._repo(), "collection": REPOST, "rkey": _rkey(repost_id)})

    def _strong_ref(self, what: str, uri: str) -> models.ComAtprotoRepoStrongRef.Main:
        view = self._post_view(what, uri)
        return self._parse(what, lambda v: models.ComAtprotoRepoStrongRef.Main(
            uri=_text(v.uri), cid=_text(v.cid)), view)

    def poll_results(self, platform_id: str) -> PollTally:
        raise Unsupported(f"{self.name}: Bluesky has no polls")

    def keyed_post(self, key: str) -> Published | None:
        """The post created under `key`'s record key, or None: an exact `getRecord`."""
        try:
            found = self._xrpc("reconcile", self.client.com.atproto.repo.get_record, {
                "repo": self._repo(), "collection": POST, "rkey": record_key(key)})
        except NotFound:
            return None
        return self._parse("reconcile", lambda r: self._published(_text(r.uri)), found)

    def _published(self, uri: str) -> Published:
        if not uri.startswith("at://"):
            raise ValueError(f"not an at:// URI: {uri!r}")
        return Published(uri, f"https://bsky.app/profile/{self.handle}/post/{_rkey(uri)}")

    def _reply_ref(self, parent_uri: str) -> models.AppBskyFeedPost.ReplyRef:
        """The parent's strong reference and its thread's root (the parent's own root, or
        the parent when it starts the thread)."""
        parent = self._post_view("reply", parent_uri)

        def build(view: Any) -> models.AppBskyFeedPost.ReplyRef:
            ref = models.ComAtprotoRepoStrongRef.Main(uri=_text(view.uri), cid=_text(view.cid))
            above = getattr(view.record, "reply", None)
            root = (models.ComAtprotoRepoStrongRef.Main(uri=_text(above.root.uri),
                                                        cid=_text(above.root.cid))
                    if above is not None else ref)
            return models.AppBskyFeedPost.ReplyRef(root=root, parent=ref)

        return self._parse("reply", build, parent)

    def _post_view(self, what: str, uri: str) -> Any:
        found = self._xrpc(what, self.client.app.bsky.feed.get_posts, {"uris": [uri]})
        posts = self._parse(what, lambda r: list(r.posts), found)
        if not posts:
            raise NotFound(f"{self.name}: {what}: no post {uri}")
        return posts[0]

    def delete(self, platform_id: str) -> None:
        self._xrpc("delete", self.client.com.atproto.repo.delete_record, {
            "repo": self._repo(), "collection": POST, "rkey": _rkey(platform_id)})

    def recent_posts(self, limit: int = 50) -> list[RecentPost]:
        found: list[RecentPost] = []
        cursor = None
        for _ in range(MAX_PAGES):
            page = self._xrpc("recent posts", self.client.com.atproto.repo.list_records, {
                "repo": self._repo(), "collection": POST, "limit": min(PAGE_SIZE, limit - len(found)),
                "cursor": cursor})
            records = self._parse("recent posts", lambda p: list(p.records), page)
            found.extend(self._each("recent posts", self._recent, records,
                                    ident=lambda r: r.uri)[0])
            cursor = self._parse("recent posts", lambda p: p.cursor, page)
            if not records or not cursor or len(found) >= limit:
                break
        return found[:limit]

    def _recent(self, item: Any) -> RecentPost:
        uri = _text(item.uri)
        text = expand_links(_text(item.value.text), item.value.facets or [])
        return RecentPost(uri, storable(text), self._published(uri).url,
                          created_at=_when(item.value.created_at))

    def posted_text(self, post: RecentPost) -> str:
        return post.text  # the record's text, its short links given back whole

    # ---- people -----------------------------------------------------------------------------

    def followers(self, cursor: str | None = None) -> Page:
        return self._page("followers", self.client.app.bsky.graph.get_followers, "followers",
                          cursor)

    def following(self, cursor: str | None = None) -> Page:
        return self._page("following", self.client.app.bsky.graph.get_follows, "follows", cursor)

    def _page(self, what: str, method: Callable[..., Any], key: str, cursor: str | None) -> Page:
        page = self._xrpc(what, method, {"actor": self._repo(), "limit": PAGE_SIZE,
                                         "cursor": cursor})
        items = self._parse(what, lambda p: list(getattr(p, key)), page)
        accounts, unreadable = self._each(what, _account, items, ident=lambda a: a.did)
        after = self._parse(what, lambda p: p.cursor, page)
        return Page(accounts, after if items and after else None, unreadable)

    def follow(self, user_id: str) -> None:
        self._create(FOLLOW, "follow", models.AppBskyGraphFollow.Record(
            subject=user_id, created_at=self.client.get_current_time_iso()))

    def unfollow(self, user_id: str) -> None:
        found = self._xrpc("unfollow", self.client.app.bsky.actor.get_profile, {"actor": user_id})
        uri = self._parse("unfollow", lambda p: p.viewer.following if p.viewer else None, found)
        if uri:
            self._xrpc("unfollow", self.client.com.atproto.repo.delete_record, {
                "repo": self._repo(), "collection": FOLLOW, "rkey": _rkey(uri)})

    def block(self, user_id: str) -> None:
        self._create(BLOCK, "block", models.AppBskyGraphBlock.Record(
            subject=user_id, created_at=self.client.get_current_time_iso()))

    def _create(self, collection: str, what: str, record: Any) -> None:
        created = self._xrpc(what, self.client.com.atproto.repo.create_record, {
            "repo": self._repo(), "collection": collection, "record": record})
        self._parse(what, lambda c: _text(c.uri), created)

    def hide_reply(self, platform_id: str) -> None:
        """Hide a reply in a thread we started: its URI joins the `hiddenReplies` of the
        thread gate on the thread's first post (made if there is none, letting anyone
        reply as before). The gate is rewritten only if unchanged since it was read."""
        reply = self._post_view("hide", platform_id)
        root = self._parse("hide", lambda v: _text(v.record.reply.root.uri)
                           if getattr(v.record, "reply", None) else None, reply)
        if root is None or root.split("/")[2] != self._repo():
            raise Rejected(f"{self.name}: hide: {platform_id} is not a reply in a thread "
                           "we started; block or report instead")
        where = {"repo": self._repo(), "collection": THREADGATE, "rkey": _rkey(root)}
        try:
            gate = self._xrpc("hide", self.client.com.atproto.repo.get_record, where)
        except NotFound:
            self._xrpc("hide", self.client.com.atproto.repo.create_record, where | {
                "record": models.AppBskyFeedThreadgate.Record(
                    post=root, created_at=self.client.get_current_time_iso(),
                    hidden_replies=[platform_id])})
            return
        hidden = self._parse("hide", lambda g: list(g.value.hidden_replies or []), gate)
        if platform_id in hidden:
            return
        if len(hidden) >= MAX_HIDDEN:
            raise Rejected(f"{self.name}: hide: the thread already has {MAX_HIDDEN} hidden "
                           "replies, Bluesky's most; block or report instead")
        record = self._parse("hide", lambda g: g.value.model_copy(
            update={"hidden_replies": [*hidden, platform_id]}), gate)
        self._xrpc("hide", self.client.com.atproto.repo.put_record, where | {
            "record": record, "swap_record": gate.cid})

    def report(self, user_id: str, reason: str, platform_ids: list[str] | None = None) -> str:
        # A report names one subject: the account; the posts go in the reason.
        posts = "".join(f"\n{uri}" for uri in platform_ids or ())
        answer = self._xrpc("report", self.client.com.atproto.moderation.create_report, {
            "reason_type": "com.atproto.moderation.defs#reasonOther",
            "reason": (reason[:REPORT_REASON_LIMIT - len(posts)] + posts)[:REPORT_REASON_LIMIT],
            "subject": models.ComAtprotoAdminDefs.RepoRef(did=user_id)})
        return self._parse("report", lambda r: str(int(r.id)), answer)

    def lookup_user(self, handle: str) -> Account | None:
        if "." not in handle and not handle.startswith("did:"):
            return None  # a Bluesky handle is a domain name: no call for what cannot be one
        try:
            found = self._xrpc("look-up", self.client.app.bsky.actor.get_profile,
                               {"actor": handle.lstrip("@")})
        except Rejected:  # "Profile not found" is a 400
            return None
        return self._parse("look-up", _account, found)

    def search_accounts(self, query: str, limit: int = 20) -> list[Account]:
        found = self._xrpc("search", self.client.app.bsky.actor.search_actors,
                           {"q": query.lstrip("@"), "limit": max(1, min(limit, 100))})
        return self._parse("search", lambda r: [_account(a) for a in r.actors], found)

    # ---- what comes in ----------------------------------------------------------------------

    def mentions(self, since_id: str | None = None) -> Mentions:
        """Mentions and replies from `listNotifications`, newest first there, paged back to
        the cursor: the newest `indexedAt` seen last time. Those at that very moment come
        again (the daemon drops what it has), so one indexed in the same millisecond as
        the last one read is not passed over."""
        since = _when(since_id[len(CURSOR):]) if since_id and since_id.startswith(CURSOR) else None
        notes: list[Any] = []
        cursor = None
        for _ in range(MAX_PAGES):
            page = self._xrpc("mentions", self.client.app.bsky.notification.list_notifications,
                              {"limit": PAGE_SIZE, "cursor": cursor, "reasons": ["mention", "reply"]})
            batch = self._parse("mentions", lambda p: list(p.notifications), page)
            fresh = [n for n in batch if since is None or _when(n.indexed_at) >= since]
            notes.extend(fresh)
            cursor = self._parse("mentions", lambda p: p.cursor, page)
            if not cursor or len(fresh) < len(batch):
                break
        # Oldest arrival first, so that two made in the same millisecond keep their order.
        notes = [n for n in reversed(notes) if n.reason in ("mention", "reply")]
        found, bad = self._each("mentions", _mention, notes, ident=lambda n: n.uri)
        newest = max((_when(n.indexed_at) for n in notes), default=since)
        found.sort(key=lambda m: m.created_at)
        return Mentions(found, bad, cursor=f"{CURSOR}{newest.isoformat()}" if newest else since_id)

    def metrics(self, platform_id: str) -> Metrics:
        view = self._post_view("metrics", platform_id)
        return self._parse("metrics", lambda v: Metrics(
            reposts=count(v.repost_count), replies=count(v.reply_count),
            likes=count(v.like_count), quotes=count(v.quote_count), impressions=None), view)

    # ---- plumbing ---------------------------------------------------------------------------

    def _xrpc(self, what: str, method: Callable[..., Any], *args: Any) -> Any:
        return self._call(what, self._in_session, method, *args)

    def _in_session(self, method: Callable[..., Any], *args: Any) -> Any:
        if self.client._session is None:
            self._login()
        try:
            return method(*args)
        except RequestErrorBase as exc:
            if not _session_ended(exc):
                raise
        # The PDS no longer honours the session (refresh token expired or revoked): log in
        # again, once. Only refusals come here, so the call had no effect the first time.
        self._login()
        return method(*args)

    def _login(self) -> None:
        self.client.login(self.handle, self._password, fetch_bsky_profile=False)
        session = self.client._session
        self._did = session.did if session is not None else None

    def _translate(self, what: str, exc: Exception) -> PlatformError | None:
        where = f"{self.name}: {what}"
        if isinstance(exc, RateLimitExceededError):
            reset = exc.reset_at
            if reset is None and exc.retry_after is not None:
                reset = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=exc.retry_after)
            return RateLimited(f"{where}: rate limited ({_error(exc)})",
                               reset_time(reset.timestamp() if reset else None))
        if isinstance(exc, UnauthorizedError | LoginRequiredError):
            return AuthFailed(f"{where}: Bluesky refused the app password or session "
                              f"({_error(exc)})")
        if isinstance(exc, BadRequestError):
            name = _error_name(exc)
            if name == "RecordNotFound":
                return NotFound(f"{where}: not found ({_error(exc)})")
            if name in SESSION_ENDED or name in ("AccountTakedown", "AccountDeactivated"):
                return AuthFailed(f"{where}: {_error(exc)}")
            return Rejected(f"{where}: {_error(exc)}")
        if isinstance(exc, NetworkError):  # also 409, 413 and 502, as the SDK sorts them
            return TransientError(f"{where}: {_error(exc) or type(exc).__name__}")
        if isinstance(exc, RequestException):
            status = exc.response.status_code if exc.response is not None else 500
            if status in (404, 501):
                return Unsupported(f"{where}: the PDS does not serve it ({_error(exc)})")
            if 400 <= status < 500:
                return Rejected(f"{where}: {_error(exc)}")
            return TransientError(f"{where}: {_error(exc)}")
        if isinstance(exc, ModelError | ValueError):
            # A 200 that is not the lexicon's shape, or not JSON (a proxy's page).
            return TransientError(f"{where}: malformed answer ({type(exc).__name__})")
        if isinstance(exc, httpx.HTTPError):
            # The connection closed with no answer, or half of one.
            return TransientError(f"{where}: {type(exc).__name__}")
        if isinstance(exc, AtProtocolError):
            return TransientError(f"{where}: {type(exc).__name__}")
        return None


def shorten_links(text: str, facets: list[Any]) -> tuple[str, list[Any]]:
    """The text as the Bluesky app posts it: each http(s) link shown in its short form
    (what screening counted), its facet keeping the full address; every facet's byte
    range moved to match. A facet inside a link's text (none should be) is dropped."""
    data = text.encode("utf-8")
    out, moved = bytearray(), []
    shift = last = 0
    for facet in sorted(facets, key=lambda f: f.index.byte_start):
        start, end = facet.index.byte_start, facet.index.byte_end
        if start < last:
            continue
        if any(isinstance(f, models.AppBskyRichtextFacet.Link) for f in facet.features):
            written = data[start:end].decode("utf-8", errors="replace")
            shown = short_link(written).encode("utf-8")
            out += data[last:start] + shown
            new_start = start + shift
            shift += len(shown) - (end - start)
            last = end
            span = (new_start, new_start + len(shown))
        else:
            span = (start + shift, end + shift)
        moved.append(models.AppBskyRichtextFacet.Main(
            features=facet.features,
            index=models.AppBskyRichtextFacet.ByteSlice(byte_start=span[0], byte_end=span[1])))
    out += data[last:]
    return out.decode("utf-8"), moved


def expand_links(text: str, facets: list[Any]) -> str:
    """`shorten_links` undone: each link shown in its short form given back whole, so that
    a post reads as it was written (a link shown otherwise is left as shown)."""
    data = text.encode("utf-8")
    out = bytearray()
    last = 0
    for facet in sorted(facets, key=lambda f: f.index.byte_start):
        start, end = facet.index.byte_start, facet.index.byte_end
        link = next((f.uri for f in facet.features
                     if isinstance(f, models.AppBskyRichtextFacet.Link)), None)
        if link is None or start < last or end > len(data):
            continue
        if data[start:end].decode("utf-8", errors="replace") == short_link(link):
            out += data[last:start] + link.encode("utf-8")
            last = end
    return (out + data[last:]).decode("utf-8", errors="replace")


def _error_name(exc: RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return content.error if isinstance(content, XrpcError) else ""


def _error(exc: Exception) -> str:
    """The PDS's error name and message, one line, no more than 300 characters."""
    if isinstance(exc, RequestErrorBase) and exc.response is not None:
        content = exc.response.content
        if isinstance(content, XrpcError):
            return storable(f"{content.error}: {content.message or ''}".strip(": "))[:300]
        return f"HTTP {exc.response.status_code}"
    return storable(str(exc))[:300]


def _session_ended(exc: RequestErrorBase) -> bool:
    if exc.response is None or exc.response.status_code not in (400, 401):
        return False
    return _error_name(exc) in SESSION_ENDED


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty string, got {type(value).__name__}")
    return value


def _rkey(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _when(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(_text(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _shared(view: Any) -> SharedPost:
    """Another account's post from its post view (app.bsky.feed.defs#postView)."""
    author = _account(view.author)
    uri = _text(view.uri)
    viewer = getattr(view, "viewer", None)
    return SharedPost(
        platform_id=uri, url=f"https://bsky.app/profile/{author.handle}/post/{_rkey(uri)}",
        author_handle=author.handle, author_name=author.name,
        text=storable(expand_links(_text(view.record.text), view.record.facets or [])),
        created_at=_when(view.record.created_at),
        quotable=not (viewer is not None and getattr(viewer, "embedding_disabled", False)))


def _account(profile: Any) -> Account:
    did, handle = _text(profile.did), _text(profile.handle)
    return Account(
        user_id=did, handle=storable(handle),
        name=storable(getattr(profile, "display_name", None) or ""),
        description=storable(getattr(profile, "description", None) or ""),
        url=f"https://bsky.app/profile/{handle}",
        followers_count=count(getattr(profile, "followers_count", None)),
        following_count=count(getattr(profile, "follows_count", None)),
        verified=False)


def _mention(note: Any) -> Mention:
    record = note.record
    reply = getattr(record, "reply", None)
    return Mention(
        platform_id=_text(note.uri), author=_account(note.author),
        text=storable(_text(record.text) if record.text else ""),
        created_at=_when(record.created_at),
        in_reply_to=_text(reply.parent.uri) if reply is not None else None,
        raw=note.model_dump(mode="json", by_alias=True, exclude_none=True))
