"""The sandbox's in-memory state: accounts, posts, follows, blocks, hidden replies, reports,
notifications, the faults switched on, and request counts. One lock guards it all; the
HTTP handlers in `server.py` read and change it only under that lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

X = "x"
MASTODON = "mastodon"
BLUESKY = "bluesky"
LINKEDIN = "linkedin"
APIS = (X, MASTODON, BLUESKY, LINKEDIN)

MASTODON_POLL_DEFAULTS = {"max_options": 4, "max_characters_per_option": 50,
                          "min_expiration": 300, "max_expiration": 2_629_746}
"""A Mastodon server's own poll limits as /api/v2/instance gives them by default
(`configuration.polls`; the example answer in docs.joinmastodon.org/methods/instance/#v2,
and Mastodon's PollValidator: MAX_OPTIONS 4, MAX_OPTION_CHARS 50, 5 minutes to a month)."""

OUR_HANDLE = "INMMorg"
X_ME_ID = "1500000000000000001"
MASTODON_ME_ID = "109000000000000001"
BLUESKY_ME_ID = "did:plc:inmmorgsandbox22222222"
LINKEDIN_ORG_ID = "2414183"
LINKEDIN_ME_ID = f"urn:li:organization:{LINKEDIN_ORG_ID}"
"""Our organisation page on the sandbox's LinkedIn (the id in LinkedIn's own examples)."""
BLUESKY_HANDLE_SUFFIX = ".bsky.social"
"""A sandbox account `name` is served on Bluesky as `name.bsky.social` (lower case, `_`
as `-`: a handle is a domain name)."""

# Dummy credentials the sandbox accepts out of the box. X's access token starts with the
# account id and a dash because tweepy derives the user id from it for follow/unfollow.
SANDBOX_X_CREDENTIALS = {
    "consumer_key": "sandbox-consumer-key",
    "consumer_secret": "sandbox-consumer-secret",
    "access_token": f"{X_ME_ID}-sandboxaccesstoken",
    "access_token_secret": "sandbox-access-token-secret",
}
SANDBOX_MASTODON_CREDENTIALS = {"access_token": "sandbox-mastodon-token"}
SANDBOX_BLUESKY_CREDENTIALS = {"app_password": "sbox-sbox-sbox-sbox"}
"""A Bluesky app password has this form (four groups of four)."""
SANDBOX_LINKEDIN_CREDENTIALS = {"access_token": "sandbox-linkedin-token"}
SANDBOX_LINKEDIN_APP = {"client_id": "sandbox-linkedin-client",
                        "client_secret": "sandbox-linkedin-client-secret",
                        "refresh_token": "sandbox-linkedin-refresh-token"}
"""The app's client id and secret and the refresh token the sandbox's LinkedIn accepts at
`POST /oauth/v2/accessToken` (with `SANDBOX_LINKEDIN_CREDENTIALS`: a page whose access
token is renewed as LinkedIn's are)."""
LINKEDIN_ACCESS_SECONDS = 60 * 86400
"""A LinkedIn access token lasts 60 days."""
LINKEDIN_REFRESH_SECONDS = 365 * 86400
"""A LinkedIn refresh token lasts a year from the member's authorisation (not renewed)."""

FAULT_KINDS = (
    "unavailable",  # 503
    "rate_limit",  # 429 with the platform's reset header
    "slow",  # answer only after `delay` seconds (past the client's read timeout)
    "truncated",  # the action happens; the body is cut short and the connection closed
    "non_json",  # a proxy's HTML page with status 200; nothing happens
    "duplicate",  # X's 403 duplicate content; nothing happens
    "lost",  # the action happens; the connection is closed with no answer at all
    "unauthorized",  # 401 as if the token were revoked
    "wrong_shape",  # 200 with JSON that is not the endpoint's shape; nothing happens
    "daily_cap",  # X: 429 from the 24-hour posting cap (x-user-limit-24hour-reset)
    "usage_cap",  # X: 429 UsageCapExceeded, the monthly cap
    "not_enrolled",  # X: 403 client-not-enrolled, the plan lacks the endpoint
)

SNOWFLAKE_SEQUENCE_BITS = 16
"""Mastodon's ids: milliseconds since the epoch above 16 low bits (`Mastodon::Snowflake`;
a remote status's id is made from its own `published` time, not from its arrival)."""

VISIBILITIES = ("public", "unlisted", "private", "direct")
"""Mastodon's visibilities (docs.joinmastodon.org/entities/Status/#visibility)."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_last_tid = 0


def new_tid() -> str:
    """A Bluesky record key as its PDS makes one: microseconds since the epoch above a
    10-bit clock id, in base32-sortable, 13 characters; each later than the last."""
    global _last_tid
    _last_tid = max(time.time_ns() // 1000 << 10, _last_tid + 1)
    value, chars = _last_tid, []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


@dataclass
class SbAccount:
    id: str
    api: str
    handle: str
    name: str = ""
    description: str = ""
    created_at: dt.datetime = field(default_factory=now)
    garbage: dict[str, Any] = field(default_factory=dict)
    """Fields served in place of the real ones (a null leaves the field out): the
    malformed account a platform may send."""


@dataclass
class SbPost:
    id: str
    api: str
    author_id: str
    text: str
    created_at: dt.datetime = field(default_factory=now)
    in_reply_to: str | None = None
    in_reply_to_user_id: str | None = None
    conversation_id: str = ""
    hidden: bool = False
    deleted: bool = False
    reposts: int = 0
    replies: int = 0
    likes: int = 0
    quotes: int = 0
    impressions: int = 0
    visibility: str = "public"
    """Mastodon's: `private` is for followers only, `direct` for those mentioned only."""
    withheld: bool = False
    """Mastodon: its notification is served with `"status": null` (the status is no
    longer visible to us: removed by a moderator, or its author's server defederated)."""
    garbage: dict[str, Any] = field(default_factory=dict)
    """As `SbAccount.garbage`, for a malformed post."""
    media: list[dict[str, Any]] = field(default_factory=list)
    """What is attached, as the state shows it: each upload's id, MIME type, size,
    SHA-256 and alt text."""
    repost_of: str | None = None
    """A repost (X retweet, Mastodon reblog): the post it reposts."""
    quote_of: str | None = None
    """A quote post: the post it quotes."""
    poll: SbPoll | None = None


@dataclass
class SbPoll:
    """A native poll on a post (X's, Mastodon's)."""

    id: str
    options: list[str]
    minutes: int
    votes: list[int]
    created_at: dt.datetime = field(default_factory=now)

    @property
    def ends_at(self) -> dt.datetime:
        return self.created_at + dt.timedelta(minutes=self.minutes)

    @property
    def closed(self) -> bool:
        return now() >= self.ends_at


def _newest(post: SbPost) -> tuple[int, str]:
    """Order by id as each platform's ids grow with time (a Bluesky URI by its record key)."""
    key = post.id.rsplit("/", 1)[-1]
    return (len(key), key)


@dataclass
class Fault:
    id: int
    kind: str
    api: str = ""
    """`x`, `mastodon`, or empty for both."""
    method: str = ""
    """HTTP method to match, empty for any."""
    path: str = ""
    """A prefix of the request path to match, empty for any."""
    count: int | None = None
    """Applies to this many matching requests (default 1 when `seconds` is not given)."""
    until: float | None = None
    """Applies until this time.time() value."""
    delay: float = 2.0
    """For `slow`: seconds before answering."""
    reset_in: float = 60.0
    """For `rate_limit`: seconds until the limit resets."""

    def matches(self, api: str, method: str, path: str, at: float) -> bool:
        if self.until is not None and at >= self.until:
            return False
        if self.count is not None and self.count <= 0:
            return False
        return (
            (not self.api or self.api == api)
            and (not self.method or self.method.upper() == method)
            and path.startswith(self.path)
        )


class World:
    """Everything both fake platforms know. Call its methods with `lock` held."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.generation = 0
        """Bumped by reset(): a request delayed across a reset is dropped, not replayed."""
        self.reset()

    def reset(self) -> None:
        self.generation += 1
        self._next_id = {X: int(X_ME_ID) + 1000, MASTODON: int(MASTODON_ME_ID) + 1000,
                         BLUESKY: 0, LINKEDIN: 7_100_000_000_000_000_000}
        self._next_seq = 1
        self._last_local = 0
        self._next_fault = 1
        self.accounts: dict[str, dict[str, SbAccount]] = {api: {} for api in APIS}
        self._handles: dict[str, dict[str, str]] = {api: {} for api in APIS}
        """Lower-case handle -> account id, so look-ups stay fast with many followers."""
        self.posts: dict[str, dict[str, SbPost]] = {api: {} for api in APIS}
        # follower/following id -> sequence number (the paging cursor; newest first)
        self.followers: dict[str, dict[str, int]] = {api: {} for api in APIS}
        self.following: dict[str, dict[str, int]] = {api: {} for api in APIS}
        self.blocks: dict[str, list[str]] = {api: [] for api in APIS}
        self.reports: list[dict[str, Any]] = []
        # Mastodon notifications: (notification id, type, account id, status id or None)
        self.notifications: list[tuple[str, str, str, str | None]] = []
        self.arrivals: dict[str, dt.datetime] = {}
        """Notification id -> when it was made (its status may be older: late federation)."""
        self.mastodon_calls: list[float] = []
        """When each Mastodon API call came (time.time()), for its rate-limit headers."""
        self.idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        """(token, Idempotency-Key) -> (the status made with it, when: time.time())."""
        self.idempotency_window = 3600.0
        """Mastodon forgets an Idempotency-Key after an hour: the same key then posts again."""
        self.faults: list[Fault] = []
        self.requests: Counter[str] = Counter()
        self.follow_limit = 50
        """X allows 50 follows per 15 minutes per user."""
        self.follow_window = 900.0
        self._follow_times: list[float] = []
        self.mastodon_quotes = True
        """The Mastodon server has quote posts (4.5): statuses carry `quote_approval` and
        `quoted_status_id` is honoured. Off: a server from before, which has neither."""
        self.x_plan = ""
        """X's access level ("free", "basic", "pro", "enterprise"): the endpoints it lacks
        answer 403 client-not-enrolled. Empty: every endpoint answers."""
        self.x_daily_posts: int | None = None
        """X's 24-hour posting cap for the user; None: no cap."""
        self.x_post_times: list[float] = []
        self.x_calls: dict[str, list[float]] = {}
        """X endpoint ("GET /2/users/:id/followers") -> its calls in the 15-minute window."""
        self.tokens = {
            X: {SANDBOX_X_CREDENTIALS["access_token"]},
            MASTODON: {SANDBOX_MASTODON_CREDENTIALS["access_token"]},
            BLUESKY: {SANDBOX_BLUESKY_CREDENTIALS["app_password"]},
            LINKEDIN: {SANDBOX_LINKEDIN_CREDENTIALS["access_token"]},
        }
        """For Bluesky: the app passwords `createSession` accepts."""
        self.bsky_sessions: dict[str, tuple[str, float]] = {}
        """Bluesky JWTs issued: token -> ("access" or "refresh", when it expires)."""
        self.bsky_access_seconds = 7200.0
        """How long an access JWT lasts (the PDS: two hours); the client refreshes it."""
        self.bsky_calls: list[float] = []
        """When each Bluesky call came in the current window, for its ratelimit-* headers."""
        self.bsky_records: dict[tuple[str, str], dict[str, Any]] = {}
        """Our Bluesky repo's other records, (collection, rkey) -> record: follows, blocks."""
        self.li_commentary: dict[str, str] = {}
        self.li_articles: dict[str, dict[str, str]] = {}
        """A LinkedIn post's article card (`content.article`), by post URN."""
        """LinkedIn post URN -> its commentary as sent (little text, escapes and all)."""
        self.uploads: dict[str, dict[str, dict[str, Any]]] = {api: {} for api in APIS}
        """Media uploaded and not yet (or already) attached, per API: id → its `data`
        (bytes), `mime`, `alt`, `state` ("processing" or "ready"), `polls` left before a
        processing upload is ready, and `attached_to` (a post id or None)."""
        self.media_processing_polls = 1
        """How many status checks a video's processing takes (Mastodon's 202, X's
        `processing_info`); 0: ready at once."""
        self.media_processing_fails = False
        """A video's processing ends in failure (LinkedIn's PROCESSING_FAILED)."""
        self.mastodon_max_attachments = 4
        """The server's `max_media_attachments` in /api/v2/instance (a server may set its own)."""
        self.mastodon_polls: dict[str, int] = dict(MASTODON_POLL_DEFAULTS)
        """The server's `configuration.polls` in /api/v2/instance, which its poll
        validation applies (a server may set its own)."""
        self.li_followers = 0
        self.li_refresh_tokens: dict[str, float] = {
            SANDBOX_LINKEDIN_APP["refresh_token"]: time.time() + LINKEDIN_REFRESH_SECONDS}
        """LinkedIn refresh tokens -> when each expires (time.time())."""
        """LinkedIn: the page's follower count (the API lists no followers)."""
        for api, me_id in ((X, X_ME_ID), (MASTODON, MASTODON_ME_ID),
                           (BLUESKY, BLUESKY_ME_ID), (LINKEDIN, LINKEDIN_ME_ID)):
            self._store(SbAccount(me_id, api, OUR_HANDLE, "INMM",
                                  "Institute of Nuclear Materials Management"))

    # ---- ids and accounts -------------------------------------------------------------

    def new_id(self, api: str, at: dt.datetime | None = None) -> str:
        """A new id. Mastodon's are snowflakes of `at` (default now): a reply that federates
        late, made `at` an earlier time, gets an id below ones that arrived before it."""
        if api == MASTODON:
            moment = at or now()
            self._next_id[api] += 1
            sequence = self._next_id[api] % (1 << SNOWFLAKE_SEQUENCE_BITS)
            snowflake = (int(moment.timestamp() * 1000) << SNOWFLAKE_SEQUENCE_BITS) | sequence
            if at is None:
                # Made here and now: ids grow, even within one millisecond.
                snowflake = max(snowflake, self._last_local + 1)
                self._last_local = snowflake
            return str(snowflake)
        if api == BLUESKY:
            return new_tid()
        # X: ids grow with time like the real snowflakes, so "newer" is "larger".
        self._next_id[api] += 1
        return str(self._next_id[api])

    def seq(self) -> int:
        self._next_seq += 1
        return self._next_seq

    def me(self, api: str) -> SbAccount:
        return self.accounts[api][{X: X_ME_ID, MASTODON: MASTODON_ME_ID,
                                   BLUESKY: BLUESKY_ME_ID, LINKEDIN: LINKEDIN_ME_ID}[api]]

    def add_account(self, api: str, handle: str, name: str = "",
                    description: str = "") -> SbAccount:
        existing = self.by_handle(api, handle)
        if existing:
            return existing
        # A Bluesky account's id is its DID (did:plc: and 24 base32 characters).
        account_id = (f"did:plc:{self.new_id(api)}{'a' * 11}" if api == BLUESKY
                      else f"urn:li:person:{self.new_id(api)}" if api == LINKEDIN
                      else self.new_id(api))
        return self._store(SbAccount(account_id, api, handle, name or handle, description))

    def _store(self, account: SbAccount) -> SbAccount:
        self.accounts[account.api][account.id] = account
        self._handles[account.api][account.handle.lower()] = account.id
        return account

    def by_handle(self, api: str, handle: str) -> SbAccount | None:
        account_id = self._handles[api].get(handle.lstrip("@").lower())
        return self.accounts[api][account_id] if account_id else None

    def add_follower(self, api: str, account: SbAccount) -> None:
        if account.id not in self.followers[api]:
            self.followers[api][account.id] = self.seq()
            if api == MASTODON:
                self.notify("follow", account.id, None)

    # ---- posts ------------------------------------------------------------------------

    def add_post(self, api: str, author: SbAccount, text: str,
                 in_reply_to: str | None = None, *, created_at: dt.datetime | None = None,
                 visibility: str = "public") -> SbPost:
        """`author` posts `text`; with `created_at` (Mastodon) the post was made then on a
        remote server and arrives now: its id is of then, its notification of now."""
        if visibility not in VISIBILITIES:
            raise ValueError(f"visibility: expected one of {', '.join(VISIBILITIES)}")
        parent = self.posts[api].get(in_reply_to) if in_reply_to else None
        post_id = self.new_id(api, created_at)
        if api == BLUESKY:  # a Bluesky post is named by its at:// URI
            post_id = f"at://{author.id}/app.bsky.feed.post/{post_id}"
        elif api == LINKEDIN:  # a LinkedIn post by its URN; a comment names its post's
            root = parent
            while root is not None and root.in_reply_to:
                root = self.posts[api].get(root.in_reply_to)
            post_id = (f"urn:li:comment:({root.id},{post_id})" if root is not None
                       else f"urn:li:share:{post_id}")
        post = SbPost(post_id, api, author.id, text,
                      created_at=created_at or now(), in_reply_to=in_reply_to,
                      visibility=visibility)
        post.conversation_id = parent.conversation_id if parent else post.id
        if parent:
            post.in_reply_to_user_id = parent.author_id
            parent.replies += 1
        self.posts[api][post.id] = post
        me = self.me(api)
        if api == MASTODON and author.id != me.id and self.concerns_us(post):
            self.notify("mention", author.id, post.id)
        return post

    def add_poll(self, post: SbPost, options: list[str], minutes: int) -> SbPoll:
        post.poll = SbPoll(self.new_id(post.api), list(options), minutes, [0] * len(options),
                           created_at=post.created_at)
        return post.poll

    def vote(self, api: str, post_id: str, option: int, count: int = 1) -> None:
        """`count` people vote for option number `option` (from 0) of the post's poll."""
        poll = self.posts[api][post_id].poll
        if poll is None:
            raise ValueError(f"post {post_id} has no poll")
        poll.votes[option] += count

    def notify(self, kind: str, account_id: str, status_id: str | None) -> None:
        # Notification ids come from a sequence: they are in the order of arrival.
        note_id = str(self.seq())
        self.notifications.append((note_id, kind, account_id, status_id))
        self.arrivals[note_id] = now()

    def live_posts(self, api: str, author_id: str) -> list[SbPost]:
        """The author's posts, newest first."""
        found = [p for p in self.posts[api].values() if p.author_id == author_id and not p.deleted]
        return sorted(found, key=_newest, reverse=True)

    def mentions_of_us(self, api: str) -> list[SbPost]:
        """Posts by others that mention us or reply to us, newest first."""
        me = self.me(api)
        found = []
        for post in self.posts[api].values():
            if post.deleted or post.author_id == me.id:
                continue
            if self.concerns_us(post):
                found.append(post)
        return sorted(found, key=_newest, reverse=True)

    def concerns_us(self, post: SbPost) -> bool:
        """A reply to one of our posts, or a post that @mentions us."""
        me = self.me(post.api)
        parent = self.posts[post.api].get(post.in_reply_to or "")
        # On Bluesky `@inmmorg.bsky.social` holds `@inmmorg`.
        return f"@{me.handle.lower()}" in post.text.lower() or bool(
            parent and parent.author_id == me.id)

    def repost(self, api: str, original: SbPost, text: str = "") -> SbPost:
        """Our repost of `original`; the one we have already if we reposted it before
        (X and Mastodon make one repost per account and post)."""
        me = self.me(api)
        for post in self.live_posts(api, me.id):
            if post.repost_of == original.id:
                return post
        post = SbPost(self.new_id(api), api, me.id, text, repost_of=original.id)
        post.conversation_id = post.id
        self.posts[api][post.id] = post
        original.reposts += 1
        return post

    def undo_repost(self, api: str, original_id: str) -> SbPost | None:
        """Take our repost of `original_id` back; None when there is none."""
        for post in self.live_posts(api, self.me(api).id):
            if post.repost_of == original_id:
                post.deleted = True
                original = self.posts[api].get(original_id)
                if original is not None:
                    original.reposts = max(0, original.reposts - 1)
                return post
        return None

    # ---- X's follow rate limit ----------------------------------------------------------

    def take_follow_slot(self, at: float) -> tuple[bool, int, float]:
        """(allowed, remaining, reset time) under X's follows-per-window limit."""
        self._follow_times = [t for t in self._follow_times if at - t < self.follow_window]
        reset = (self._follow_times[0] if self._follow_times else at) + self.follow_window
        if len(self._follow_times) >= self.follow_limit:
            return False, 0, reset
        self._follow_times.append(at)
        return True, self.follow_limit - len(self._follow_times), reset

    # ---- faults -----------------------------------------------------------------------

    def add_fault(self, spec: dict[str, Any]) -> Fault:
        kind = spec.get("kind", "")
        if kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {kind!r} (expected one of {', '.join(FAULT_KINDS)})")
        seconds = spec.get("seconds")
        count = spec.get("count")
        if count is None and seconds is None:
            count = 1
        fault = Fault(
            id=self._next_fault,
            kind=kind,
            api=spec.get("api", ""),
            method=spec.get("method", ""),
            path=spec.get("path", ""),
            count=None if count is None else int(count),
            until=None if seconds is None else time.time() + float(seconds),
            delay=float(spec.get("delay", 2.0)),
            reset_in=float(spec.get("reset_in", 60.0)),
        )
        self._next_fault += 1
        self.faults.append(fault)
        return fault

    # ---- media ------------------------------------------------------------------------

    def add_upload(self, api: str, upload_id: str, data: bytes, mime: str, *,
                   processing: bool = False, alt: str = "") -> dict[str, Any]:
        upload = {"id": upload_id, "data": data, "mime": mime, "alt": alt,
                  "sha256": hashlib.sha256(data).hexdigest(), "attached_to": None,
                  "state": "processing" if processing and self.media_processing_polls
                  else "ready", "polls": self.media_processing_polls}
        self.uploads[api][upload_id] = upload
        return upload

    def poll_upload(self, api: str, upload_id: str) -> dict[str, Any] | None:
        """The upload, one status check further through its processing."""
        upload = self.uploads[api].get(upload_id)
        if upload is not None and upload["state"] == "processing":
            upload["polls"] -= 1
            if upload["polls"] <= 0:
                upload["state"] = "ready"
        return upload

    def attach(self, api: str, post: SbPost, upload_ids: list[str]) -> None:
        for upload_id in upload_ids:
            upload = self.uploads[api][upload_id]
            upload["attached_to"] = post.id
            post.media.append({"id": upload_id, "mime": upload["mime"], "size": len(upload["data"]),
                               "sha256": upload["sha256"], "alt": upload["alt"]})

    def take_fault(self, api: str, method: str, path: str) -> Fault | None:
        at = time.time()
        self.faults = [f for f in self.faults if f.until is None or at < f.until]
        for fault in self.faults:
            if fault.matches(api, method, path, at):
                if fault.count is not None:
                    fault.count -= 1
                return fault
        return None

    # ---- what tests read -----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        def post_dict(post: SbPost) -> dict[str, Any]:
            data = asdict(post)
            data["created_at"] = post.created_at.isoformat()
            data["author"] = self.accounts[post.api][post.author_id].handle
            if post.poll is not None:
                data["poll"]["created_at"] = post.poll.created_at.isoformat()
            return data

        return {
            api: {
                "me": self.me(api).id,
                "posts": [post_dict(p) for p in self.posts[api].values()],
                "followers": sorted(self.followers[api]),
                "following": sorted(self.following[api]),
                "blocks": list(self.blocks[api]),
                "hidden": [p.id for p in self.posts[api].values() if p.hidden],
                "accounts": {a.id: a.handle for a in self.accounts[api].values()},
            }
            for api in APIS
        } | {
            "reports": list(self.reports),
            "requests": dict(self.requests),
            "faults": [asdict(f) for f in self.faults],
        }
