"""What the follow review and the moderation screens read (R11, R12, R13-R16): the
followed accounts one page at a time, and the state of a moderation item's evidence.
Reading only; the person must be allowed to view.

The followed list can hold a million accounts, and the first sync of an account stamps
every follow already in place with the same `followed_at`: an OFFSET or an order the
index does not give would sort them all for each page. Pages are read by key instead,
newest first on `following_newest (outlet, followed_at)`, whose rows end with the
primary key's `user_id`: each page is a short walk down the index from the last row seen.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from inmm_tui.domain import evidence
from inmm_tui.domain.follows import Followed
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action

PageKey = tuple[str, str]
"""(followed_at, user_id) of a page's last row: where the next page starts."""


@dataclass(frozen=True)
class FollowedPage:
    rows: list[Followed]
    next_key: PageKey | None
    """Where the following page starts; None on the last page."""


def followed_page(conn: sqlite3.Connection, login: str, outlet: str, *,
                  after: PageKey | None = None, limit: int = 100) -> FollowedPage:
    """One page of the accounts `outlet` follows, newest first, starting after `after`."""
    authorise(conn, login, Action.VIEW)
    where = "g.outlet = ? AND g.unfollowed_at IS NULL AND g.blocked_at IS NULL"
    params: list[object] = [outlet]
    if after is not None:
        where += " AND (g.followed_at, g.user_id) < (?, ?)"
        params.extend(after)
    rows = conn.execute(
        "SELECT g.outlet, g.user_id, g.handle, g.name, g.reason, g.followed_at, g.followed_by,"
        " g.reviewed_at, g.reviewed_by, g.pending_action, g.action_error,"
        " EXISTS (SELECT 1 FROM followers f WHERE f.outlet = g.outlet"
        "   AND f.user_id = g.user_id AND f.gone_at IS NULL), g.note"
        f" FROM following g INDEXED BY following_newest WHERE {where}"
        " ORDER BY g.followed_at DESC, g.user_id DESC LIMIT ?",
        (*params, limit + 1)).fetchall()
    # One star: mypy counts `*row[:11], x` as too many arguments (python/mypy#16677).
    page = [Followed(*(*row[:11], bool(row[11]), row[12])) for row in rows[:limit]]
    more = len(rows) > limit
    return FollowedPage(page, (page[-1].followed_at, page[-1].user_id) if more else None)


@dataclass(frozen=True)
class EvidenceView:
    id: int
    sha256: str
    captured_at: str
    legal_hold: bool
    legal_hold_by: str | None
    legal_hold_reason: str | None
    purged_at: str | None
    check: evidence.EvidenceCheck
    """Recomputed now: a failed check means the record was changed after capture."""


def evidence_view(conn: sqlite3.Connection, login: str, evidence_id: int) -> EvidenceView | None:
    """The evidence with its hash verified now; None when there is no such evidence."""
    authorise(conn, login, Action.VIEW)
    row = conn.execute(
        "SELECT id, sha256, captured_at, legal_hold, legal_hold_by, legal_hold_reason,"
        " purged_at FROM evidence WHERE id = ?", (evidence_id,)).fetchone()
    if row is None:
        return None
    return EvidenceView(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6],
                        evidence.verify(conn, evidence_id))
