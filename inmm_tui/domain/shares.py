"""Shares: reposting another account's post, or quoting it with our own text (issue 17;
the policy's "retweets of useful content tweeted by others").

A share is speech under INMM's name, so it goes the way of every post: a draft (its body
is the quote, empty for a plain repost), screened, cleared by a second person, published
by the daemon exactly once, audited. What it shares is fetched by the daemon, never by
the UI (which holds no platform token): people give the post's address, the share waits
in `resolving` until the daemon has read the original through the outlets' clients and
recorded its author, text and date here; the UI and the command line show that record.
The original's text is screened with the outgoing rules, shown to the clearer beside ours,
and covered by the clearance hash together with the original's id on each outlet, so that
a share pointed elsewhere (or an original that reads differently) needs clearing again.

Per outlet a share goes one of three ways:

- `repost`: no text of ours, and the original is on that outlet's platform (an X repost,
  a Mastodon boost, a Bluesky repost);
- `quote`: our text with the original embedded (X's `quote_tweet_id`, a Mastodon quote
  where the server and the post's quote policy allow it, a Bluesky record embed);
- `link`: our text with the original's address at the end, where it cannot be quoted
  natively (another platform's post, a Mastodon server without quote posts, LinkedIn).

A repost cannot go to an outlet where the original is not: submitting says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import audit
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised, NotFound
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action, allowed
from inmm_tui.outside_text import describe, forbidden_character, where
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.domain.deletions import Deletion
    from inmm_tui.domain.posts import Posts, ScreenOutcome

REPOST, QUOTE, LINK = "repost", "quote", "link"
MAX_URL = 2000
ADDRESS = re.compile(r"^(https?://[^\s/]+/\S+|at://\S+)$")
"""What people may give as the post to share: a web address of a post, or an at:// URI."""
MAX_NOTE = 500
NOT_THEIRS = frozenset({"length", "signature"})
"""Screening categories about how we write a post, which another's post cannot meet."""


@dataclass(frozen=True)
class Original:
    """The shared post as the daemon fetched it (text not ours: show it as outside text)."""

    url: str
    author_handle: str
    author_name: str
    text: str
    created_at: dt.datetime | None


@dataclass(frozen=True)
class Share:
    post_id: int
    url: str
    """The address people gave."""
    state: str
    """`resolving` (the daemon has not read it yet), `resolved`, `unresolvable` (no outlet
    reads this address), `gone` (deleted upstream) or `changed` (edited upstream after it
    was cleared)."""
    original: Original | None
    note: str | None
    """Why it is unresolvable or gone, or what could not be done on some outlet."""
    targets: dict[str, tuple[str, bool]] = field(default_factory=dict)
    """Outlet → (the original's id on its platform, whether it can be quoted natively)."""

    def way(self, outlet: str, text: str) -> str | None:
        """How it goes to `outlet` with our `text` there: REPOST, QUOTE or LINK; None when
        it cannot (a repost to an outlet whose platform does not have the original)."""
        target = self.targets.get(outlet)
        if not text.strip():
            return REPOST if target else None
        return QUOTE if target and target[1] else LINK


def of_post(conn: sqlite3.Connection, post_id: int) -> Share | None:
    """The share a post is, or None for a plain post."""
    row = conn.execute(
        "SELECT url, state, original_url, author_handle, author_name, original_text,"
        " original_created_at, note FROM shares WHERE post_id = ?", (post_id,)).fetchone()
    if row is None:
        return None
    url, state, original_url, handle, name, text, created, note = row
    original = None
    if state != "resolving" and text is not None:
        original = Original(original_url or url, handle or "", name or "", text,
                            dt.datetime.fromisoformat(created) if created else None)
    targets = {outlet: (platform_id, bool(quotable)) for outlet, platform_id, quotable in
               conn.execute("SELECT outlet, platform_id, quotable FROM share_targets"
                            " WHERE post_id = ? ORDER BY outlet", (post_id,))}
    return Share(post_id, url, state, original, note, targets)


def final_text(share: Share | None, outlet: str, body: str,
               signed: Callable[[str], str]) -> str:
    """An outlet's text as published: `signed(body)` for a plain post or a quote; nothing
    for a repost (it carries no text of ours, so no signature either); for a link, our
    text with the original's address before the signature."""
    if share is None:
        return signed(body)
    if not body.strip():
        return ""
    if share.way(outlet, body) == LINK:
        address = share.original.url if share.original else share.url
        return signed(f"{body.rstrip()}\n{address}")
    return signed(body)


def digest_part(conn: sqlite3.Connection, post_id: int,
                outlets: Iterable[str]) -> dict[str, Any] | None:
    """What the clearance hash covers of a share (None for a plain post, whose digest
    stays what it always was): the address, the original's id on each outlet it goes to,
    and the text that was screened and shown to the clearer."""
    share = of_post(conn, post_id)
    if share is None:
        return None
    wanted = set(outlets)
    text = share.original.text if share.original else ""
    return {"url": share.url,
            "of": {o: pid for o, (pid, _) in share.targets.items() if o in wanted},
            "screened": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def with_original_screened(outcome: ScreenOutcome, share: Share,
                           screen: Callable[[str, str], ScreenOutcome],
                           outlets: list[str]) -> ScreenOutcome:
    """`outcome` (our texts' screening) with the original's text screened by the same
    outgoing rules (`screen(text, outlet)`): what INMM repeats is held to what INMM says.
    Its findings are marked `shared post`; its length and its lack of our signature are
    not findings (`NOT_THEIRS`). The worst verdict of both wins."""
    from inmm_tui.domain.posts import ScreenOutcome

    if share.original is None or not outlets:
        return outcome
    verdicts = {"pass": 0, "warn": 1, "block": 2}
    theirs = screen(share.original.text, outlets[0])
    findings = [{**f, "outlet": "shared post"} for f in theirs.findings
                if f.get("category") not in NOT_THEIRS]
    worst = outcome.verdict
    if findings and verdicts[theirs.verdict] > verdicts[worst]:
        worst = theirs.verdict
    return ScreenOutcome(worst, [*outcome.findings, *findings])


def check_submittable(conn: sqlite3.Connection, post_id: int,
                      texts: Mapping[str, str]) -> None:
    """InvalidState (what to do) unless a share can be submitted: its original fetched,
    and each outlet able to carry it (`texts`: each outlet's own text or the body)."""
    share = of_post(conn, post_id)
    if share is None:
        return
    if share.state == "resolving":
        raise InvalidState(f"post #{post_id} shares {share.url}, which the daemon has not "
                           "fetched yet; submit it once its author and text are shown")
    if share.state != "resolved":
        raise InvalidState(f"post #{post_id} cannot be shared: {share.note or share.state}")
    cannot = sorted(outlet for outlet, text in texts.items() if share.way(outlet, text) is None)
    if cannot:
        raise InvalidState(
            f"post #{post_id} is a repost, and the original is not on {', '.join(cannot)}: "
            "take that outlet off, or add text of ours to quote it there with a link")
    for outlet, text in texts.items():
        if share.way(outlet, text) == REPOST:
            other = _reposted_by(conn, post_id, outlet, share.targets[outlet][0])
            if other is not None:
                raise InvalidState(f"post #{other} reposts this post on {outlet} already (a "
                                   "post is reposted once): withdraw one of them")


def _reposted_by(conn: sqlite3.Connection, post_id: int, outlet: str,
                 platform_id: str) -> int | None:
    """Another live post reposting `platform_id` on `outlet` (not undone), if any."""
    for (other,) in conn.execute(
            "SELECT t.post_id FROM share_targets t JOIN posts p ON p.id = t.post_id"
            " WHERE t.outlet = ? AND t.platform_id = ? AND t.post_id != ? AND p.status IN"
            " ('submitted', 'cleared', 'scheduled', 'published') AND NOT EXISTS (SELECT 1"
            " FROM deliveries d JOIN deletions x ON x.delivery_id = d.id WHERE d.post_id ="
            " t.post_id AND d.outlet = t.outlet AND x.state = 'deleted')",
            (outlet, platform_id, post_id)).fetchall():
        row = conn.execute("SELECT coalesce(o.text, p.body) FROM posts p JOIN post_outlets o"
                           " ON o.post_id = p.id WHERE p.id = ? AND o.outlet = ?",
                           (other, outlet)).fetchone()
        if row is not None and not row[0].strip():
            return int(other)
    return None


def delivery_share(conn: sqlite3.Connection, post_id: int, outlet: str,
                   text: str) -> tuple[str, str] | None:
    """For the daemon: (REPOST or QUOTE, the original's platform id) when the delivery is a
    native repost or quote; None for a plain post or a link (an ordinary post)."""
    share = of_post(conn, post_id)
    if share is None or outlet not in share.targets:
        return None
    way = share.way(outlet, text)
    return (way, share.targets[outlet][0]) if way in (REPOST, QUOTE) else None


def repost_of_delivery(conn: sqlite3.Connection, delivery_id: int) -> str | None:
    """The original's platform id when the delivery went out as a repost (undoing it is
    an un-repost, not a delete); None otherwise."""
    row = conn.execute("SELECT post_id, outlet, text FROM deliveries WHERE id = ?",
                       (delivery_id,)).fetchone()
    if row is None:
        return None
    found = delivery_share(conn, row[0], row[1], row[2])
    return found[1] if found and found[0] == REPOST else None


def shared_text(conn: sqlite3.Connection, post_id: int) -> str | None:
    """The original's text as it was read, screened and cleared (None: not read)."""
    row = conn.execute("SELECT original_text FROM shares WHERE post_id = ?",
                       (post_id,)).fetchone()
    return row[0] if row else None


def record_gone(conn: sqlite3.Connection, post_id: int, outlet: str, message: str,
                now: dt.datetime, *, changed: bool = False) -> None:
    """The daemon found the original deleted upstream (or, `changed`, saying something
    else than what was cleared) as it was to publish: the share is `gone` (`changed`),
    shown with the reason, and HQ is alerted. Call inside a write transaction."""
    from inmm_tui.domain.reminders import raise_alert

    state = "changed" if changed else "gone"
    what = "changed upstream since it was cleared" if changed else "deleted upstream"
    note = f"the shared post was {what}, before publication ({outlet}: {message})"
    conn.execute("UPDATE shares SET state = ?, note = ? WHERE post_id = ?",
                 (state, note[:MAX_NOTE], post_id))
    audit.append(conn, audit.DAEMON, f"share.{state}", f"post:{post_id}",
                 {"outlet": outlet, "error": message[:MAX_NOTE]}, at=now)
    raise_alert(conn, f"shared_post_{state}", f"post:{post_id}",
                f"post #{post_id}: {note}; it was not published there and will not be "
                "retried: withdraw it, or share it anew", now)


def check_address(url: str) -> str:
    """The address, trimmed; InvalidInput saying what is wrong otherwise."""
    url = url.strip()
    if not url:
        raise InvalidInput("give the address of the post to share (for example "
                           "https://x.com/ANS_org/status/1234567890)")
    found = forbidden_character(url)
    if found is not None:
        raise InvalidInput(f"the address holds {describe(found[1])} at {where(url, found[0])}")
    if len(url) > MAX_URL or not ADDRESS.match(url):
        raise InvalidInput(f"{url[:80]!r} is not the address of a post: paste the post's "
                           "web address (https://...) or its at:// URI")
    return url


class Shares(DomainService):
    """Making, repointing and undoing shares; permissions checked here."""

    def __init__(self, db: Database, posts: Posts, *, clock: Clock = utcnow):
        self.db = db
        self.posts = posts
        self.clock = clock

    def get(self, post_id: int) -> Share | None:
        return of_post(self.conn, post_id)

    def request(self, actor: str, url: str, *, quote: str = "",
                outlets: list[str] | None = None, topic: str = "",
                **draft: Any) -> int:
        """A draft sharing the post at `url` (quoting it with `quote`, or a plain repost
        when empty). The daemon then fetches the original. `draft`: the rest of
        `Posts.create_draft`'s fields (announcement, event_id, scheduled_at). Returns the
        post id."""
        url = check_address(url)
        self._authorised(actor, "share a post", "post")
        with write(self.db):
            post_id = self.posts.create_draft(actor, quote, outlets=outlets, topic=topic,
                                              **draft)
            self.conn.execute("INSERT INTO shares (post_id, url, requested_at) VALUES (?, ?, ?)",
                              (post_id, url, to_db(self.clock())))
            audit.append(self.conn, actor, "share.request", f"post:{post_id}",
                         {"url": url, "quote": bool(quote.strip())}, at=self.clock())
        return post_id

    def repoint(self, actor: str, post_id: int, url: str) -> None:
        """Share another post instead: fetched again, and cleared again if it was. A draft
        that shares nothing yet becomes a share of `url`."""
        url = check_address(url)
        self._authorised(actor, f"change what post #{post_id} shares", f"post:{post_id}",
                         post_id=post_id)
        with write(self.db):
            post = self.posts.get(post_id)
            share = of_post(self.conn, post_id)
            if share is None:
                if post.author != actor or post.status not in ("draft", "rejected"):
                    raise InvalidState(f"post #{post_id} is not a share; only its author's "
                                       "draft can become one")
                self.conn.execute("INSERT INTO shares (post_id, url, requested_at)"
                                  " VALUES (?, ?, ?)", (post_id, url, to_db(self.clock())))
                audit.append(self.conn, actor, "share.request", f"post:{post_id}",
                             {"url": url, "quote": bool(post.body.strip())}, at=self.clock())
                return
            if post.status not in ("draft", "submitted", "rejected", "cleared", "scheduled"):
                raise InvalidState(f"post #{post_id} is {post.status}; share the post anew")
            if self.conn.execute("SELECT count(*) FROM deliveries WHERE post_id = ? AND state"
                                 " IN ('sending', 'sent')", (post_id,)).fetchone()[0]:
                raise InvalidState(f"post #{post_id} has already gone out on an outlet")
            if url == share.url:
                return
            self.conn.execute("DELETE FROM share_targets WHERE post_id = ?", (post_id,))
            self.conn.execute(
                "UPDATE shares SET url = ?, state = 'resolving', original_url = NULL,"
                " author_handle = NULL, author_name = NULL, original_text = NULL,"
                " original_created_at = NULL, note = NULL, resolved_at = NULL,"
                " requested_at = ? WHERE post_id = ?", (url, to_db(self.clock()), post_id))
            details: dict[str, Any] = {"url": url, "was": share.url}
            if post.status in ("submitted", "cleared", "scheduled"):
                # What was screened and cleared is not what will be shared: start again.
                self.conn.execute(
                    "DELETE FROM deliveries WHERE post_id = ? AND state IN"
                    " ('pending', 'held', 'failed', 'withdrawn')", (post_id,))
                self.conn.execute(
                    "UPDATE posts SET status = 'draft', cleared_by = NULL, cleared_at = NULL,"
                    " clearance_hash = NULL, updated_at = ? WHERE id = ?",
                    (to_db(self.clock()), post_id))
                details["clearance"] = "withdrawn: the shared post changed"
            audit.append(self.conn, actor, "share.repoint", f"post:{post_id}", details,
                         at=self.clock())

    def undo(self, actor: str, post_id: int, reason: str,
             outlets: Iterable[str] | None = None) -> list[Deletion]:
        """Take a published share back (un-repost, or delete our quote) on `outlets` (None:
        every one it went out on), with a reason; the daemon performs it. The same right
        as deleting a published post, checked and any refusal recorded."""
        from inmm_tui.domain.deletions import authorise_deletion, request_in

        authorise_deletion(self.db, actor, post_id, self.clock)
        if not reason.strip():
            raise InvalidInput("say why the share is undone: the reason is kept in the "
                               "audit log and shown on the post")
        with write(self.db):
            if of_post(self.conn, post_id) is None:
                raise NotFound(f"post #{post_id} is not a share")
            done = request_in(self.conn, actor, post_id, outlets, reason.strip(),
                              self.clock())
            audit.append(self.conn, actor, "share.undo", f"post:{post_id}",
                         {"outlets": sorted(d.outlet for d in done), "reason": reason.strip()},
                         at=self.clock())
        return done

    def _authorised(self, actor: str, what: str, subject: str,
                    post_id: int | None = None) -> None:
        """NotAuthorised, and the refusal recorded (kept although the action is not done),
        unless `actor` may compose, and for `post_id` is its author or may clear."""
        try:
            person = authorise(self.conn, actor, Action.COMPOSE)
            if post_id is not None:
                author = self.conn.execute("SELECT author FROM posts WHERE id = ?",
                                           (post_id,)).fetchone()
                if author is None:
                    raise NotFound(f"there is no post #{post_id}")
                if author[0] != actor and not allowed(person.role, Action.CLEAR):
                    raise NotAuthorised(f"only the author or an account manager may change "
                                        f"post #{post_id}")
        except NotAuthorised as refusal:
            if refusal.refused_login is not None:  # not on the roster: kept apart
                from inmm_tui.domain.governance import record_refusal

                record_refusal(self.db, actor, what, self.clock())
            else:
                with write(self.db):
                    audit.append(self.conn, actor, "share.refused", subject,
                                 {"attempt": what, "refusal": str(refusal)}, at=self.clock())
            raise

    # ----- what the daemon reads and records ---------------------------------------------

    def resolving(self, limit: int = 20) -> list[tuple[int, str, list[str]]]:
        """(post id, address, the post's outlets) of the shares waiting to be fetched."""
        rows = self.conn.execute(
            "SELECT post_id, url FROM shares WHERE state = 'resolving'"
            " ORDER BY requested_at, post_id LIMIT ?", (limit,)).fetchall()
        return [(post_id, url, [o for (o,) in self.conn.execute(
            "SELECT outlet FROM post_outlets WHERE post_id = ? ORDER BY outlet", (post_id,))])
            for post_id, url in rows]

    def record_resolved(self, post_id: int, url: str, original: Original,
                        targets: Mapping[str, tuple[str, bool]], note: str = "") -> bool:
        """The daemon read the original at `url`. False (nothing written) when the share
        was repointed meanwhile."""
        now = self.clock()
        with write(self.db):
            updated = self.conn.execute(
                "UPDATE shares SET state = 'resolved', original_url = ?, author_handle = ?,"
                " author_name = ?, original_text = ?, original_created_at = ?, note = ?,"
                " resolved_at = ? WHERE post_id = ? AND url = ? AND state = 'resolving'",
                (original.url, original.author_handle, original.author_name, original.text,
                 original.created_at.isoformat() if original.created_at else None,
                 note[:MAX_NOTE] or None, to_db(now), post_id, url)).rowcount
            if not updated:
                return False
            for outlet, (platform_id, quotable) in targets.items():
                self.conn.execute("INSERT INTO share_targets (post_id, outlet, platform_id,"
                                  " quotable) VALUES (?, ?, ?, ?)",
                                  (post_id, outlet, platform_id, int(quotable)))
            audit.append(self.conn, audit.DAEMON, "share.resolved", f"post:{post_id}",
                         {"url": url, "author": original.author_handle,
                          "on": {o: t[0] for o, t in sorted(targets.items())}}, at=now)
        return True

    def record_unresolved(self, post_id: int, url: str, state: str, reason: str) -> None:
        """The original could not be read: `unresolvable` or `gone`, with the reason."""
        if state not in ("unresolvable", "gone"):
            raise ValueError(f"not an unresolved state: {state}")
        now = self.clock()
        with write(self.db):
            updated = self.conn.execute(
                "UPDATE shares SET state = ?, note = ?, resolved_at = ? WHERE post_id = ?"
                " AND url = ? AND state = 'resolving'",
                (state, reason[:MAX_NOTE], to_db(now), post_id, url)).rowcount
            if updated:
                audit.append(self.conn, audit.DAEMON, f"share.{state}", f"post:{post_id}",
                             {"url": url, "reason": reason[:MAX_NOTE]}, at=now)
