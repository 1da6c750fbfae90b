"""The sandbox's X API v2 (under `/2/`): the endpoints our adapter calls, with X's JSON
shapes, status codes and headers."""

from __future__ import annotations

import hashlib
import html
import re
import time
from collections.abc import Callable
from typing import Any

from inmm_tui.platforms.sandbox.common import (
    Answer,
    Request,
    block,
    iso_time,
    limit_from,
    route,
    with_garbage,
)
from inmm_tui.platforms.sandbox.world import SbAccount, SbPost, World, X

X_TEXT_LIMIT = 280

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




X_DEFAULT_USER_FIELDS = ("id", "name", "username")
"""What X returns of a user when no `user.fields` are asked for."""


def x_user(world: World, account: SbAccount, request: Request) -> dict[str, Any]:
    """The user as X v2 returns it: only the default fields unless others are asked for."""
    me = world.me(X)
    asked = x_asked(request, "user.fields") | set(X_DEFAULT_USER_FIELDS)
    data = {
        "id": account.id,
        "name": account.name,
        "username": account.handle,
        "description": account.description,
        "created_at": iso_time(account.created_at),
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
    }
    return with_garbage({k: v for k, v in data.items() if k in asked}, account)


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


def x_asked(request: Request, parameter: str) -> set[str]:
    """The names a comma-separated parameter asks for (`tweet.fields=a,b`, `expansions`)."""
    asked = ",".join(request.query.get(parameter, []))
    return {name for name in asked.split(",") if name}


def x_fields(request: Request) -> set[str]:
    """The tweet fields asked for, besides the defaults."""
    return x_asked(request, "tweet.fields")


def x_tweet(post: SbPost, fields: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The tweet as X v2 returns it: only the default fields unless others are asked for."""
    text, urls = x_rendered(post)
    data: dict[str, Any] = {
        "id": post.id,
        "text": text,
        "edit_history_tweet_ids": [post.id],
        "author_id": post.author_id,
        "created_at": iso_time(post.created_at),
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
    if post.poll is not None:
        data["attachments"] = {"poll_ids": [post.poll.id]}
    return with_garbage({k: v for k, v in data.items() if k in X_DEFAULT_FIELDS or k in fields},
                        post)


def x_me_only(world: World, request: Request) -> SbAccount:
    me = world.me(X)
    if request.params.get("id", me.id) != me.id:
        raise x_problem(403, "Forbidden", "You are not permitted to perform this action.")
    return me


TOKEN_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def x_token(position: int) -> str:
    """An opaque pagination token, lower-case letters and digits as X's are: the position
    in base 36 behind a check, so that a token X did not issue is refused, not misread."""
    digits = ""
    while True:
        position, digit = divmod(position, 36)
        digits = TOKEN_DIGITS[digit] + digits
        if not position:
            break
    check = hashlib.sha256(f"x-token:{digits}".encode()).hexdigest()[:12]
    return check + digits


def x_position(token: str) -> int:
    digits = token[12:]
    if not digits or any(c not in TOKEN_DIGITS for c in digits) or x_token(
            int(digits, 36)) != token:
        raise Answer(400, {"errors": [{"parameters": {"pagination_token": [token]},
                                       "message": "Invalid pagination token"}],
                           "title": "Invalid Request",
                           "detail": "One or more parameters to your request was invalid.",
                           "type": "https://api.twitter.com/2/problems/invalid-request"})
    return int(digits, 36)


def x_page(items: list[Any], token_of: Callable[[Any], int], request: Request, default: int,
           low: int, high: int) -> tuple[list[Any], str | None]:
    size = limit_from(request, "max_results", default, low, high)
    token = request.q("pagination_token")
    if token:
        position = x_position(token)
        items = [item for item in items if token_of(item) < position]
    page = items[:size]
    more = len(items) > size
    return page, (x_token(token_of(page[-1])) if more and page else None)


@route("GET", "/2/users/me")
def x_users_me(world: World, request: Request) -> Answer:
    return Answer(200, {"data": x_user(world, world.me(X), request)})


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
    return Answer(200, {"data": x_user(world, account, request)})


@route("GET", "/2/users/by")
def x_users_by(world: World, request: Request) -> Answer:
    names = [n for n in (request.q("usernames") or "").split(",") if n]
    if not 1 <= len(names) <= 100:
        raise x_problem(400, "Invalid Request", "usernames: between 1 and 100 names")
    found, errors = [], []
    for name in names:
        account = world.by_handle(X, name)
        if account:
            found.append(x_user(world, account, request))
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
    poll = data.get("poll")
    if poll is not None:
        x_check_poll(poll)
    post = world.add_post(X, me, text, in_reply_to=reply_to)
    if poll is not None:
        world.add_poll(post, [str(o) for o in poll["options"]], int(poll["duration_minutes"]))
    return Answer(201, {"data": x_tweet(post)})


def x_check_poll(poll: Any) -> None:
    """X's rules for `poll` on POST /2/tweets: 2 to 4 options of 1 to 25 characters, and
    `duration_minutes` from 5 to 10080 (required)."""
    def invalid(parameter: str, value: Any, message: str) -> Answer:
        return Answer(400, {"errors": [{"parameters": {parameter: [str(value)]},
                                        "message": message}],
                            "title": "Invalid Request",
                            "detail": "One or more parameters to your request was invalid.",
                            "type": "https://api.twitter.com/2/problems/invalid-request"})
    options = poll.get("options") if isinstance(poll, dict) else None
    if not isinstance(options, list) or not 2 <= len(options) <= 4:
        raise invalid("poll.options", options, "poll.options: must have 2 to 4 options")
    for option in options:
        if not isinstance(option, str) or not 1 <= len(option) <= 25:
            raise invalid("poll.options", option,
                          "poll.options: each option must be 1 to 25 characters")
    minutes = poll.get("duration_minutes")
    if not isinstance(minutes, int) or not 5 <= minutes <= 10080:
        raise invalid("poll.duration_minutes", minutes,
                      "poll.duration_minutes: must be between 5 and 10080")


X_DEFAULT_POLL_FIELDS = ("id", "options")


def x_poll(post: SbPost, request: Request) -> dict[str, Any]:
    """The poll as X v2 returns it in `includes.polls`: `id` and `options` unless other
    `poll.fields` are asked for."""
    poll = post.poll
    assert poll is not None
    data: dict[str, Any] = {
        "id": poll.id,
        "options": [{"position": n, "label": label, "votes": votes}
                    for n, (label, votes) in enumerate(zip(poll.options, poll.votes,
                                                           strict=True), 1)],
        "duration_minutes": poll.minutes,
        "end_datetime": iso_time(poll.ends_at),
        "voting_status": "closed" if poll.closed else "open",
    }
    asked = x_asked(request, "poll.fields") | set(X_DEFAULT_POLL_FIELDS)
    return {k: v for k, v in data.items() if k in asked}


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
    expansions = x_asked(request, "expansions")
    fields = x_fields(request) | ({"attachments"} if "attachments.poll_ids" in expansions
                                  else set())
    body: dict[str, Any] = {"data": x_tweet(post, fields)}
    if "attachments.poll_ids" in expansions and post.poll is not None:
        body["includes"] = {"polls": [x_poll(post, request)]}
    return Answer(200, body)


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
    return Answer(200, x_timeline(page, token, world, request))


def x_timeline(page: list[SbPost], token: str | None, world: World,
               request: Request) -> dict[str, Any]:
    meta: dict[str, Any] = {"result_count": len(page)}
    body: dict[str, Any] = {}
    if page:
        body["data"] = [x_tweet(p, x_fields(request)) for p in page]
        meta["newest_id"], meta["oldest_id"] = page[0].id, page[-1].id
        if "author_id" in x_asked(request, "expansions"):
            authors = sorted({p.author_id for p in page})
            body["includes"] = {"users": [x_user(world, world.accounts[X][a], request)
                                          for a in authors]}
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
    return Answer(200, x_timeline(page, token, world, request))


def x_follow_list(world: World, request: Request, table: dict[str, int]) -> Answer:
    x_me_only(world, request)
    ordered = sorted(table.items(), key=lambda item: item[1], reverse=True)
    page, token = x_page(ordered, lambda item: item[1], request, 100, 1, 1000)
    body: dict[str, Any] = {"meta": {"result_count": len(page)}}
    if page:
        body["data"] = [x_user(world, world.accounts[X][uid], request) for uid, _ in page]
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


