"""The sandbox's Bluesky people: follower and follow pages, notifications (mentions and
replies), reports and blocks, on the XRPC routes of `bluesky_api`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from inmm_tui.platforms.sandbox.bluesky_api import (
    actor_or_400,
    bsky_error,
    cid_of,
    page_limit,
    post_record,
    profile,
    xrpc,
)
from inmm_tui.platforms.sandbox.common import Answer, Request, iso_time, with_garbage
from inmm_tui.platforms.sandbox.world import BLUESKY, BLUESKY_ME_ID, World


def _follow_page(world: World, request: Request, table: dict[str, int], key: str) -> Answer:
    subject = actor_or_400(world, request.q("actor"))
    if subject.id != BLUESKY_ME_ID:
        table = {}
    limit = page_limit(request, 50)
    cursor = request.q("cursor")
    if cursor is not None and not cursor.isdigit():
        raise bsky_error(400, "InvalidRequest", "Malformed cursor")
    ordered = sorted(table.items(), key=lambda item: item[1], reverse=True)
    if cursor is not None:
        ordered = [item for item in ordered if item[1] < int(cursor)]
    page = ordered[:limit]
    body: dict[str, Any] = {"subject": profile(world, subject),
                            key: [profile(world, world.accounts[BLUESKY][i]) for i, _ in page]}
    if len(ordered) > limit:
        body["cursor"] = str(page[-1][1])
    return Answer(200, body)


@xrpc("GET", "app.bsky.graph.getFollowers")
def get_followers(world: World, request: Request) -> Answer:
    return _follow_page(world, request, world.followers[BLUESKY], "followers")


@xrpc("GET", "app.bsky.graph.getFollows")
def get_follows(world: World, request: Request) -> Answer:
    return _follow_page(world, request, world.following[BLUESKY], "follows")


@xrpc("GET", "app.bsky.notification.listNotifications")
def list_notifications(world: World, request: Request) -> Answer:
    """Replies to us and mentions of us, newest first, paged by an opaque cursor (the
    indexedAt and URI of the last one given)."""
    limit = page_limit(request, 50)
    reasons = set(request.query.get("reasons", [])) or {"reply", "mention"}
    found = []
    for post in world.mentions_of_us(BLUESKY):
        parent = world.posts[BLUESKY].get(post.in_reply_to or "")
        reason = "reply" if parent is not None and parent.author_id == BLUESKY_ME_ID else "mention"
        if reason in reasons:
            found.append((iso_time(post.created_at), post.id, reason, post))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    cursor = request.q("cursor")
    if cursor:
        try:
            at, uri = cursor.split("::", 1)
        except ValueError:
            raise bsky_error(400, "InvalidRequest", "Malformed cursor") from None
        found = [item for item in found if (item[0], item[1]) < (at, uri)]
    page = found[:limit]
    notes = []
    for indexed_at, uri, reason, post in page:
        record = post_record(world, post)
        note = {"uri": uri, "cid": cid_of(record),
                "author": profile(world, world.accounts[BLUESKY][post.author_id]),
                "reason": reason, "record": record, "isRead": False, "indexedAt": indexed_at,
                "labels": []}
        if post.in_reply_to:
            note["reasonSubject"] = post.in_reply_to
        notes.append(with_garbage(note, post))
    body: dict[str, Any] = {"notifications": notes}
    if len(found) > limit:
        body["cursor"] = f"{page[-1][0]}::{page[-1][1]}"
    return Answer(200, body)


@xrpc("POST", "com.atproto.moderation.createReport")
def create_report(world: World, request: Request) -> Answer:
    body = request.json()
    subject = body.get("subject") or {}
    if not str(body.get("reasonType", "")).startswith("com.atproto.moderation.defs#reason"):
        raise bsky_error(400, "InvalidRequest", "Input/reasonType must be a known reason")
    did = subject.get("did") or str(subject.get("uri", "at:///")).split("/")[2]
    if did not in world.accounts[BLUESKY]:
        raise bsky_error(400, "InvalidRequest", "Report subject not found")
    report = {"id": len(world.reports) + 1, "api": BLUESKY, "reasonType": body["reasonType"],
              "reason": body.get("reason", ""), "subject": subject,
              "reportedBy": BLUESKY_ME_ID, "createdAt": iso_time(dt.datetime.now(dt.UTC))}
    world.reports.append(report | {"account_id": did, "comment": body.get("reason", "")})
    return Answer(200, report)
