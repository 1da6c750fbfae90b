"""The sandbox's X API v2 (under `/2/`): the endpoints our adapter calls, with X's JSON
shapes, status codes and headers."""

from __future__ import annotations

import hashlib
import html
import io
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
    sniff,
    with_garbage,
)
from inmm_tui.platforms.sandbox.world import OUR_HANDLE, SbAccount, SbPost, World, X

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
    if post.media:
        # X adds one link to the post's media at the end of its text, its entity naming
        # the first item's media key.
        parts.append(" ")
        start = sum(len(p) for p in parts)
        short = x_tco(post, len(urls))
        parts.append(short)
        first = post.media[0]
        kind = "video" if first["mime"].startswith("video/") else "photo"
        urls.append({"start": start, "end": start + len(short), "url": short,
                     "expanded_url": f"https://x.com/{OUR_HANDLE}/status/{post.id}/{kind}/1",
                     "display_url": f"pic.x.com/{short.rsplit('/', 1)[1]}",
                     "media_key": f"{7 if kind == 'video' else 3}_{first['id']}"})
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
    if post.media:
        fields = fields | {"attachments"}
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
    if post.repost_of:
        data["referenced_tweets"] = [{"type": "retweeted", "id": post.repost_of}]
    if post.quote_of:
        data["referenced_tweets"] = [{"type": "quoted", "id": post.quote_of}]
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
    media_ids = [str(m) for m in (data.get("media") or {}).get("media_ids") or []]
    for media_id in media_ids:
        upload = world.uploads[X].get(media_id)
        if upload is None or upload["state"] != "ready" or upload["attached_to"]:
            raise Answer(400, {"errors": [{"parameters": {"media.media_ids": media_ids},
                                           "message": "Your media IDs are invalid."}],
                               "title": "Invalid Request",
                               "detail": "One or more parameters to your request was invalid.",
                               "type": "https://api.twitter.com/2/problems/invalid-request"})
    quoted = data.get("quote_tweet_id")
    if quoted and (quoted not in world.posts[X] or world.posts[X][quoted].deleted):
        raise x_problem(403, "Forbidden", "You attempted to quote a Tweet that is deleted or "
                        "not visible to you.")
    poll = data.get("poll")
    if poll is not None:
        x_check_poll(poll)
    post = world.add_post(X, me, text, in_reply_to=reply_to)
    world.attach(X, post, media_ids)
    if poll is not None:
        world.add_poll(post, [str(o) for o in poll["options"]], int(poll["duration_minutes"]))
    if quoted:
        post.quote_of = str(quoted)
        world.posts[X][str(quoted)].quotes += 1
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


# ---- v1.1 media upload (upload.twitter.com) -------------------------------------------------
# developer.x.com/en/docs/x-api/v1/media/upload-media/api-reference: a simple upload
# (multipart `media`), or INIT / APPEND / FINALIZE and STATUS for a chunked one (a
# video is processed after FINALIZE: `processing_info` with `check_after_secs`); the
# alt text goes through media/metadata/create. The ids are 64-bit numbers.

X_MEDIA_LIMIT = {"image": 5 * 1024 * 1024, "video": 512 * 1024 * 1024}


def x_media(upload: dict[str, Any]) -> dict[str, Any]:
    video = upload["mime"].startswith("video/")
    body: dict[str, Any] = {"media_id": int(upload["id"]), "media_id_string": upload["id"],
                            "media_key": f"{7 if video else 3}_{upload['id']}",
                            "size": len(upload["data"]), "expires_after_secs": 86400}
    if video:
        body["video"] = {"video_type": upload["mime"]}
        state = "succeeded" if upload["state"] == "ready" else "in_progress"
        body["processing_info"] = {"state": state, "progress_percent":
                                   100 if state == "succeeded" else 50}
        if state != "succeeded":
            body["processing_info"]["check_after_secs"] = 1
    else:
        width, height = _dimensions(upload["data"])
        body["image"] = {"image_type": upload["mime"], "w": width, "h": height}
    return body


def _dimensions(data: bytes) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        return 0, 0


def x_upload_error(message: str, code: int = 324) -> Answer:
    return Answer(400, {"errors": [{"code": code, "message": message}]})


@route("POST", "/1.1/media/upload.json")
def x_media_upload(world: World, request: Request) -> Answer:
    fields = request.fields()
    command = fields.get("command")
    if command is None:  # the simple upload: one image in one request
        media = request.multipart().get("media")
        mime = sniff(media[0]) if media else None
        if media is None or mime is None or mime.startswith("video/"):
            raise x_upload_error("media type unrecognized.")
        if len(media[0]) > X_MEDIA_LIMIT["image"]:
            raise x_upload_error("File size exceeds 5242880 bytes.")
        upload = world.add_upload(X, world.new_id(X), media[0], mime)
        return Answer(200, x_media(upload))
    if command == "INIT":
        mime, total = fields.get("media_type", ""), int(fields.get("total_bytes") or 0)
        if mime not in ("image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"):
            raise x_upload_error("media type unrecognized.")
        if total > X_MEDIA_LIMIT["video" if mime.startswith("video/") else "image"]:
            raise x_upload_error(f"File size exceeds limit ({total} bytes).")
        made = world.add_upload(X, world.new_id(X), b"", mime,
                                processing=mime.startswith("video/"))
        made["segments"], made["total"], made["state"] = {}, total, "uploading"
        return Answer(202, {"media_id": int(made["id"]), "media_id_string": made["id"],
                            "expires_after_secs": 86400})
    found = world.uploads[X].get(str(fields.get("media_id", "")))
    if found is None:
        raise x_upload_error("Invalid mediaId.", 324)
    upload = found
    if command == "APPEND":
        media = request.multipart().get("media")
        if upload["state"] != "uploading" or media is None:
            raise x_upload_error("Segments out of order or media missing.")
        upload["segments"][int(fields.get("segment_index") or 0)] = media[0]
        return Answer(204, b"")
    if command == "FINALIZE":
        if upload["state"] != "uploading":
            raise x_upload_error("Invalid mediaId.")
        data = b"".join(upload["segments"][i] for i in sorted(upload["segments"]))
        if len(data) != upload["total"]:
            raise x_upload_error(f"File size mismatch: got {len(data)}, expected "
                                 f"{upload['total']} bytes.")
        upload.update(data=data, sha256=hashlib.sha256(data).hexdigest(),
                      state="processing" if upload["mime"].startswith("video/")
                      and world.media_processing_polls else "ready")
        return Answer(201, x_media(upload))
    raise x_upload_error(f"Unknown command {command}.")


@route("GET", "/1.1/media/upload.json")
def x_media_status(world: World, request: Request) -> Answer:
    if request.q("command") != "STATUS":
        raise x_upload_error("command: expected STATUS")
    upload = world.poll_upload(X, request.q("media_id") or "")
    if upload is None:
        raise x_upload_error("Invalid mediaId.")
    return Answer(200, x_media(upload))


@route("POST", "/1.1/media/metadata/create.json")
def x_media_metadata(world: World, request: Request) -> Answer:
    data = request.json()
    upload = world.uploads[X].get(str(data.get("media_id", "")))
    alt = ((data.get("alt_text") or {}).get("text"))
    if upload is None:
        raise x_upload_error("Invalid mediaId.")
    if not isinstance(alt, str) or len(alt) > 1000:
        raise x_upload_error("alt_text.text: at most 1000 characters", 44)
    upload["alt"] = alt
    return Answer(200, b"", content_type="text/html;charset=utf-8")


@route("POST", "/2/users/(?P<id>[0-9]+)/retweets")
def x_retweet(world: World, request: Request) -> Answer:
    x_me_only(world, request)
    original = world.posts[X].get(str(request.json().get("tweet_id", "")))
    if original is None or original.deleted:
        raise x_problem(403, "Forbidden", "You attempted to retweet a Tweet that is deleted or "
                        "not visible to you.")
    author = world.accounts[X][original.author_id]
    # A retweet is a post of ours; X answers only that it is done, however often asked.
    world.repost(X, original, f"RT @{author.handle}: {original.text}"[:X_TEXT_LIMIT])
    return Answer(200, {"data": {"retweeted": True}})


@route("DELETE", "/2/users/(?P<id>[0-9]+)/retweets/(?P<source>[0-9]+)")
def x_unretweet(world: World, request: Request) -> Answer:
    # "The request succeeds with no action when the user sends a request to a user
    # they're not Retweeting the Tweet or have already removed the Retweet of."
    x_me_only(world, request)
    world.undo_repost(X, request.params["source"])
    return Answer(200, {"data": {"retweeted": False}})


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
    includes: dict[str, Any] = {}
    if "author_id" in expansions:
        includes["users"] = [x_user(world, world.accounts[X][post.author_id], request)]
    if "attachments.poll_ids" in expansions and post.poll is not None:
        includes["polls"] = [x_poll(post, request)]
    if includes:
        body["includes"] = includes
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


