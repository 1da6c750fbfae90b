"""The sandbox's Mastodon API (under `/api/v1/`): the endpoints our adapter calls, with
Mastodon's JSON shapes, status codes and headers."""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from inmm_tui.platforms.sandbox.common import (
    Answer,
    Handler,
    Request,
    block,
    headed_route,
    iso_time,
    limit_from,
    with_garbage,
)
from inmm_tui.platforms.sandbox.world import MASTODON, SbAccount, SbPost, World

MASTODON_TEXT_LIMIT = 500
M_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4")
M_IMAGE_LIMIT, M_VIDEO_LIMIT, M_DESCRIPTION_LIMIT = 16_777_216, 103_809_024, 1500
"""Mastodon 4.3's defaults, as /api/v2/instance gives them."""

RATE_LIMIT = 300
RATE_PERIOD = 300
"""Mastodon's default: 300 calls per account per 5 minutes (docs.joinmastodon.org/api/rate-limits/)."""


def mastodon_error(status: int, message: str) -> Answer:
    return Answer(status, {"error": message})


def mastodon_wrong_shape() -> Answer:
    """A 200 with JSON that is no entity the client asked for (a proxy's or another
    service's answer): Mastodon.py casts it anyway, every field it expects None."""
    return Answer(200, {"title": "Service", "status": "ok", "data": []})


def m_rate_headers(world: World) -> dict[str, str]:
    """The headers Mastodon sends on every answer: limit, remaining, and the end of the
    current period as an ISO 8601 time with microseconds ("2020-09-08T13:25:00.019685Z")."""
    at = time.time()
    start = at - at % RATE_PERIOD
    world.mastodon_calls = [t for t in world.mastodon_calls if t >= start] + [at]
    reset = dt.datetime.fromtimestamp(start + RATE_PERIOD, dt.UTC)
    return {"X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(0, RATE_LIMIT - len(world.mastodon_calls))),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


def m_route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """`route`, with Mastodon's rate-limit headers on every answer, errors included."""
    return headed_route(method, pattern, m_rate_headers)



def m_time(moment: dt.datetime) -> str:
    return iso_time(moment)


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


URL = re.compile(r"https?://[^\s<>\"]+")
MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+[A-Za-z0-9])?)")
HASHTAG = re.compile(r"(?<![\w&/#])#([^\W_][\w]*)")
EMOJI = re.compile(r":([A-Za-z0-9_]{2,}):")
LINK_SHOWN = 30
"""Mastodon shows a link's first 30 characters (after the scheme and `www.`), the rest
hidden by CSS; the whole link is still in the text of the anchor's spans."""


def m_link_html(url: str) -> str:
    # The shape of Mastodon's TextFormatter (docs.joinmastodon.org/spec/microformats/ and
    # the Status entity's `content` example): `invisible` spans around an `ellipsis` one.
    prefix = re.match(r"https?://(www\.)?", url)
    hidden = prefix.group(0) if prefix else ""
    rest = url[len(hidden):]
    shown, tail = rest[:LINK_SHOWN], rest[LINK_SHOWN:]
    return (f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" '
            f'translate="no"><span class="invisible">{html.escape(hidden)}</span>'
            f'<span class="{"ellipsis" if tail else ""}">{html.escape(shown)}</span>'
            f'<span class="invisible">{html.escape(tail)}</span></a>')


def m_mention_html(acct: str, base: str) -> str:
    # An h-card (microformats): the @ outside the inner span, as Mastodon writes it.
    username = acct.split("@")[0]
    return (f'<span class="h-card" translate="no"><a href="{base}/@{html.escape(acct)}" '
            f'class="u-url mention">@<span>{html.escape(username)}</span></a></span>')


def m_hashtag_html(tag: str, base: str) -> str:
    return (f'<a href="{base}/tags/{html.escape(tag.lower())}" class="mention hashtag" '
            f'rel="tag">#<span>{html.escape(tag)}</span></a>')


def m_inline(text: str, base: str) -> str:
    """One line of a status as Mastodon's HTML: links, @mentions and #hashtags marked up,
    the rest escaped; `:shortcode:` emoji stay as text (listed in `emojis`)."""
    pattern = re.compile(f"(?P<url>{URL.pattern})|(?P<mention>{MENTION.pattern})"
                         f"|(?P<tag>{HASHTAG.pattern})")
    out, at = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[at:match.start()], quote=False))
        if match.group("url"):
            out.append(m_link_html(match.group("url")))
        elif match.group("mention"):
            out.append(m_mention_html(match.group("mention").lstrip("@"), base))
        else:
            out.append(m_hashtag_html(match.group("tag").lstrip("#"), base))
        at = match.end()
    out.append(html.escape(text[at:], quote=False))
    return "".join(out)


def m_content(text: str, base: str = "") -> str:
    paragraphs = [p for p in text.split("\n\n")]
    return "".join("<p>" + "<br />".join(m_inline(line, base) for line in p.split("\n"))
                   + "</p>" for p in paragraphs)


def m_status(world: World, post: SbPost, base: str) -> dict[str, Any]:
    author = world.accounts[MASTODON][post.author_id]
    me = world.me(MASTODON)
    mentions = []
    if f"@{me.handle.lower()}" in post.text.lower():
        mentions.append({"id": me.id, "username": me.handle, "acct": me.handle,
                         "url": f"{base}/@{me.handle}"})
    status = {
        "id": post.id,
        "created_at": m_time(post.created_at),
        "in_reply_to_id": post.in_reply_to,
        "in_reply_to_account_id": post.in_reply_to_user_id,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": post.visibility,
        "language": "en",
        "uri": f"{base}/users/{author.handle}/statuses/{post.id}",
        "url": f"{base}/@{author.handle}/{post.id}",
        "replies_count": post.replies,
        "reblogs_count": post.reposts,
        "favourites_count": post.likes,
        "quotes_count": post.quotes,
        "edited_at": None,
        "content": m_content(post.text, base),
        "reblog": None,
        "application": None,
        "account": m_account(world, author, base),
        "media_attachments": [m_attachment(world.uploads[MASTODON][m["id"]], base)
                              for m in post.media],
        "mentions": mentions,
        "tags": [{"name": t.lower(), "url": f"{base}/tags/{t.lower()}"}
                 for t in HASHTAG.findall(post.text)],
        "emojis": [{"shortcode": e, "url": f"{base}/emoji/{e}.png",
                    "static_url": f"{base}/emoji/{e}.png", "visible_in_picker": True}
                   for e in dict.fromkeys(EMOJI.findall(post.text))],
        "card": None,
        "poll": m_poll(post),
    }
    original = world.posts[MASTODON].get(post.repost_of or post.quote_of or "")
    if post.repost_of and original is not None:
        # A boost is a status of ours wrapping the original (docs: Status `reblog`).
        status["reblog"] = m_status(world, original, base)
        status["uri"] = f"{base}/users/{world.me(MASTODON).handle}/statuses/{post.id}/activity"
        status["url"] = None
    if world.mastodon_quotes:
        # Mastodon 4.5: who may quote the status, as it applies to us (QuoteApproval).
        status["quote_approval"] = {"automatic": ["public"], "manual": [],
                                    "current_user": "automatic"}
        status["quote"] = ({"state": "accepted",
                            "quoted_status": m_status(world, original, base)}
                           if post.quote_of and original is not None else None)
    return with_garbage(status, post)


def m_poll(post: SbPost) -> dict[str, Any] | None:
    """The Poll entity (docs.joinmastodon.org/entities/Poll/)."""
    poll = post.poll
    if poll is None:
        return None
    total = sum(poll.votes)
    return {"id": poll.id, "expires_at": m_time(poll.ends_at), "expired": poll.closed,
            "multiple": False, "votes_count": total, "voters_count": total,
            "voted": False, "own_votes": [],
            "options": [{"title": title, "votes_count": votes}
                        for title, votes in zip(poll.options, poll.votes, strict=True)],
            "emojis": []}


def m_check_poll(world: World, poll: Any) -> tuple[list[str], int]:
    """Mastodon's PollValidator, with the server's own limits (`world.mastodon_polls`, what
    /api/v2/instance says): the options and `expires_in` (seconds), or its 422."""
    limits = world.mastodon_polls
    if not isinstance(poll, dict):
        raise mastodon_error(422, "Validation failed: Poll options can't be blank")
    options = poll.get("options")
    if not isinstance(options, list) or len(options) < 2:
        raise mastodon_error(422, "Validation failed: Poll must have at least 2 options")
    if len(options) > limits["max_options"]:
        raise mastodon_error(422, f"Validation failed: Poll cannot have more than "
                             f"{limits['max_options']} options")
    if any(not isinstance(o, str) or not o.strip() for o in options):
        raise mastodon_error(422, "Validation failed: Poll options can't be blank")
    if any(len(o) > limits["max_characters_per_option"] for o in options):
        raise mastodon_error(422, f"Validation failed: Poll options cannot be longer than "
                             f"{limits['max_characters_per_option']} characters")
    seconds = poll.get("expires_in")
    if not isinstance(seconds, int) or seconds < limits["min_expiration"]:
        raise mastodon_error(422, "Validation failed: Poll duration is too short")
    if seconds > limits["max_expiration"]:
        raise mastodon_error(422, "Validation failed: Poll duration is too long")
    return [str(o) for o in options], seconds


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
    # A full page always gets a `next` link, as Mastodon's (its `records_continue?` is
    # "the page is full"): the page after the last full one is empty.
    # min_id pages forward from the given id: the oldest `limit` items newer than it.
    page = items[-limit:] if request.q("min_id") else items[:limit]
    return page, len(page) == limit


def m_account_or_404(world: World, account_id: str) -> SbAccount:
    account = world.accounts[MASTODON].get(account_id)
    if account is None:
        raise mastodon_error(404, "Record not found")
    return account


@m_route("GET", "/api/v1/accounts/verify_credentials")
def m_verify_credentials(world: World, request: Request) -> Answer:
    me = world.me(MASTODON)
    body = m_account(world, me, request.base_url)
    body["source"] = {"privacy": "public", "sensitive": False, "language": "en",
                      "note": me.description, "fields": [], "follow_requests_count": 0}
    return Answer(200, body)


@m_route("GET", "/api/v1/accounts/lookup")
def m_lookup(world: World, request: Request) -> Answer:
    account = world.by_handle(MASTODON, request.q("acct") or "")
    if account is None:
        raise mastodon_error(404, "Record not found")
    return Answer(200, m_account(world, account, request.base_url))


def fold(text: str) -> str:
    """Lower case with the usual look-alike characters folded (0/o, 1/l/i, 5/s, 3/e, no _)."""
    return text.lower().translate(str.maketrans("01i53", "ollse", "_"))


@m_route("GET", "/api/v1/accounts/search")
def m_search(world: World, request: Request) -> Answer:
    query = fold((request.q("q") or "").lstrip("@"))
    limit = limit_from(request, "limit", 40, 1, 80)
    found = [
        a for a in world.accounts[MASTODON].values()
        if query and (query in fold(a.handle) or query in fold(a.name))
    ]
    return Answer(200, [m_account(world, a, request.base_url) for a in found[:limit]])


@m_route("GET", "/api/v1/accounts/(?P<id>[0-9]+)/statuses")
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


@m_route("GET", "/api/v1/accounts/(?P<id>[0-9]+)/followers")
def m_followers(world: World, request: Request) -> Answer:
    return m_follow_list(world, request, world.followers[MASTODON])


@m_route("GET", "/api/v1/accounts/(?P<id>[0-9]+)/following")
def m_following(world: World, request: Request) -> Answer:
    return m_follow_list(world, request, world.following[MASTODON])


@m_route("POST", "/api/v1/accounts/(?P<id>[0-9]+)/follow")
def m_follow(world: World, request: Request) -> Answer:
    account = m_account_or_404(world, request.params["id"])
    if account.id == world.me(MASTODON).id:
        raise mastodon_error(403, "This action is not allowed")
    world.following[MASTODON].setdefault(account.id, world.seq())
    return Answer(200, m_relationship(world, account.id))


@m_route("POST", "/api/v1/accounts/(?P<id>[0-9]+)/unfollow")
def m_unfollow(world: World, request: Request) -> Answer:
    account = m_account_or_404(world, request.params["id"])
    world.following[MASTODON].pop(account.id, None)
    return Answer(200, m_relationship(world, account.id))


@m_route("POST", "/api/v1/accounts/(?P<id>[0-9]+)/block")
def m_block(world: World, request: Request) -> Answer:
    account = m_account_or_404(world, request.params["id"])
    block(world, MASTODON, account.id)
    return Answer(200, m_relationship(world, account.id))


@m_route("POST", "/api/v1/statuses")
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
    reply_to = next(iter(form.get("in_reply_to_id", [])), None)
    if reply_to and reply_to not in world.posts[MASTODON]:
        raise mastodon_error(404, "Record not found")
    media_ids = form.get("media_ids[]") or form.get("media_ids") or []
    if len(media_ids) > world.mastodon_max_attachments:
        raise mastodon_error(422, "Validation failed: Media attachments are too many")
    for media_id in media_ids:
        upload = world.uploads[MASTODON].get(media_id)
        if upload is None or upload["attached_to"]:
            raise mastodon_error(422, "Validation failed: Media attachments are invalid")
        if upload["state"] != "ready":
            raise mastodon_error(422, "Cannot attach files that have not finished processing. "
                                 "Try again in a moment!")
    visibility = next(iter(form.get("visibility", [])), "public")
    if visibility not in ("public", "unlisted", "private", "direct"):
        raise mastodon_error(422, "Validation failed: Visibility is not included in the list")
    quoted = next(iter(form.get("quoted_status_id", [])), None)
    if quoted and world.mastodon_quotes:  # a server before 4.5 ignores the parameter
        m_status_or_404(world, quoted)
    # A poll comes as JSON (Mastodon.py sends a status with a poll that way).
    asked = request.json().get("poll") if request.headers.get(
        "content-type", "").startswith("application/json") else None
    poll = m_check_poll(world, asked) if asked is not None else None
    post = world.add_post(MASTODON, world.me(MASTODON), text, in_reply_to=reply_to,
                          visibility=visibility)
    if poll is not None:
        world.add_poll(post, poll[0], -(-poll[1] // 60))
    world.attach(MASTODON, post, media_ids)
    if quoted and world.mastodon_quotes:
        post.quote_of = quoted
        world.posts[MASTODON][quoted].quotes += 1
    if key:
        world.idempotency[(request.token, key)] = (post.id, time.time())
    return Answer(200, m_status(world, post, request.base_url))


def m_status_or_404(world: World, status_id: str) -> SbPost:
    post = world.posts[MASTODON].get(status_id)
    if post is None or post.deleted:
        raise mastodon_error(404, "Record not found")
    return post


@m_route("GET", "/api/v1/statuses/(?P<id>[0-9]+)")
def m_get_status(world: World, request: Request) -> Answer:
    post = m_status_or_404(world, request.params["id"])
    return Answer(200, m_status(world, post, request.base_url))


@m_route("GET", "/api/v1/statuses/(?P<id>[0-9]+)/source")
def m_status_source(world: World, request: Request) -> Answer:
    # The plain text exactly as posted (what an edit starts from): only for one's own.
    post = m_status_or_404(world, request.params["id"])
    if post.author_id != world.me(MASTODON).id:
        raise mastodon_error(404, "Record not found")
    return Answer(200, {"id": post.id, "text": post.text, "spoiler_text": ""})


@m_route("DELETE", "/api/v1/statuses/(?P<id>[0-9]+)")
def m_delete_status(world: World, request: Request) -> Answer:
    post = m_status_or_404(world, request.params["id"])
    if post.author_id != world.me(MASTODON).id:
        raise mastodon_error(403, "This action is not allowed")
    post.deleted = True
    body = m_status(world, post, request.base_url)
    body["text"] = post.text
    return Answer(200, body)


@m_route("POST", "/api/v1/statuses/(?P<id>[0-9]+)/reblog")
def m_reblog(world: World, request: Request) -> Answer:
    # Boosting what we boosted already answers with the boost we have (one per account).
    original = m_status_or_404(world, request.params["id"])
    boost = world.repost(MASTODON, original)
    return Answer(200, m_status(world, boost, request.base_url))


@m_route("POST", "/api/v1/statuses/(?P<id>[0-9]+)/unreblog")
def m_unreblog(world: World, request: Request) -> Answer:
    original = m_status_or_404(world, request.params["id"])
    world.undo_repost(MASTODON, original.id)
    return Answer(200, m_status(world, original, request.base_url))


@m_route("GET", "/api/v2/search")
def m_search_v2(world: World, request: Request) -> Answer:
    # With `resolve`, a status's address (its `url` or `uri`) finds the status, as the
    # server fetches it over ActivityPub; the sandbox knows only its own.
    query = (request.q("q") or "").strip()
    found = []
    if request.q("type") in (None, "statuses"):
        for post in world.posts[MASTODON].values():
            if post.deleted or post.repost_of:
                continue
            status = m_status(world, post, request.base_url)
            if query and query in (status["url"], status["uri"]):
                found.append(status)
    return Answer(200, {"accounts": [], "statuses": found, "hashtags": []})


@m_route("GET", "/api/v1/notifications")
def m_notifications(world: World, request: Request) -> Answer:
    types = request.query.get("types[]") or request.query.get("types") or []
    # Newest first by notification id: the order of arrival, not of the statuses' ids.
    items = [n for n in reversed(world.notifications) if not types or n[1] in types]
    items = [n for n in items if not (n[3] and world.posts[MASTODON][n[3]].deleted)]
    page, more = m_window(request, items, lambda n: int(n[0]), 40, 80)
    arrived = world.arrivals
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
            entry["created_at"] = m_time(arrived.get(note_id, post.created_at))
            # docs.joinmastodon.org/entities/Notification/#status: "Status or null".
            entry["status"] = None if post.withheld else m_status(world, post,
                                                                   request.base_url)
        body.append(entry)
    return Answer(200, body, m_link(request, page, lambda n: int(n[0]), more))


@m_route("POST", "/api/v1/reports/?")
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



# ---- media (docs.joinmastodon.org/methods/media) ------------------------------------------------


def m_attachment(upload: dict[str, Any], base: str) -> dict[str, Any]:
    """A MediaAttachment: `url` is null while the server is still processing it."""
    kind = "video" if upload["mime"].startswith("video/") else (
        "gifv" if upload["mime"] == "image/gif" else "image")
    ready = upload["state"] == "ready"
    url = f"{base}/system/media_attachments/files/{upload['id']}/original"
    return {"id": upload["id"], "type": kind, "url": url if ready else None,
            "preview_url": f"{base}/system/media_attachments/files/{upload['id']}/small",
            "remote_url": None, "text_url": None, "meta": {}, "description": upload["alt"] or None,
            "blurhash": "UFBWY:8_0Jxv4n?H%MRj00%M%Mxu"}


@m_route("POST", "/api/v2/media")
def m_upload_media(world: World, request: Request) -> Answer:
    parts = request.multipart()
    fields = request.fields()
    upload = parts.get("file")
    if upload is None:
        raise mastodon_error(422, "Validation failed: File can't be blank")
    data, mime = upload
    if mime not in M_MEDIA_TYPES:
        raise mastodon_error(422, f"Validation failed: File content type is invalid ({mime})")
    video = mime.startswith("video/")
    if len(data) > (M_VIDEO_LIMIT if video else M_IMAGE_LIMIT):
        raise mastodon_error(422, "Validation failed: File file size must be less than the limit")
    description = fields.get("description") or ""
    if len(description) > M_DESCRIPTION_LIMIT:
        raise mastodon_error(422, f"Validation failed: Description is too long (maximum is "
                             f"{M_DESCRIPTION_LIMIT} characters)")
    made = world.add_upload(MASTODON, world.new_id(MASTODON), data, mime, processing=video,
                            alt=description)
    # 200 with the url when processed at once (small images); 202 with a null url while
    # the server processes it (video), to be fetched again until the url is set.
    return Answer(200 if made["state"] == "ready" else 202,
                  m_attachment(made, request.base_url))


@m_route("GET", "/api/v1/media/(?P<id>[0-9]+)")
def m_get_media(world: World, request: Request) -> Answer:
    upload = world.poll_upload(MASTODON, request.params["id"])
    if upload is None:
        raise mastodon_error(404, "Record not found")
    # 206 Partial Content while processing, 200 once the url is there.
    return Answer(200 if upload["state"] == "ready" else 206,
                  m_attachment(upload, request.base_url))


@m_route("GET", "/api/v2/instance/?")
def m_instance(world: World, request: Request) -> Answer:
    host = request.base_url.split("://", 1)[-1]
    return Answer(200, {
        "domain": host, "title": "Sandbox Mastodon", "version": "4.3.0",
        "source_url": "https://github.com/mastodon/mastodon", "description": "The sandbox",
        "usage": {"users": {"active_month": 1}}, "thumbnail": {"url": ""}, "languages": ["en"],
        "configuration": {
            "urls": {"streaming": f"wss://{host}"},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {"max_characters": MASTODON_TEXT_LIMIT,
                         "max_media_attachments": world.mastodon_max_attachments,
                         "characters_reserved_per_url": 23},
            "media_attachments": {
                "supported_mime_types": list(M_MEDIA_TYPES),
                "description_limit": M_DESCRIPTION_LIMIT,
                "image_size_limit": M_IMAGE_LIMIT, "image_matrix_limit": 33_177_600,
                "video_size_limit": M_VIDEO_LIMIT, "video_frame_rate_limit": 120,
                "video_matrix_limit": 8_294_400},
            # The shape of docs.joinmastodon.org/methods/instance/#v2's example answer;
            # the numbers are the server's own (`settings {mastodon_polls}`).
            "polls": dict(world.mastodon_polls),
            "translation": {"enabled": False}},
        "registrations": {"enabled": False, "approval_required": False, "message": None},
        "contact": {"email": "", "account": None}, "rules": []})
