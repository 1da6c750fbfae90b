"""The sandbox's HTTP server: the subset of X API v2 (under `/2/`) and of the Mastodon API
(under `/api/v1/`) that our adapters call, with the real services' JSON shapes, status
codes and headers, plus the `/_sandbox/` control endpoints (see the package docstring).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from inmm_tui.platforms.sandbox.world import (
    APIS,
    MASTODON,
    SbAccount,
    SbPost,
    World,
    X,
)

X_TEXT_LIMIT = 280
MASTODON_TEXT_LIMIT = 500


@dataclass
class Request:
    method: str
    path: str
    api: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    base_url: str
    params: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            raise Answer(400, {"title": "Invalid Request", "detail": "body is not JSON"}) from None
        if not isinstance(data, dict):
            raise Answer(400, {"title": "Invalid Request", "detail": "body is not a JSON object"})
        return data

    def form(self) -> dict[str, list[str]]:
        kind = self.headers.get("content-type", "")
        if kind.startswith("application/json"):
            return {k: v if isinstance(v, list) else [str(v)] for k, v in self.json().items()}
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)


class Answer(Exception):
    """An HTTP answer: raised by handlers for errors, returned for success."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None,
                 content_type: str = "application/json; charset=utf-8"):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode("utf-8")


Handler = Callable[[World, Request], Answer]
ROUTES: list[tuple[str, str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        # Counted under a readable name: "/2/users/:id/followers".
        name = re.sub(r"\(\?P<(\w+)>[^)]*\)", r":\1", pattern).removesuffix("/?")
        ROUTES.append((method, name, re.compile(f"^{pattern}$"), fn))
        return fn

    return register


def x_time(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def x_problem(status: int, title: str, detail: str, kind: str = "about:blank") -> Answer:
    return Answer(status, {"title": title, "detail": detail, "type": kind, "status": status})


def x_not_found(resource: str, parameter: str, value: str) -> dict[str, Any]:
    return {
        "value": value,
        "detail": f"Could not find {resource} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


def mastodon_error(status: int, message: str) -> Answer:
    return Answer(status, {"error": message})


def limit_from(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.q(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if request.api == X and not low <= value <= high:
        raise Answer(400, {
            "errors": [{"parameters": {name: [raw]},
                        "message": f"The `{name}` query parameter value [{raw}] is not between "
                        f"{low} and {high}"}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        })
    return max(1, min(value if value > 0 else default, high))


# ---- X API v2 ---------------------------------------------------------------------------


def with_garbage(body: dict[str, Any], planted: SbAccount | SbPost) -> dict[str, Any]:
    """An account or post as served, with its planted garbage (a null leaves the field
    out)."""
    for name, value in planted.garbage.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def x_user(world: World, account: SbAccount) -> dict[str, Any]:
    me = world.me(X)
    return with_garbage({
        "id": account.id,
        "name": account.name,
        "username": account.handle,
        "description": account.description,
        "created_at": x_time(account.created_at),
        "verified": False,
        "protected": False,
        "url": "",
        "public_metrics": {
            "followers_count": len(world.followers[X]) if account.id == me.id else 0,
            "following_count": len(world.following[X]) if account.id == me.id else 0,
            # Counted for us only: counting everyone's would make big pages slow.
            "tweet_count": len(world.live_posts(X, account.id)) if account.id == me.id else 0,
            "listed_count": 0,
        },
    }, account)


X_DEFAULT_FIELDS = ("id", "text", "edit_history_tweet_ids")
"""What X returns of a tweet when no `tweet.fields` are asked for."""
X_LINK = re.compile(r"https?://\S+")
X_LINK_TAIL = ".,;:!?'\")]"
"""Trailing punctuation X leaves outside a link it finds in the text."""


def x_tco(post: SbPost, index: int) -> str:
    digest = hashlib.sha256(f"{post.api}:{post.id}:{index}".encode()).digest()
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "https://t.co/" + "".join(alphabet[b % 62] for b in digest[:10])


def x_rendered(post: SbPost) -> tuple[str, list[dict[str, Any]]]:
    """The text as X returns it, and its `entities.urls`: every link replaced by its t.co
    form (the destination only in `expanded_url`), and `&`, `<`, `>` HTML-escaped."""
    parts: list[str] = []
    urls: list[dict[str, Any]] = []
    at = 0
    for match in X_LINK.finditer(post.text):
        link = match.group().rstrip(X_LINK_TAIL)
        parts.append(html.escape(post.text[at:match.start()], quote=False))
        start = sum(len(p) for p in parts)
        short = x_tco(post, len(urls))
        parts.append(short)
        display = re.sub(r"^https?://", "", link)
        urls.append({"start": start, "end": start + len(short), "url": short,
                     "expanded_url": link,
                     "display_url": display if len(display) <= 27 else display[:26] + "…"})
        at = match.start() + len(link)
    parts.append(html.escape(post.text[at:], quote=False))
    return "".join(parts), urls


def x_fields(request: Request) -> set[str]:
    """The tweet fields asked for (`tweet.fields=a,b`), besides the defaults."""
    asked = ",".join(request.query.get("tweet.fields", []))
    return {name for name in asked.split(",") if name}


def x_tweet(post: SbPost, fields: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The tweet as X v2 returns it: only the default fields unless others are asked for."""
    text, urls = x_rendered(post)
    data: dict[str, Any] = {
        "id": post.id,
        "text": text,
        "edit_history_tweet_ids": [post.id],
        "author_id": post.author_id,
        "created_at": x_time(post.created_at),
        "conversation_id": post.conversation_id,
        "public_metrics": {
            "retweet_count": post.reposts,
            "reply_count": post.replies,
            "like_count": post.likes,
            "quote_count": post.quotes,
            "bookmark_count": 0,
            "impression_count": post.impressions,
        },
    }
    if urls:
        data["entities"] = {"urls": urls}
    if post.in_reply_to:
        data["in_reply_to_user_id"] = post.in_reply_to_user_id
        data["referenced_tweets"] = [{"type": "replied_to", "id": post.in_reply_to}]
    return with_garbage({k: v for k, v in data.items() if k in X_DEFAULT_FIELDS or k in fields},
                        post)


def x_me_only(world: World, request: Request) -> SbAccount:
    me = world.me(X)
    if request.params.get("id", me.id) != me.id:
        raise x_problem(403, "Forbidden", "You are not permitted to perform this action.")
    return me


def x_page(items: list[Any], token_of: Callable[[Any], int], request: Request, default: int,
           low: int, high: int) -> tuple[list[Any], str | None]:
    size = limit_from(request, "max_results", default, low, high)
    token = request.q("pagination_token")
    if token:
        items = [item for item in items if token_of(item) < int(token)]
    page = items[:size]
    more = len(items) > size
    return page, (str(token_of(page[-1])) if more and page else None)


@route("GET", "/2/users/me")
def x_users_me(world: World, request: Request) -> Answer:
    return Answer(200, {"data": x_user(world, world.me(X))})


@route("GET", "/2/users/by/username/(?P<username>[^/]+)")
def x_user_by_username(world: World, request: Request) -> Answer:
    name = request.params["username"]
    if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", name):
        raise Answer(400, {"errors": [{"parameters": {"username": [name]},
                                       "message": f"The `username` query parameter value [{name}] "
                                       "does not match ^[A-Za-z0-9_]{1,15}$"}],
                           "title": "Invalid Request",
                           "detail": "One or more parameters to your request was invalid.",
                           "type": "https://api.twitter.com/2/problems/invalid-request"})
    account = world.by_handle(X, name)
    if account is None:
        return Answer(200, {"errors": [x_not_found("user", "username", name)]})
    return Answer(200, {"data": x_user(world, account)})


@route("GET", "/2/users/by")
def x_users_by(world: World, request: Request) -> Answer:
    names = [n for n in (request.q("usernames") or "").split(",") if n]
    if not 1 <= len(names) <= 100:
        raise x_problem(400, "Invalid Request", "usernames: between 1 and 100 names")
    found, errors = [], []
    for name in names:
        account = world.by_handle(X, name)
        if account:
            found.append(x_user(world, account))
        else:
            errors.append(x_not_found("user", "usernames", name))
    body: dict[str, Any] = {}
    if found:
        body["data"] = found
    if errors:
        body["errors"] = errors
    return Answer(200, body)


@route("POST", "/2/tweets")
def x_create_tweet(world: World, request: Request) -> Answer:
    data = request.json()
    text = str(data.get("text") or "")
    me = world.me(X)
    if not text.strip():
        raise Answer(400, {"errors": [{"message": "text: must not be empty"}],
                           "title": "Invalid Request",
                           "detail": "One or more parameters to your request was invalid.",
                           "type": "https://api.twitter.com/2/problems/invalid-request"})
    if len(text) > X_TEXT_LIMIT:
        raise x_problem(403, "Forbidden", "Your Tweet text is too long. For more information on "
                        "how Twitter determines text length see https://github.com/twitter/twitter-text.")
    if any(p.text == text for p in world.live_posts(X, me.id)):
        raise x_duplicate()
    reply_to = (data.get("reply") or {}).get("in_reply_to_tweet_id")
    if reply_to and (reply_to not in world.posts[X] or world.posts[X][reply_to].deleted):
        raise x_problem(403, "Forbidden", "You attempted to reply to a Tweet that is deleted or "
                        "not visible to you.")
    post = world.add_post(X, me, text, in_reply_to=reply_to)
    return Answer(201, {"data": x_tweet(post)})


def x_duplicate() -> Answer:
    return x_problem(403, "Forbidden",
                     "You are not allowed to create a Tweet with duplicate content.")


@route("DELETE", "/2/tweets/(?P<id>[0-9]+)")
def x_delete_tweet(world: World, request: Request) -> Answer:
    post = world.posts[X].get(request.params["id"])
    if post is None or post.deleted:
        raise Answer(404, {"errors": [x_not_found("tweet", "id", request.params["id"])],
                           "title": "Not Found Error", "status": 404,
                           "type": "https://api.twitter.com/2/problems/resource-not-found"})
    if post.author_id != world.me(X).id:
        raise x_problem(403, "Forbidden", "You are not allowed to delete this Tweet.")
    post.deleted = True
    return Answer(200, {"data": {"deleted": True}})


@route("GET", "/2/tweets/(?P<id>[0-9]+)")
def x_get_tweet(world: World, request: Request) -> Answer:
    post = world.posts[X].get(request.params["id"])
    if post is None or post.deleted:
        return Answer(200, {"errors": [x_not_found("tweet", "id", request.params["id"])]})
    return Answer(200, {"data": x_tweet(post, x_fields(request))})


@route("PUT", "/2/tweets/(?P<id>[0-9]+)/hidden")
def x_hide_reply(world: World, request: Request) -> Answer:
    post = world.posts[X].get(request.params["id"])
    hidden = bool(request.json().get("hidden", True))
    me = world.me(X)
    root = world.posts[X].get(post.conversation_id) if post else None
    ours = root is not None and root.author_id == me.id
    if post is None or post.deleted or not ours or post.id == post.conversation_id:
        raise x_problem(403, "Forbidden", "You are not permitted to hide this reply.")
    post.hidden = hidden
    return Answer(200, {"data": {"hidden": hidden}})


@route("GET", "/2/users/(?P<id>[0-9]+)/tweets")
def x_user_tweets(world: World, request: Request) -> Answer:
    author = world.accounts[X].get(request.params["id"])
    if author is None:
        return Answer(200, {"errors": [x_not_found("user", "id", request.params["id"])]})
    posts = world.live_posts(X, author.id)
    page, token = x_page(posts, lambda p: int(p.id), request, 10, 5, 100)
    return Answer(200, x_timeline(page, token, world, x_fields(request), expand=False))


def x_timeline(page: list[SbPost], token: str | None, world: World, fields: set[str],
               expand: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"result_count": len(page)}
    body: dict[str, Any] = {}
    if page:
        body["data"] = [x_tweet(p, fields) for p in page]
        meta["newest_id"], meta["oldest_id"] = page[0].id, page[-1].id
        if expand:
            authors = sorted({p.author_id for p in page})
            body["includes"] = {"users": [x_user(world, world.accounts[X][a]) for a in authors]}
    if token:
        meta["next_token"] = token
    body["meta"] = meta
    return body


@route("GET", "/2/users/(?P<id>[0-9]+)/mentions")
def x_mentions(world: World, request: Request) -> Answer:
    x_me_only(world, request)
    posts = world.mentions_of_us(X)
    since = request.q("since_id")
    if since:
        posts = [p for p in posts if int(p.id) > int(since)]
    page, token = x_page(posts, lambda p: int(p.id), request, 10, 5, 100)
    return Answer(200, x_timeline(page, token, world, x_fields(request), expand=True))


def x_follow_list(world: World, request: Request, table: dict[str, int]) -> Answer:
    x_me_only(world, request)
    ordered = sorted(table.items(), key=lambda item: item[1], reverse=True)
    page, token = x_page(ordered, lambda item: item[1], request, 100, 1, 1000)
    body: dict[str, Any] = {"meta": {"result_count": len(page)}}
    if page:
        body["data"] = [x_user(world, world.accounts[X][uid]) for uid, _ in page]
    if token:
        body["meta"]["next_token"] = token
    return Answer(200, body)


@route("GET", "/2/users/(?P<id>[0-9]+)/followers")
def x_followers(world: World, request: Request) -> Answer:
    return x_follow_list(world, request, world.followers[X])


@route("GET", "/2/users/(?P<id>[0-9]+)/following")
def x_following(world: World, request: Request) -> Answer:
    return x_follow_list(world, request, world.following[X])


@route("POST", "/2/users/(?P<id>[0-9]+)/following")
def x_follow(world: World, request: Request) -> Answer:
    x_me_only(world, request)
    target = str(request.json().get("target_user_id", ""))
    if target not in world.accounts[X]:
        raise Answer(400, {"errors": [{"message": f"target_user_id: no user {target}"}],
                           "title": "Invalid Request",
                           "detail": "One or more parameters to your request was invalid.",
                           "type": "https://api.twitter.com/2/problems/invalid-request"})
    allowed, remaining, reset = world.take_follow_slot(time.time())
    headers = {"x-rate-limit-limit": str(world.follow_limit),
               "x-rate-limit-remaining": str(remaining),
               "x-rate-limit-reset": str(int(reset))}
    if not allowed:
        raise Answer(429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                           "type": "about:blank", "status": 429}, headers)
    world.following[X].setdefault(target, world.seq())
    return Answer(200, {"data": {"following": True, "pending_follow": False}}, headers)


@route("DELETE", "/2/users/(?P<id>[0-9]+)/following/(?P<target>[0-9]+)")
def x_unfollow(world: World, request: Request) -> Answer:
    x_me_only(world, request)
    world.following[X].pop(request.params["target"], None)
    return Answer(200, {"data": {"following": False}})


@route("POST", "/2/users/(?P<id>[0-9]+)/blocking")
def x_block(world: World, request: Request) -> Answer:
    x_me_only(world, request)
    target = str(request.json().get("target_user_id", ""))
    if target not in world.accounts[X]:
        raise x_problem(400, "Invalid Request", f"target_user_id: no user {target}")
    block(world, X, target)
    return Answer(200, {"data": {"blocking": True}})


def block(world: World, api: str, target: str) -> None:
    # Blocking also breaks the follow both ways, as on the real services.
    if target not in world.blocks[api]:
        world.blocks[api].append(target)
    world.followers[api].pop(target, None)
    world.following[api].pop(target, None)


# ---- Mastodon API -------------------------------------------------------------------------


def m_time(moment: dt.datetime) -> str:
    return x_time(moment)


def m_account(world: World, account: SbAccount, base: str) -> dict[str, Any]:
    me = world.me(MASTODON)
    is_me = account.id == me.id
    return with_garbage({
        "id": account.id,
        "username": account.handle,
        "acct": account.handle,
        "display_name": account.name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": m_time(account.created_at),
        "note": f"<p>{html.escape(account.description)}</p>",
        "url": f"{base}/@{account.handle}",
        "uri": f"{base}/users/{account.handle}",
        "avatar": f"{base}/avatars/original/missing.png",
        "avatar_static": f"{base}/avatars/original/missing.png",
        "header": f"{base}/headers/original/missing.png",
        "header_static": f"{base}/headers/original/missing.png",
        "followers_count": len(world.followers[MASTODON]) if is_me else 0,
        "following_count": len(world.following[MASTODON]) if is_me else 0,
        "statuses_count": len(world.live_posts(MASTODON, account.id)) if is_me else 0,
        "last_status_at": None,
        "emojis": [],
        "fields": [],
    }, account)


def m_content(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n")]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br />')}</p>" for p in paragraphs)


def m_status(world: World, post: SbPost, base: str) -> dict[str, Any]:
    author = world.accounts[MASTODON][post.author_id]
    me = world.me(MASTODON)
    mentions = []
    if f"@{me.handle.lower()}" in post.text.lower():
        mentions.append({"id": me.id, "username": me.handle, "acct": me.handle,
                         "url": f"{base}/@{me.handle}"})
    return with_garbage({
        "id": post.id,
        "created_at": m_time(post.created_at),
        "in_reply_to_id": post.in_reply_to,
        "in_reply_to_account_id": post.in_reply_to_user_id,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"{base}/users/{author.handle}/statuses/{post.id}",
        "url": f"{base}/@{author.handle}/{post.id}",
        "replies_count": post.replies,
        "reblogs_count": post.reposts,
        "favourites_count": post.likes,
        "quotes_count": post.quotes,
        "edited_at": None,
        "content": m_content(post.text),
        "reblog": None,
        "application": None,
        "account": m_account(world, author, base),
        "media_attachments": [],
        "mentions": mentions,
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }, post)


def m_relationship(world: World, account_id: str) -> dict[str, Any]:
    return {
        "id": account_id,
        "following": account_id in world.following[MASTODON],
        "showing_reblogs": True,
        "notifying": False,
        "languages": None,
        "followed_by": account_id in world.followers[MASTODON],
        "blocking": account_id in world.blocks[MASTODON],
        "blocked_by": False,
        "muting": False,
        "muting_notifications": False,
        "requested": False,
        "requested_by": False,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


def m_link(request: Request, items: list[Any], key: Callable[[Any], int],
           more: bool) -> dict[str, str]:
    """Mastodon's paging: a Link header with `next` (max_id) and `prev` (min_id)."""
    if not items:
        return {}
    params = {k: v[-1] for k, v in request.query.items()
              if k not in ("max_id", "min_id", "since_id")}
    url = request.base_url + request.path
    links = []
    if more:
        links.append(f'<{url}?{urlencode({**params, "max_id": key(items[-1])})}>; rel="next"')
    links.append(f'<{url}?{urlencode({**params, "min_id": key(items[0])})}>; rel="prev"')
    return {"Link": ", ".join(links)}


def m_window(request: Request, items: list[Any], key: Callable[[Any], int], default: int,
             high: int) -> tuple[list[Any], bool]:
    """Filter newest-first `items` by max_id/since_id/min_id and cut to `limit`."""
    limit = limit_from(request, "limit", default, 1, high)
    if request.q("max_id"):
        items = [i for i in items if key(i) < int(request.q("max_id") or 0)]
    for name in ("since_id", "min_id"):
        if request.q(name):
            items = [i for i in items if key(i) > int(request.q(name) or 0)]
    if request.q("min_id"):
        # min_id pages forward from the given id: the oldest `limit` items newer than it.
        return items[-limit:], False
    return items[:limit], len(items) > limit


def m_account_or_404(world: World, account_id: str) -> SbAccount:
    account = world.accounts[MASTODON].get(account_id)
    if account is None:
        raise mastodon_error(404, "Record not found")
    return account


@route("GET", "/api/v1/accounts/verify_credentials")
def m_verify_credentials(world: World, request: Request) -> Answer:
    me = world.me(MASTODON)
    body = m_account(world, me, request.base_url)
    body["source"] = {"privacy": "public", "sensitive": False, "language": "en",
                      "note": me.description, "fields": [], "follow_requests_count": 0}
    return Answer(200, body)


@route("GET", "/api/v1/accounts/lookup")
def m_lookup(world: World, request: Request) -> Answer:
    account = world.by_handle(MASTODON, request.q("acct") or "")
    if account is None:
        raise mastodon_error(404, "Record not found")
    return Answer(200, m_account(world, account, request.base_url))


def fold(text: str) -> str:
    """Lower case with the usual look-alike characters folded (0/o, 1/l/i, 5/s, 3/e, no _)."""
    return text.lower().translate(str.maketrans("01i53", "ollse", "_"))


@route("GET", "/api/v1/accounts/search")
def m_search(world: World, request: Request) -> Answer:
    query = fold((request.q("q") or "").lstrip("@"))
    limit = limit_from(request, "limit", 40, 1, 80)
    found = [
        a for a in world.accounts[MASTODON].values()
        if query and (query in fold(a.handle) or query in fold(a.name))
    ]
    return Answer(200, [m_account(world, a, request.base_url) for a in found[:limit]])


@route("GET", "/api/v1/accounts/(?P<id>[0-9]+)/statuses")
def m_account_statuses(world: World, request: Request) -> Answer:
    account = m_account_or_404(world, request.params["id"])
    posts = world.live_posts(MASTODON, account.id)
    posts, more = m_window(request, posts, lambda p: int(p.id), 20, 40)
    return Answer(200, [m_status(world, p, request.base_url) for p in posts],
                  m_link(request, posts, lambda p: int(p.id), more))


def m_follow_list(world: World, request: Request, table: dict[str, int]) -> Answer:
    m_account_or_404(world, request.params["id"])
    ordered = sorted(table.items(), key=lambda item: item[1], reverse=True)
    page, more = m_window(request, ordered, lambda item: item[1], 40, 80)
    body = [m_account(world, world.accounts[MASTODON][uid], request.base_url) for uid, _ in page]
    return Answer(200, body, m_link(request, page, lambda item: item[1], more))


@route("GET", "/api/v1/accounts/(?P<id>[0-9]+)/followers")
def m_followers(world: World, request: Request) -> Answer:
    return m_follow_list(world, request, world.followers[MASTODON])


@route("GET", "/api/v1/accounts/(?P<id>[0-9]+)/following")
def m_following(world: World, request: Request) -> Answer:
    return m_follow_list(world, request, world.following[MASTODON])


@route("POST", "/api/v1/accounts/(?P<id>[0-9]+)/follow")
def m_follow(world: World, request: Request) -> Answer:
    account = m_account_or_404(world, request.params["id"])
    if account.id == world.me(MASTODON).id:
        raise mastodon_error(403, "This action is not allowed")
    world.following[MASTODON].setdefault(account.id, world.seq())
    return Answer(200, m_relationship(world, account.id))


@route("POST", "/api/v1/accounts/(?P<id>[0-9]+)/unfollow")
def m_unfollow(world: World, request: Request) -> Answer:
    account = m_account_or_404(world, request.params["id"])
    world.following[MASTODON].pop(account.id, None)
    return Answer(200, m_relationship(world, account.id))


@route("POST", "/api/v1/accounts/(?P<id>[0-9]+)/block")
def m_block(world: World, request: Request) -> Answer:
    account = m_account_or_404(world, request.params["id"])
    block(world, MASTODON, account.id)
    return Answer(200, m_relationship(world, account.id))


@route("POST", "/api/v1/statuses")
def m_post_status(world: World, request: Request) -> Answer:
    form = request.form()
    text = (form.get("status") or [""])[0]
    key = request.headers.get("idempotency-key")
    made = world.idempotency.get((request.token, key)) if key else None
    if made and time.time() - made[1] < world.idempotency_window:
        # Mastodon keeps the key for an hour and answers with the status it made the first
        # time; after that the key is forgotten and the same request posts again.
        post = world.posts[MASTODON][made[0]]
        return Answer(200, m_status(world, post, request.base_url))
    if not text.strip():
        raise mastodon_error(422, "Validation failed: Text can't be blank")
    if len(text) > MASTODON_TEXT_LIMIT:
        raise mastodon_error(
            422, f"Validation failed: Text character limit of {MASTODON_TEXT_LIMIT} exceeded")
    reply_to = (form.get("in_reply_to_id") or [None])[0]
    if reply_to and reply_to not in world.posts[MASTODON]:
        raise mastodon_error(404, "Record not found")
    post = world.add_post(MASTODON, world.me(MASTODON), text, in_reply_to=reply_to)
    if key:
        world.idempotency[(request.token, key)] = (post.id, time.time())
    return Answer(200, m_status(world, post, request.base_url))


def m_status_or_404(world: World, status_id: str) -> SbPost:
    post = world.posts[MASTODON].get(status_id)
    if post is None or post.deleted:
        raise mastodon_error(404, "Record not found")
    return post


@route("GET", "/api/v1/statuses/(?P<id>[0-9]+)")
def m_get_status(world: World, request: Request) -> Answer:
    post = m_status_or_404(world, request.params["id"])
    return Answer(200, m_status(world, post, request.base_url))


@route("GET", "/api/v1/statuses/(?P<id>[0-9]+)/source")
def m_status_source(world: World, request: Request) -> Answer:
    # The plain text exactly as posted (what an edit starts from): only for one's own.
    post = m_status_or_404(world, request.params["id"])
    if post.author_id != world.me(MASTODON).id:
        raise mastodon_error(404, "Record not found")
    return Answer(200, {"id": post.id, "text": post.text, "spoiler_text": ""})


@route("DELETE", "/api/v1/statuses/(?P<id>[0-9]+)")
def m_delete_status(world: World, request: Request) -> Answer:
    post = m_status_or_404(world, request.params["id"])
    if post.author_id != world.me(MASTODON).id:
        raise mastodon_error(403, "This action is not allowed")
    post.deleted = True
    body = m_status(world, post, request.base_url)
    body["text"] = post.text
    return Answer(200, body)


@route("GET", "/api/v1/notifications")
def m_notifications(world: World, request: Request) -> Answer:
    types = request.query.get("types[]") or request.query.get("types") or []
    items = [n for n in reversed(world.notifications) if not types or n[1] in types]
    items = [n for n in items if not (n[3] and world.posts[MASTODON][n[3]].deleted)]
    page, more = m_window(request, items, lambda n: int(n[0]), 40, 80)
    body = []
    for note_id, kind, account_id, status_id in page:
        entry: dict[str, Any] = {
            "id": note_id,
            "type": kind,
            "group_key": f"ungrouped-{note_id}",
            "created_at": m_time(world.accounts[MASTODON][account_id].created_at),
            "account": m_account(world, world.accounts[MASTODON][account_id], request.base_url),
        }
        if status_id:
            post = world.posts[MASTODON][status_id]
            entry["created_at"] = m_time(post.created_at)
            entry["status"] = m_status(world, post, request.base_url)
        body.append(entry)
    return Answer(200, body, m_link(request, page, lambda n: int(n[0]), more))


@route("POST", "/api/v1/reports/?")
def m_report(world: World, request: Request) -> Answer:
    form = request.form()
    account = m_account_or_404(world, (form.get("account_id") or [""])[0])
    report = {
        "id": str(len(world.reports) + 1),
        "api": MASTODON,
        "action_taken": False,
        "action_taken_at": None,
        "category": (form.get("category") or ["other"])[0],
        "comment": (form.get("comment") or [""])[0],
        "forwarded": False,
        "created_at": m_time(dt.datetime.now(dt.UTC)),
        "status_ids": form.get("status_ids[]") or form.get("status_ids") or [],
        "rule_ids": [],
        "target_account": m_account(world, account, request.base_url),
    }
    world.reports.append(report)
    return Answer(200, report)


# ---- the control endpoints ---------------------------------------------------------------


def control(world: World, method: str, path: str, body: dict[str, Any]) -> Answer:
    api = body.get("api", "")
    if path == "/_sandbox/state" and method == "GET":
        return Answer(200, world.snapshot())
    if path == "/_sandbox/reset" and method == "POST":
        world.reset()
        return Answer(200, {"ok": True})
    if path == "/_sandbox/faults" and method == "POST":
        try:
            fault = world.add_fault(body)
        except (ValueError, TypeError) as exc:
            return Answer(400, {"error": str(exc)})
        return Answer(200, {"id": fault.id})
    if path == "/_sandbox/faults" and method == "DELETE":
        world.faults.clear()
        return Answer(200, {"ok": True})
    if path == "/_sandbox/settings" and method == "POST":
        if "follow_limit" in body:
            world.follow_limit = int(body["follow_limit"])
        if "follow_window" in body:
            world.follow_window = float(body["follow_window"])
        if "idempotency_window" in body:
            world.idempotency_window = float(body["idempotency_window"])
        for name, tokens in (body.get("tokens") or {}).items():
            world.tokens[name] = set(tokens)
        return Answer(200, {"ok": True})
    if api not in APIS:
        return Answer(400, {"error": f"api: expected one of {', '.join(APIS)}"})
    handle = str(body.get("handle", ""))
    if path in ("/_sandbox/accounts", "/_sandbox/followers") and method == "POST":
        if not re.fullmatch(r"[A-Za-z0-9_]{1,30}", handle):
            return Answer(400, {"error": "handle: letters, digits and _ (at most 30)"})
        count = int(body.get("count", 1))
        if not 1 <= count <= 100_000:
            return Answer(400, {"error": "count: between 1 and 100000"})
        ids = []
        for n in range(count):
            # With a count, handles are numbered: handle_1, handle_2, ...
            name = handle if count == 1 else f"{handle}_{n + 1}"
            account = world.add_account(api, name, body.get("name", ""),
                                        body.get("description", ""))
            account.garbage = dict(body.get("garbage") or {})
            if path == "/_sandbox/followers":
                world.add_follower(api, account)
            ids.append(account.id)
        return Answer(200, {"id": ids[0], "ids": ids})
    if path == "/_sandbox/posts" and method == "POST":
        author = world.by_handle(api, handle) or world.add_account(api, handle)
        reply_to = body.get("in_reply_to")
        if reply_to and reply_to not in world.posts[api]:
            return Answer(400, {"error": f"in_reply_to: no post {reply_to}"})
        post = world.add_post(api, author, str(body.get("text", "")), in_reply_to=reply_to)
        post.garbage = dict(body.get("garbage") or {})
        return Answer(200, {"id": post.id})
    if path == "/_sandbox/metrics" and method == "POST":
        post = world.posts[api].get(str(body.get("id", "")))
        if post is None:
            return Answer(404, {"error": "no such post"})
        for name in ("reposts", "replies", "likes", "quotes", "impressions"):
            if name in body:
                # A number, or any other JSON value as the garbage a platform may send.
                value = body[name]
                setattr(post, name, value if isinstance(value, dict | list) else int(value))
        return Answer(200, {"ok": True})
    return Answer(404, {"error": f"no control endpoint {method} {path}"})


# ---- the server -------------------------------------------------------------------------------


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one write, without Nagle: otherwise each answer waits
    # ~40 ms for the client's delayed ACK.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet by default: request lines would drown a test's output.
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def dispatch(self, method: str) -> None:
        world = self.server.world
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/_sandbox/"):
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                data = None
            with world.lock:
                if not isinstance(data, dict):
                    answer = Answer(400, {"error": "body: expected a JSON object"})
                else:
                    answer = control(world, method, path, data)
            self.send(answer)
            return
        api = X if path.startswith("/2/") else MASTODON if path.startswith("/api/") else ""
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(method, path, api, parse_qs(parts.query, keep_blank_values=True),
                          headers, body, self.server.base_url)
        handler = None
        for route_method, pattern, regex, fn in ROUTES:
            match = regex.match(path)
            if match and route_method == method:
                handler, request.params = fn, match.groupdict()
                with world.lock:
                    world.requests[f"{api} {method} {pattern}"] += 1
                break
        if handler is None:
            with world.lock:
                world.requests[f"{api or '?'} {method} (unknown) {path}"] += 1
            self.send(x_problem(404, "Not Found Error", f"no route {method} {path}")
                      if api == X else mastodon_error(404, "Not Found"))
            return
        with world.lock:
            fault = world.take_fault(api, method, path)
            generation = world.generation
        if fault and fault.kind == "slow":
            world.stopping.wait(fault.delay)
            fault = None
            if world.generation != generation or world.stopping.is_set():
                # The world was reset meanwhile (the next test): do not act in it.
                self.close_connection = True
                return
        if fault and fault.kind not in ("truncated", "lost"):
            self.send(fault_answer(fault.kind, api, fault.reset_in))
            return
        with world.lock:
            try:
                denied = authenticate(world, request)
                answer = denied or handler(world, request)
            except Answer as raised:
                answer = raised
        if fault and fault.kind == "lost":
            # The action happened; the answer never arrives.
            self.close_connection = True
            return
        self.send(answer, truncate=bool(fault and fault.kind == "truncated"))

    def send(self, answer: Answer, truncate: bool = False) -> None:
        payload = answer.payload()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if truncate:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2] if truncate else payload)
        except OSError:
            # The client gave up (a timeout we caused on purpose, usually).
            self.close_connection = True


def authenticate(world: World, request: Request) -> Answer | None:
    header = request.headers.get("authorization", "")
    if request.api == X:
        if header.startswith("Bearer "):
            return x_problem(
                403, "Unsupported Authentication",
                "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
                "Supported authentication types are "
                "[OAuth 1.0a User Context, OAuth 2.0 User Context].",
                "https://api.twitter.com/2/problems/unsupported-authentication",
            )
        fields = dict(re.findall(r'(\w+)="([^"]*)"', header)) if header.startswith("OAuth ") else {}
        request.token = unquote(fields.get("oauth_token", ""))
        if not request.token or request.token not in world.tokens[X]:
            return x_problem(401, "Unauthorized", "Unauthorized")
        return None
    request.token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not request.token or request.token not in world.tokens[MASTODON]:
        return mastodon_error(401, "The access token is invalid")
    return None


def fault_answer(kind: str, api: str, reset_in: float) -> Answer:
    reset = time.time() + reset_in
    if kind == "unavailable":
        if api == X:
            return x_problem(503, "Service Unavailable", "Service Unavailable")
        return Answer(503, b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
                      b"<body><center><h1>503 Service Temporarily Unavailable</h1></center>"
                      b"<hr><center>nginx</center></body></html>", content_type="text/html")
    if kind == "rate_limit":
        if api == X:
            return Answer(429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                                "type": "about:blank", "status": 429},
                          {"x-rate-limit-limit": "50", "x-rate-limit-remaining": "0",
                           "x-rate-limit-reset": str(int(reset))})
        return Answer(429, {"error": "Too many requests"},
                      {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": x_time(dt.datetime.fromtimestamp(reset, dt.UTC))})
    if kind == "unauthorized":
        if api == X:
            return x_problem(401, "Unauthorized", "Unauthorized")
        return mastodon_error(401, "The access token is invalid")
    if kind == "duplicate" and api == X:
        return x_duplicate()
    if kind == "duplicate":
        return mastodon_error(422, "Validation failed: duplicate")
    # non_json: a proxy or captive portal answered instead of the API.
    return Answer(200, b"<!DOCTYPE html><html><body><h1>Please log in to the network</h1>"
                  b"</body></html>", content_type="text/html; charset=utf-8")


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, world: World | None = None, verbose: bool = False):
        super().__init__((host, port), SandboxHandler)
        self.world = world or World()
        self.verbose = verbose
        bound_host, bound_port = self.server_address[:2]
        self.base_url = f"http://{bound_host}:{bound_port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is normal here (timeouts are injected on purpose).
        if self.verbose:
            super().handle_error(request, client_address)


class Sandbox:
    """The sandbox server run in a background thread (tests, `--demo`), or in the foreground."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False):
        self.httpd = SandboxHTTPServer(host, port, verbose=verbose)
        self.world = self.httpd.world
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.httpd.base_url

    def start(self) -> Sandbox:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="sandbox",
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.world.stopping.set()
        if self._thread:
            self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
