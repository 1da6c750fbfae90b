"""Threads: a post of several parts (live coverage, long announcements).

The post's body is part 1 (an outlet's own text replaces it there); parts 2.. are common
to every outlet and kept in `post_parts`. Each part is signed like a post (each is read
on its own in a timeline), screened and counted against each outlet's limit. The
clearance covers every part in order; the daemon publishes one delivery per outlet per
part, each part after the first as a reply to the part before it on that outlet, only
once that part is sent (`publishing.Queue`), so after a crash it resumes at the first
part not yet posted. A thread stopped half-way shows as `partly published`, its failed
part retried from where it stopped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from inmm_tui.capabilities import for_api
from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.polls import Poll, poll_of

if TYPE_CHECKING:
    from inmm_tui.domain.posts import Post, ScreenOutcome

MAX_PARTS = 25
"""More than this is no longer a thread anyone reads."""
SEPARATOR = "---"
"""In compose, a line holding only this separates one part from the next."""


def check_parts(parts: Sequence[str]) -> list[str]:
    """The parts after the first, trimmed; InvalidInput naming the part that is wrong."""
    from inmm_tui.domain.posts import check_each

    if len(parts) + 1 > MAX_PARTS:
        raise InvalidInput(f"a thread has at most {MAX_PARTS} parts; {len(parts) + 1} given")
    return check_each(parts, 2, "part {} of the thread")


def split_parts(text: str) -> list[str]:
    """Parts typed in one box, separated by lines holding only `---`; empty ones dropped."""
    parts: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip() == SEPARATOR:
            parts.append([])
        else:
            parts[-1].append(line)
    return [joined for lines in parts if (joined := "\n".join(lines).strip())]


def join_parts(parts: Sequence[str]) -> str:
    return f"\n{SEPARATOR}\n".join(parts)


def parts_of(conn: sqlite3.Connection, post_id: int) -> tuple[str, ...]:
    """The parts after the first, in order (empty for a post of one part)."""
    return tuple(body for (body,) in conn.execute(
        "SELECT body FROM post_parts WHERE post_id = ? ORDER BY part", (post_id,)))


def store_parts(conn: sqlite3.Connection, post_id: int, parts: Sequence[str]) -> bool:
    """Replace the parts after the first; True if that changed them."""
    if parts_of(conn, post_id) == tuple(parts):
        return False
    conn.execute("DELETE FROM post_parts WHERE post_id = ?", (post_id,))
    conn.executemany("INSERT INTO post_parts (post_id, part, body) VALUES (?, ?, ?)",
                     [(post_id, number, body) for number, body in enumerate(parts, 2)])
    return True


def refusals(outlet_apis: Mapping[str, str], outlets: Sequence[str], parts: Sequence[str],
             poll: Poll | None, conn: sqlite3.Connection | None = None) -> list[str]:
    """What the outlets cannot publish of a thread or poll, each naming the outlet; with
    `conn`, a poll is checked against each server's own limits where it has said them."""
    from inmm_tui.domain.polls import refusal, server_rules

    found = []
    for outlet in outlets:
        api = outlet_apis[outlet]
        if parts and not for_api(api).threads:
            found.append(f"{outlet}: {for_api(api).label} cannot publish a thread (its posts "
                         "cannot answer one another); take it off the post or make it one part")
        server = server_rules(conn, outlet) if conn is not None and poll else None
        if poll is not None and (why := refusal(poll, outlet, api, server)):
            found.append(f"{outlet}: {why}")
    return found


def signed_parts(post: Post, signed: Mapping[str, str], sign: Any) -> dict[str, list[str]]:
    """Outlet → every part's text as published, part 1 first (`signed` holds part 1's;
    `sign(body)` signs another part)."""
    rest = [sign(body) for body in post.parts]
    return {outlet: [first, *rest] for outlet, first in signed.items()}


def hashed_parts(parts: Mapping[str, Sequence[str]]) -> dict[str, list[str]] | None:
    """What the clearance hash adds for a thread: each outlet's parts' hashes, in order;
    None for a post of one part (its hash stays what it always was)."""
    from inmm_tui.domain.posts import content_hash

    if not any(len(texts) > 1 for texts in parts.values()):
        return None
    return {outlet: [content_hash(text) for text in texts]
            for outlet, texts in sorted(parts.items())}


def digest_of_deliveries(conn: sqlite3.Connection, post_id: int, cleared_at: str) -> str:
    """The clearance digest recomputed from the post's deliveries as they are queued (and
    its poll, files and share as stored), for comparison with the one recorded at
    clearance."""
    from inmm_tui.domain import shares
    from inmm_tui.domain.media import clearance_items
    from inmm_tui.domain.posts import clearance_digest

    rows = conn.execute(
        "SELECT outlet, part, text, in_reply_to FROM deliveries WHERE post_id = ?"
        " ORDER BY outlet, part", (post_id,)).fetchall()
    texts = {outlet: text for outlet, part, text, _ in rows if part == 1}
    replies = {outlet: link for outlet, part, _, link in rows if part == 1}
    parts: dict[str, list[str]] = {}
    for outlet, _, text, _ in rows:
        parts.setdefault(outlet, []).append(text)
    return clearance_digest(texts, cleared_at, replies, clearance_items(conn, post_id),
                            shares.digest_part(conn, post_id, texts), parts=parts,
                            poll=poll_of(conn, post_id))


def screen_extras(screen_texts: Any, sign: Any, post: Post,
                  signed: Mapping[str, list[str]], first: ScreenOutcome) -> ScreenOutcome:
    """`first` (part 1 on each outlet) with the screening of the other parts and of the
    poll's options added; each finding names the part or the poll. A topic finding is
    about the whole post and is already among part 1's (with the same severity, so the
    verdict is the same without it)."""
    from inmm_tui.domain.posts import ScreenOutcome

    ranks = {"pass": 0, "warn": 1, "block": 2}
    verdict, findings = first.verdict, list(first.findings)
    extra: list[tuple[str, dict[str, str]]] = [
        (f"part {number}", {outlet: texts[number - 1] for outlet, texts in signed.items()})
        for number in range(2, len(post.parts) + 2)]
    if post.poll is not None:
        # The options are read as the platform shows them, a call to vote signed as the
        # post is; their length is the poll's rule, checked on submitting.
        options = sign("Vote: " + " / ".join(post.poll.options))
        extra.append(("poll options", {outlet: options for outlet in signed}))
    for name, texts in extra:
        outcome = screen_texts(texts)
        findings += [{**f, "outlet": f"{f.get('outlet')}, {name}", "text": texts[f["outlet"]]}
                     for f in outcome.findings if f.get("category") != "topic"]
        verdict = max(verdict, outcome.verdict, key=ranks.__getitem__)
    return ScreenOutcome(verdict, findings)
