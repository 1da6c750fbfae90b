"""A LinkedIn organisation page through LinkedIn's versioned REST API, with `requests`
(LinkedIn keeps no Python client; the unofficial `linkedin-api` packages scrape the
website and are not used).

Every call carries the OAuth 2 bearer token from the secrets file, `LinkedIn-Version:
YYYYMM` and `X-Restli-Protocol-Version: 2.0.0`. We post as `urn:li:organization:<id>`
through the Posts API; the new post's URN comes back in the `x-restli-id` header.

The commentary is LinkedIn's "little" text: the reserved characters ``| { } @ [ ] ( ) < >
# \\ * _ ~`` are escaped with a backslash, so that a bracket in our text never becomes
markup (unescaped, LinkedIn cuts the post short at it); a `#` that starts a word is left
as the hashtag it is on every other outlet. Reading a post back undoes both.

Exactly once: LinkedIn takes no idempotency key, so an in-doubt delivery is looked for
among the organisation's recent posts (`GET /rest/posts?q=author`) by its exact text, as
on X (the daemon does this for every outlet without `idempotent_posting` or
`keyed_posting`). LinkedIn refuses a post whose text repeats a recent one (422 "Content
is a duplicate of ..."), which is `DuplicateContent`.

What an organisation page cannot do through the API is declared in
`inmm_tui.capabilities.LINKEDIN` and raises `Unsupported` here: it follows nobody and
lists no followers, and it cannot block or report. Members' comments on the page's
recent posts come in as mentions. Moderation hides one by deleting it as the page's admin
(`DELETE /rest/socialActions/<post>/comments/<id>?actor=<organisation>`: LinkedIn has no
hiding, `capabilities.hide_deletes`); an answer is a reply in the comment's thread
(`POST /rest/socialActions/<comment>/comments`), made once: a reply of ours with the same
text already in that thread is taken for it (LinkedIn has no idempotency key, and the
page's recent posts, where the daemon looks for an in-doubt post, hold no comments).

Tokens (OAuth 2): an access token lasts about 60 days, the refresh token about a year
from the member's authorisation. With the app's client id and secret and a refresh token
in the secrets file, the adapter renews the access token itself: shortly before it
expires, and once when LinkedIn answers 401 (then the call is made again, once). The new
tokens go to the `listener` (the daemon writes them back to the secrets file and records
their expiry for HQ's reminder); a refused renewal is `RefreshRefused`, told to the
listener too (an alert). Tokens never appear in a message, a log line or a repr.

Rate limits: LinkedIn's 429 carries no reset header; its daily limits reset at midnight
UTC, which is when we call again (unless a `Retry-After` says sooner).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from inmm_tui.capabilities import BLOCK, FOLLOW, LINKEDIN, REPORT, SHARE
from inmm_tui.domain.polls import Poll, PollTally
from inmm_tui.media_file import MediaFile
from inmm_tui.outside_text import storable
from inmm_tui.platforms.base import (
    Account,
    CredentialsListener,
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
    is_loopback,
    media_bytes,
)
from inmm_tui.platforms.errors import (
    AuthFailed,
    DuplicateContent,
    NotFound,
    PlatformError,
    RateLimited,
    RefreshRefused,
    Rejected,
    TransientError,
    Unsupported,
)

DEFAULT_API = "https://api.linkedin.com"
DEFAULT_OAUTH = "https://www.linkedin.com"
"""Where access tokens are renewed (`/oauth/v2/accessToken`); a test's or the sandbox's
`base_url` serves both."""
RENEW_BEFORE = dt.timedelta(days=1)
"""An access token this close to its expiry is renewed before the call, not after a 401."""
API_VERSION = "202505"
"""The `LinkedIn-Version` we speak (LinkedIn keeps each version for a year)."""
PAGE_SIZE = 50
"""Posts or comments per page (`count`, at most 100)."""
COMMENTED_POSTS = 20
"""How many of the page's latest posts are read for new comments."""
MAX_COMMENT_PAGES = 10
CURSOR = "created:"
"""Our mention cursor: the newest comment's `created.time` (epoch ms) seen."""
RESERVED = frozenset("|{}@[]()<>#\\*_~")
"""Little text's reserved characters (learn.microsoft.com/linkedin/marketing/
community-management/shares/little-text-format)."""
_HASHTAG_TEMPLATE = re.compile(r"\{hashtag\|\\#\|([^}]*)\}")
_MENTION = re.compile(r"@\[((?:\\.|[^\]\\])*)\]\(urn:li:[a-zA-Z]+:[^)]*\)")
_COMMENT = re.compile(r"urn:li:comment:\((urn:li:[A-Za-z]+:[^,]+),([^)]+)\)")
"""A comment's URN: the post (or activity) it was made on, and its own id there."""


def _hashtag_start(text: str, i: int) -> bool:
    """Whether the `#` at `i` starts a hashtag: at a word's start, a letter or digit next."""
    return (text[i] == "#" and i + 1 < len(text) and text[i + 1].isalnum()
            and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in RESERVED)))


def little_text(text: str) -> str:
    """`text` as LinkedIn's little text: every reserved character escaped but the `#` of
    a hashtag. `plain_text(little_text(t)) == t` for every `t`."""
    return "".join("\\" + char if char in RESERVED and not _hashtag_start(text, i) else char
                   for i, char in enumerate(text))


def plain_text(little: str) -> str:
    """The text a little-text commentary shows: a hashtag template as `#tag`, a mention
    as `@Name`, every escape undone."""
    little = _HASHTAG_TEMPLATE.sub(lambda m: "#" + m.group(1), little)
    little = _MENTION.sub(lambda m: "@" + m.group(1), little)
    return re.sub(r"\\(.)", r"\1", little, flags=re.DOTALL)


def next_midnight_utc(now: dt.datetime | None = None) -> dt.datetime:
    moment = now or dt.datetime.now(dt.UTC)
    return dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time(), dt.UTC)


class LinkedInPlatform(Adapter):
    api = "linkedin"
    capabilities = LINKEDIN

    def __init__(self, name: str, *, organization_id: str, access_token: str,
                 base_url: str | None, timeout: float, version: str = API_VERSION,
                 refresh_token: str | None = None, client_id: str | None = None,
                 client_secret: str | None = None, access_token_expires_at: str | None = None,
                 refresh_token_expires_at: str | None = None):
        super().__init__(name)
        self.organization = f"urn:li:organization:{organization_id}"
        self._organization_id = organization_id
        self.base_url = (base_url or DEFAULT_API).rstrip("/")
        self.oauth_url = (base_url or DEFAULT_OAUTH).rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = not is_loopback(self.base_url)
        self.session.headers.update({
            "Authorization": f"Bearer {access_token}", "LinkedIn-Version": version,
            "X-Restli-Protocol-Version": "2.0.0"})
        # Its own session: the bearer token is not sent to the OAuth endpoint.
        self._oauth = requests.Session()
        self._oauth.trust_env = not is_loopback(self.oauth_url)
        self._refresh_token = refresh_token
        self._client = (client_id, client_secret) if client_id and client_secret else None
        self.access_expires_at = _moment(access_token_expires_at)
        self.refresh_expires_at = _moment(refresh_token_expires_at)
        self.listener: CredentialsListener | None = None
        """Told of renewed tokens and refused renewals (set by the daemon)."""

    @property
    def renews_tokens(self) -> bool:
        """Whether this outlet can renew its access token (a refresh token and the app's
        client id and secret are in the secrets file)."""
        return bool(self._refresh_token and self._client)

    def renew_token(self) -> None:
        """A new access token for the refresh token, now (`POST /oauth/v2/accessToken`).
        RefreshRefused, told to the listener, when LinkedIn will not; TransientError when
        it did not answer (nothing is told: the next call tries again)."""
        with self._lock:
            if not self.renews_tokens:
                raise RefreshRefused(f"{self.name}: the access token cannot be renewed: the "
                                     "secrets file has no refresh_token, client_id and "
                                     "client_secret for it")
            client_id, client_secret = self._client or ("", "")
            response = self._call("renew token", self._oauth.post,
                                  f"{self.oauth_url}/oauth/v2/accessToken", data={
                                      "grant_type": "refresh_token",
                                      "refresh_token": self._refresh_token,
                                      "client_id": client_id, "client_secret": client_secret},
                                  timeout=self.timeout)
            if response.status_code in (400, 401):
                message = f"{self.name}: LinkedIn refused to renew the access token " \
                          f"({_oauth_message(response)})"
                if self.listener is not None:
                    self.listener.refused(self.name, message)
                raise RefreshRefused(message)
            if response.status_code != 200:
                raise TransientError(f"{self.name}: renew token: HTTP {response.status_code}")
            answer = self._call("renew token", response.json)
            access, lasts, refresh, left = self._parse("renew token", _renewal, answer)
            now = dt.datetime.now(dt.UTC)
            self.session.headers["Authorization"] = f"Bearer {access}"
            self._refresh_token = refresh or self._refresh_token
            self.access_expires_at = now + dt.timedelta(seconds=lasts)
            if left is not None:
                self.refresh_expires_at = now + dt.timedelta(seconds=left)
            if self.listener is not None:
                tokens = {"access_token": access, "refresh_token": self._refresh_token or "",
                          "access_token_expires_at": _iso(self.access_expires_at)}
                if self.refresh_expires_at is not None:
                    tokens["refresh_token_expires_at"] = _iso(self.refresh_expires_at)
                self.listener.renewed(self.name, tokens)

    # ---- identity ---------------------------------------------------------------------------

    def whoami(self) -> Account:
        """The organisation the token posts for, with its follower count."""
        org = self._get("whoami", f"/rest/organizations/{quote(self._organization_id)}")
        size = self._get("whoami", f"/rest/networkSizes/{quote(self.organization, safe='')}",
                         params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"})
        self._me = self._parse("whoami", lambda o: _organization(
            o, followers=count(size.get("firstDegreeSize"))), org)
        return self._me

    def lookup_user(self, handle: str) -> Account | None:
        """The organisation page with this vanity name (spoof watch), or None."""
        name = handle.lstrip("@")
        if not re.fullmatch(r"[A-Za-z0-9-]{1,100}", name):
            return None  # not a vanity name: no call for what cannot be one
        found = self._get("look-up", "/rest/organizations",
                          params={"q": "vanityName", "vanityName": name})
        elements = self._parse("look-up", lambda f: list(f["elements"]), found)
        return self._parse("look-up", _organization, elements[0]) if elements else None

    def search_accounts(self, query: str, limit: int = 20) -> list[Account]:
        raise Unsupported(f"{self.name}: LinkedIn's API has no search of organisations or "
                          "members for an app like ours")

    # ---- sharing (capabilities.shares is False) -------------------------------------------

    def fetch_post(self, url_or_id: str) -> SharedPost:
        raise Unsupported(f"{self.name}: {LINKEDIN.why_not[SHARE]}")

    def repost(self, platform_id: str, *, idempotency_key: str) -> Published:
        raise Unsupported(f"{self.name}: {LINKEDIN.why_not[SHARE]}")

    def undo_repost(self, platform_id: str, repost_id: str) -> None:
        raise Unsupported(f"{self.name}: {LINKEDIN.why_not[SHARE]}")

    # ---- posting ----------------------------------------------------------------------------

    def publish(self, text: str, *, idempotency_key: str,
                in_reply_to: str | None = None, media: Sequence[MediaFile] = (),
                quote_of: str | None = None, poll: Poll | None = None) -> Published:
        if poll is not None:
            raise Unsupported(f"{self.name}: polls on LinkedIn are not supported")
        # `idempotency_key` has nowhere to go: LinkedIn takes none (see the module's doc).
        if in_reply_to is not None:
            return self._comment(text, in_reply_to)
        if quote_of is not None:
            raise Unsupported(f"{self.name}: {LINKEDIN.why_not[SHARE]}")
        post: dict[str, Any] = {
            "author": self.organization, "commentary": little_text(text),
            "visibility": "PUBLIC", "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []}}
        if media:
            # Images and a video are uploaded anew on each attempt; one never used in a
            # post is discarded by LinkedIn. One image or the one video is `content.media`
            # (a video's optional `title`, shown above it, is left out: only the alt text
            # was cleared), more images `multiImage`.
            images = [{"id": self._upload(item), "altText": item.alt} for item in media]
            post["content"] = ({"media": images[0]} if len(images) == 1
                               else {"multiImage": {"images": images}})
        elif (card := article(text)) is not None:
            # LinkedIn makes no card from a link in the commentary: the post carries it.
            post["content"] = {"article": card}
        response = self._request("publish", "POST", "/rest/posts", json=post)
        urn = response.headers.get("x-restli-id", "")
        if not urn.startswith("urn:li:"):
            # 201 without the header: the post may exist; the daemon reconciles it.
            raise TransientError(f"{self.name}: publish: the answer named no post "
                                 f"(status {response.status_code}, no x-restli-id)")
        return Published(urn, post_url(urn))

    def _upload(self, item: MediaFile) -> str:
        """An image through the Images API: `initializeUpload` for the page gives an upload
        URL and the image's URN; the bytes go to that URL with the same token."""
        if item.is_video:
            return self._upload_video(item)
        data = media_bytes(self.name, item)
        response = self._request("upload", "POST", "/rest/images",
                                 params={"action": "initializeUpload"},
                                 json={"initializeUploadRequest": {"owner": self.organization}})
        value = self._parse("upload", lambda r: r.json()["value"], response)
        url = self._parse("upload", lambda v: str(v["uploadUrl"]), value)
        urn = self._parse("upload", lambda v: str(v["image"]), value)
        self._put_bytes(url, data)
        if not urn.startswith("urn:li:image:"):
            raise TransientError(f"{self.name}: upload: not an image URN: {urn[:80]}")
        return urn

    def _put_bytes(self, url: str, data: bytes) -> requests.Response:
        """`data` to an upload URL LinkedIn gave, with our token: only to LinkedIn (or the
        configured API host)."""
        host = urlsplit(url).hostname or ""
        if not (host == urlsplit(self.base_url).hostname or host.endswith(".linkedin.com")
                or host == "linkedin.com"):
            raise TransientError(f"{self.name}: upload: the upload URL is not LinkedIn's "
                                 f"({host or 'no host'})")
        uploaded: requests.Response = self._call(
            "upload", self.session.put, url, data=data, timeout=self.timeout,
            headers={"Content-Type": "application/octet-stream"})
        if uploaded.status_code >= 400:
            raise self._refusal("upload", uploaded)
        return uploaded

    def _upload_video(self, item: MediaFile) -> str:
        """A video through the Videos API (learn.microsoft.com/linkedin/marketing/
        community-management/shares/videos-api): `initializeUpload` with the file's size
        gives the video's URN and one upload URL per part (`firstByte`..`lastByte`, 4 MiB
        each but the last); each part is PUT there and its answer's `etag` kept;
        `finalizeUpload` names the parts' ETags in order; then the video is processed,
        and its `status` is asked after (PROCESSING, then AVAILABLE or PROCESSING_FAILED)
        with growing pauses for at most `MEDIA_PROCESSING_SECONDS`. A failed processing is
        Rejected (sending the same file again would fail again); one still processing at
        the limit is transient, and the next attempt uploads the video anew."""
        data = media_bytes(self.name, item)
        response = self._request("upload", "POST", "/rest/videos",
                                 params={"action": "initializeUpload"},
                                 json={"initializeUploadRequest": {
                                     "owner": self.organization, "fileSizeBytes": len(data),
                                     "uploadCaptions": False, "uploadThumbnail": False}})
        value = self._parse("upload", lambda r: r.json()["value"], response)
        urn, token, parts = self._parse("upload", lambda v: _video_upload(v, len(data)), value)
        etags = []
        for url, first, last in parts:
            uploaded = self._put_bytes(url, data[first:last + 1])
            etag = uploaded.headers.get("etag", "")
            if not etag:
                raise TransientError(f"{self.name}: upload: LinkedIn's answer to a part of "
                                     f"{item.name} named no ETag")
            etags.append(etag)
        self._request("upload", "POST", "/rest/videos", params={"action": "finalizeUpload"},
                      json={"finalizeUploadRequest": {"video": urn, "uploadToken": token,
                                                      "uploadedPartIds": etags}})
        deadline = time.monotonic() + MEDIA_PROCESSING_SECONDS
        pause = 0.2
        while True:
            video = self._get("upload", f"/rest/videos/{quote(urn, safe='')}")
            status = self._parse("upload", lambda v: str(v["status"]), video)
            if status == "AVAILABLE":
                return urn
            if status == "PROCESSING_FAILED":
                reason = storable(str(video.get("processingFailureReason") or "failed"))[:300]
                raise Rejected(f"{self.name}: LinkedIn could not process {item.name}: {reason}")
            if time.monotonic() + pause > deadline:
                raise TransientError(f"{self.name}: LinkedIn was still processing "
                                     f"{item.name} after {MEDIA_PROCESSING_SECONDS:.0f} s "
                                     f"({status})")
            time.sleep(pause)
            pause = min(pause * 2, 5.0)

    def poll_results(self, platform_id: str) -> PollTally:
        raise Unsupported(f"{self.name}: polls on LinkedIn are not supported")

    def delete(self, platform_id: str) -> None:
        if platform_id.startswith("urn:li:comment:"):
            self._delete_comment("delete", platform_id)  # an answer of ours, withdrawn
            return
        try:
            self._request("delete", "DELETE", f"/rest/posts/{quote(platform_id, safe='')}")
        except NotFound:
            pass  # already gone: what deleting wants

    def _comment(self, text: str, in_reply_to: str) -> Published:
        """Our comment on one of our posts (a correction), or our reply in a member's
        comment's thread (an answer); the reply already there with this very text if
        there is one (a second attempt after a lost answer finds the first)."""
        target = quote(in_reply_to, safe="")
        for element in self._comments(in_reply_to, "reply"):
            if element.get("actor") == self.organization and \
                    (element.get("message") or {}).get("text") == text:
                urn = self._parse("reply", lambda e: str(e["commentUrn"]), element)
                return Published(urn, comment_url(urn))
        body: dict[str, Any] = {"actor": self.organization, "message": {"text": text},
                                "object": _commented(in_reply_to)}
        if in_reply_to.startswith("urn:li:comment:"):
            body["parentComment"] = in_reply_to
        response = self._request("reply", "POST", f"/rest/socialActions/{target}/comments",
                                 json=body)
        urn = self._parse("reply", lambda r: r["commentUrn"], self._call("reply", response.json))
        if not isinstance(urn, str) or not urn.startswith("urn:li:comment:"):
            raise TransientError(f"{self.name}: reply: the answer named no comment")
        return Published(urn, comment_url(urn))

    def _delete_comment(self, what: str, comment_urn: str) -> None:
        found = _COMMENT.fullmatch(comment_urn)
        if found is None:
            raise Rejected(f"{self.name}: {what}: {comment_urn!r} is not a comment's URN")
        post, number = found.groups()
        try:
            self._request(what, "DELETE", f"/rest/socialActions/{quote(post, safe='')}/comments/"
                          f"{quote(number, safe='')}", params={"actor": self.organization})
        except NotFound:
            pass  # already gone: what deleting wants

    def recent_posts(self, limit: int = 50) -> list[RecentPost]:
        found: list[RecentPost] = []
        for element in self._posts(limit):
            found.extend(self._each("recent posts", _recent, [element])[0])
        return found[:limit]

    def _posts(self, limit: int) -> Iterator[Any]:
        start = 0
        while start < limit:
            size = min(PAGE_SIZE, limit - start)
            page = self._get("recent posts", "/rest/posts", params={
                "q": "author", "author": self.organization, "sortBy": "CREATED",
                "start": start, "count": size})
            elements = self._parse("recent posts", lambda p: list(p["elements"]), page)
            yield from elements
            if len(elements) < size:
                return
            start += size

    def posted_text(self, post: RecentPost) -> str:
        return post.text  # the commentary with its little-text escapes undone

    # ---- what it cannot do --------------------------------------------------------------------

    def _cannot(self, what: str) -> Unsupported:
        return Unsupported(f"{self.name}: {what}")

    def followers(self, cursor: str | None = None) -> Page:
        raise self._cannot("LinkedIn's API does not list an organisation's followers")

    def following(self, cursor: str | None = None) -> Page:
        raise self._cannot("a LinkedIn organisation page follows nobody")

    def follow(self, user_id: str) -> None:
        raise self._cannot(LINKEDIN.why_not[FOLLOW])

    def unfollow(self, user_id: str) -> None:
        raise self._cannot("a LinkedIn organisation page follows nobody")

    def hide_reply(self, platform_id: str) -> None:
        """Take a member's comment on our post out of view: LinkedIn can only delete it,
        which the page's admin may (`capabilities.hide_deletes`)."""
        self._delete_comment("delete comment", platform_id)

    def block(self, user_id: str) -> None:
        raise self._cannot(LINKEDIN.why_not[BLOCK])

    def report(self, user_id: str, reason: str, platform_ids: list[str] | None = None) -> str:
        raise self._cannot(LINKEDIN.why_not[REPORT])

    def mentions(self, since_id: str | None = None) -> Mentions:
        """Members' comments on the page's `COMMENTED_POSTS` most recent posts (the
        Comments API: top-level comments; replies within a comment's thread are not read),
        oldest first. The cursor is the newest comment's creation time seen; those made in
        that very millisecond come again (the daemon drops what it has)."""
        since = None
        if since_id and since_id.startswith(CURSOR) and since_id[len(CURSOR):].isdigit():
            since = int(since_id[len(CURSOR):])
        found: list[Mention] = []
        bad: list[tuple[str, str]] = []
        newest = since
        for post in self.recent_posts(COMMENTED_POSTS):
            for element in self._comments(post.platform_id, "mentions"):
                built, unreadable = self._each("mentions", self._mention, [element],
                                               ident=lambda e: e["commentUrn"])
                bad += unreadable
                for mention in built:
                    at = int(mention.created_at.timestamp() * 1000)
                    if mention.author.user_id == self.organization or (
                            since is not None and at < since):
                        continue
                    found.append(mention)
                    newest = max(newest or at, at)
        found.sort(key=lambda m: m.created_at)
        return Mentions(found, bad, cursor=f"{CURSOR}{newest}" if newest is not None else since_id)

    def _comments(self, post_urn: str, what: str) -> Iterator[Any]:
        start = 0
        for _ in range(MAX_COMMENT_PAGES):
            page = self._get(what, f"/rest/socialActions/{quote(post_urn, safe='')}/comments",
                             params={"start": start, "count": PAGE_SIZE})
            elements = self._parse(what, lambda p: list(p["elements"]), page)
            yield from elements
            if len(elements) < PAGE_SIZE:
                return
            start += PAGE_SIZE

    def _mention(self, element: Any) -> Mention:
        urn, actor, text = element["commentUrn"], element["actor"], element["message"]["text"]
        created = element["created"]["time"]
        if not all(isinstance(v, str) and v for v in (urn, actor)) or not isinstance(text, str):
            raise ValueError("commentUrn, actor or message.text of the wrong type")
        if not isinstance(created, int):
            raise TypeError("created.time: expected epoch milliseconds")
        parent = element.get("parentComment") or element["object"]
        # LinkedIn gives an organisation's app no member's name: the member is named by the
        # number in their URN, and their profile is the place to see who they are.
        author = Account(user_id=actor, handle=storable(actor.rsplit(":", 1)[-1]))
        return Mention(platform_id=urn, author=author, text=storable(text),
                       created_at=dt.datetime.fromtimestamp(created / 1000, dt.UTC),
                       in_reply_to=parent if isinstance(parent, str) else None, raw=element)

    def metrics(self, platform_id: str) -> Metrics:
        """The post's share statistics (reposts, comments, likes, impressions)."""
        kind = "ugcPosts" if platform_id.startswith("urn:li:ugcPost:") else "shares"
        # Rest.li 2.0: the list is `List(...)` with each URN encoded, so the query is
        # written here rather than by `requests` (which would encode the parentheses).
        query = (f"q=organizationalEntity&organizationalEntity={quote(self.organization, safe='')}"
                 f"&{kind}=List({quote(platform_id, safe='')})")
        found = self._get("metrics", f"/rest/organizationalEntityShareStatistics?{query}")
        elements = self._parse("metrics", lambda f: list(f["elements"]), found)
        if not elements:
            raise NotFound(f"{self.name}: metrics: no statistics for {platform_id}")
        return self._parse("metrics", _metrics, elements[0])

    # ---- plumbing ---------------------------------------------------------------------------

    def _get(self, what: str, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self._request(what, "GET", path, params=params)
        return self._call(what, response.json)

    def _request(self, what: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        with self._lock:
            if (self.renews_tokens and self.access_expires_at is not None
                    and self.access_expires_at - RENEW_BEFORE <= dt.datetime.now(dt.UTC)):
                try:
                    self.renew_token()
                except (TransientError, RefreshRefused):
                    pass  # the listener knows of a refusal; the old token may work yet
            response: requests.Response = self._call(
                what, self.session.request, method, self.base_url + path, timeout=self.timeout,
                **kwargs)
            if response.status_code == 401 and self.renews_tokens:
                # Expired (or revoked) before we knew: renew once and ask once more.
                self.renew_token()
                response = self._call(what, self.session.request, method, self.base_url + path,
                                      timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise self._refusal(what, response)
        return response

    def _refusal(self, what: str, response: requests.Response) -> PlatformError:
        where = f"{self.name}: {what}"
        status = response.status_code
        message = _message(response)
        if status == 429:
            return RateLimited(f"{where}: rate limited ({message})", _retry_at(response))
        if status in (401, 403):
            return AuthFailed(f"{where}: LinkedIn refused the access token ({message})")
        if status == 404:
            return NotFound(f"{where}: not found ({message})")
        if status == 422 and "duplicate" in message.lower():
            return DuplicateContent(f"{where}: {message}")
        if 400 <= status < 500:
            return Rejected(f"{where}: {message}")
        return TransientError(f"{where}: {message}")

    def _translate(self, what: str, exc: Exception) -> PlatformError | None:
        where = f"{self.name}: {what}"
        if isinstance(exc, requests.RequestException):
            # No answer, half of one, or a timeout: the call may have had its effect.
            return TransientError(f"{where}: {type(exc).__name__}")
        if isinstance(exc, ValueError):  # a 200 that is not JSON (a proxy's page)
            return TransientError(f"{where}: malformed answer ({type(exc).__name__})")
        return None


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def comment_url(urn: str) -> str:
    """A comment shown in its post's page."""
    found = _COMMENT.fullmatch(urn)
    post = found.group(1) if found else urn
    return f"https://www.linkedin.com/feed/update/{post}/?commentUrn={quote(urn, safe='')}"


def _commented(urn: str) -> str:
    """The post a comment (or a reply in its thread) is made on."""
    found = _COMMENT.fullmatch(urn)
    return found.group(1) if found else urn


def _moment(text: str | None) -> dt.datetime | None:
    """An expiry time from the secrets file (ISO 8601; UTC unless it says otherwise)."""
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _renewal(answer: Any) -> tuple[str, int, str | None, int | None]:
    """(access token, its seconds, the refresh token if given, its seconds left if given)."""
    access, lasts = answer["access_token"], answer["expires_in"]
    refresh, left = answer.get("refresh_token"), answer.get("refresh_token_expires_in")
    if not isinstance(access, str) or not access or not isinstance(lasts, int) or lasts <= 0:
        raise ValueError("access_token or expires_in of the wrong type")
    if refresh is not None and not isinstance(refresh, str):
        raise ValueError("refresh_token of the wrong type")
    if left is not None and not isinstance(left, int):
        raise ValueError("refresh_token_expires_in of the wrong type")
    return access, lasts, refresh or None, left


def _oauth_message(response: requests.Response) -> str:
    """The OAuth endpoint's `error: error_description`, one line, at most 300 characters."""
    try:
        body = response.json()
        text = f"{body.get('error') or ''}: {body.get('error_description') or ''}".strip(": ")
    except (ValueError, AttributeError):
        text = ""
    return storable(text or f"HTTP {response.status_code}")[:300]


def _message(response: requests.Response) -> str:
    """LinkedIn's error message, one line, no more than 300 characters."""
    try:
        body = response.json()
        text = f"{body.get('code') or ''} {body.get('message') or ''}".strip()
    except (ValueError, AttributeError):
        text = ""
    return storable(text or f"HTTP {response.status_code}")[:300]


def _retry_at(response: requests.Response) -> dt.datetime:
    """When to call again after a 429: `Retry-After` if given, else midnight UTC, when
    LinkedIn's daily limits reset."""
    now = dt.datetime.now(dt.UTC)
    after = response.headers.get("retry-after", "")
    if after.isdigit():
        return now + dt.timedelta(seconds=max(1, int(after)))
    return next_midnight_utc(now)


def _video_upload(value: Any, size: int) -> tuple[str, str, list[tuple[str, int, int]]]:
    """From `initializeUpload`'s answer: the video's URN, the upload token, and each part's
    (upload URL, first byte, last byte), which together must cover the file once, in order."""
    urn, token = value["video"], value.get("uploadToken") or ""
    if not isinstance(urn, str) or not urn.startswith("urn:li:video:") or not isinstance(
            token, str):
        raise ValueError("video or uploadToken of the wrong type")
    parts = [(str(p["uploadUrl"]), p["firstByte"], p["lastByte"])
             for p in value["uploadInstructions"]]
    following = 0
    for _, first, last in parts:
        if not (isinstance(first, int) and isinstance(last, int) and first == following
                and last >= first):
            raise ValueError("uploadInstructions do not cover the file in order")
        following = last + 1
    if following != size:
        raise ValueError("uploadInstructions do not cover the file")
    return urn, token, parts


def _organization(org: Any, followers: int | None = None) -> Account:
    vanity = org["vanityName"]
    if not isinstance(vanity, str) or not vanity:
        raise ValueError("vanityName: expected a non-empty string")
    return Account(user_id=f"urn:li:organization:{int(org['id'])}", handle=storable(vanity),
                   name=storable(org.get("localizedName") or ""),
                   description=storable(org.get("localizedDescription") or ""),
                   url=f"https://www.linkedin.com/company/{vanity}/",
                   followers_count=followers, following_count=0)


def _recent(element: Any) -> RecentPost:
    urn, commentary = element["id"], element.get("commentary") or ""
    if not isinstance(urn, str) or not urn.startswith("urn:li:") or not isinstance(commentary, str):
        raise ValueError("id or commentary of the wrong type")
    created = element["createdAt"]
    if not isinstance(created, int):
        raise TypeError("createdAt: expected epoch milliseconds")
    return RecentPost(urn, storable(plain_text(commentary)), post_url(urn),
                      created_at=dt.datetime.fromtimestamp(created / 1000, dt.UTC))


def _metrics(element: Any) -> Metrics:
    stats = element["totalShareStatistics"]
    return Metrics(reposts=count(stats.get("shareCount")), replies=count(stats.get("commentCount")),
                   likes=count(stats.get("likeCount")), quotes=None,
                   impressions=count(stats.get("impressionCount")))


_LINK = re.compile(r"https?://[^\s<>\"']+")
ARTICLE_TITLE_LIMIT = 200


def article(text: str) -> dict[str, str] | None:
    """The article card of a post that links to a page (`content.article`: `source` and
    a `title`, both required): the first link, titled by the post's own first line
    without its links, as cleared (the page's own title is not fetched: nothing the clearer
    did not see goes out). None without a link."""
    found = _LINK.search(text)
    if found is None:
        return None
    source = found.group().rstrip(".,;:!?)]}")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    title = " ".join(_LINK.sub("", first_line).split()).strip(" :-\u2013\u2014")
    if len(title) > ARTICLE_TITLE_LIMIT:
        title = title[:ARTICLE_TITLE_LIMIT - 1].rstrip() + "\u2026"
    return {"source": source, "title": title or source}
