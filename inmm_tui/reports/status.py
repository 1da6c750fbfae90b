"""`inmm-tui --report`: a quick status for people and monitoring, without the UI.

What administrators and monitoring run most often, so it reads the database directly
with `sqlite3` (no sqlite-utils, no Textual, no platform client) and only migrates
through `store.db.open_connection` when the file is older than the code.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from inmm_tui.config import Config
from inmm_tui.domain import audit, duties, notify, witness
from inmm_tui.reports import forwarding
from inmm_tui.store.db import is_current, open_connection
from inmm_tui.store.errors import BUSY_TIMEOUT_SECONDS, DatabaseError, uri
from inmm_tui.timeutil import from_db, to_db, utcnow
from inmm_tui.wording import count

FAILED_LISTED = 10
QUICK_CHECK_MOST = 2_000
"""Audit entries `--report` re-hashes at most (≈ 10 ms): beyond it the log is reported not
verified rather than paid for (all 500,000 of a five-year log cost ≈ 80 times the report)."""


def gather(config: Config, now: dt.datetime | None = None) -> dict[str, Any]:
    """The status as one dictionary (what `--json` prints)."""
    now = now or utcnow()
    path = config.database_path
    status: dict[str, Any] = {
        "configuration": config.source,
        "database": str(path),
        "generated_at": _local(now, config),
        "attention": [],
    }
    if path.is_dir():
        raise DatabaseError(f"{path}: is a folder, not a database file; check [inmm] database "
                            "in the configuration")
    if not path.exists():
        status["initialised"] = False
        status["attention"].append(
            f"no database at {path}: run `inmm-tui init` first (it makes you the first "
            "HQ administrator)")
        status["healthy"] = False
        return status
    conn = _open_for_reading(path)
    try:
        _fill(conn, config, now, status)
    finally:
        conn.close()
    status["healthy"] = not status["attention"]
    return status


def _open_for_reading(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(uri(path), uri=True, timeout=BUSY_TIMEOUT_SECONDS,
                           isolation_level=None)
    if not is_current(conn):
        conn.close()
        open_connection(path).close()  # slow path: the file needs migrating
        conn = sqlite3.connect(uri(path), uri=True, timeout=BUSY_TIMEOUT_SECONDS,
                               isolation_level=None)
    return conn


def _fill(conn: sqlite3.Connection, config: Config, now: dt.datetime,
          status: dict[str, Any]) -> None:
    attention: list[str] = status["attention"]
    status["initialised"] = True
    conn.execute("BEGIN")  # one consistent snapshot for every figure below
    try:
        # Kept by triggers (schema m008_perf16b_figures): counting the rows would cost
        # --report time in proportion to the history.
        posts = dict(conn.execute("SELECT state, n FROM state_counts WHERE tbl = 'posts'"))
        status["posts"] = {state: posts.get(state, 0) for state in (
            "draft", "submitted", "cleared", "scheduled", "published", "rejected", "withdrawn")}
        deliveries = dict(conn.execute(
            "SELECT state, n FROM state_counts WHERE tbl = 'deliveries'"))
        status["deliveries"] = {state: deliveries.get(state, 0) for state in (
            "pending", "sending", "sent", "failed", "held", "withdrawn")}
        row = conn.execute(
            "SELECT d.post_id, d.outlet, d.due_at FROM deliveries d"
            " WHERE d.state = 'pending' ORDER BY d.due_at LIMIT 1").fetchone()
        status["next_scheduled"] = (
            {"post": row[0], "outlet": row[1], "due_at": _local(from_db(row[2]), config)}
            if row else None)
        failed = conn.execute(
            "SELECT d.post_id, d.outlet, d.attempts, d.last_error FROM deliveries d"
            " WHERE d.state = 'failed' ORDER BY d.due_at LIMIT ?", (FAILED_LISTED,)).fetchall()
        status["failed"] = [
            {"post": p, "outlet": o, "attempts": a, "error": e or ""} for p, o, a, e in failed]
        if status["deliveries"]["failed"]:
            attention.append(f"{count(status['deliveries']['failed'], 'delivery', 'deliveries')} "
                             "failed")
        if status["deliveries"]["held"]:
            attention.append(
                f"{count(status['deliveries']['held'], 'delivery', 'deliveries')} held for "
                "being late: publish now or withdraw")
        status["partly_published"] = duties.partly_published(conn)
        _shares(conn, now, status)
        status["notifications_failing"] = [
            {"channel": c, "to": t, "attempts": a, "error": e} for c, t, a, e in notify.failing(conn)]
        attention.extend(f"notification by {n['channel']} to {n['to']} not delivered after "
                         f"{count(n['attempts'], 'attempt')} (retrying): {n['error']}"
                         for n in status["notifications_failing"][:FAILED_LISTED])
        paused = conn.execute(
            "SELECT value, changed_by, changed_at FROM settings WHERE key = 'publishing_paused'"
        ).fetchone()
        status["publishing_paused"] = bool(paused and paused[0] == "1")
        if status["publishing_paused"]:
            attention.append(f"publishing is paused (by {paused[1]})")
        crisis = conn.execute(
            "SELECT name, hashtag FROM events WHERE kind = 'crisis' AND active = 1"
            " ORDER BY id DESC LIMIT 1").fetchone()
        status["crisis"] = {"name": crisis[0], "hashtag": crisis[1]} if crisis else None
        status["moderation_open"] = conn.execute(
            "SELECT count(*) FROM moderation_items WHERE status IN ('open', 'forwarded')"
        ).fetchone()[0]
        month = forwarding.previous_month(now.astimezone(config.tz).date()).strftime("%Y-%m")
        written = forwarding.pending(conn, month)
        status["report_not_forwarded"] = (
            {"month": month, "written_at": _local(from_db(written), config)} if written else None)
        if written:
            # A duty still open, as a reminder due is: the policy reports "through the
            # Communications Chair to the Executive Committee".
            attention.append(f"the {month} monthly report is not recorded as forwarded to the "
                             f"Executive Committee: the Communications Committee Chair records "
                             f"it with `inmm-tui report forwarded {month}` (or key f in Metrics)")
        reminders = conn.execute(
            "SELECT kind, subject, message, due_at FROM reminders"
            " WHERE done_at IS NULL AND due_at <= ? ORDER BY due_at", (to_db(now),)).fetchall()
        status["reminders_due"] = [
            {"kind": k, "subject": s, "message": m, "due_at": _local(from_db(d), config)}
            for k, s, m, d in reminders]
        attention.extend(f"reminder: {m}" for kind, _, m, _ in reminders
                         if kind not in ("rotation", "policy_review", "roster_review"))
        alerts = conn.execute(
            "SELECT kind, subject, message, raised_at FROM alerts WHERE acknowledged_at IS NULL"
            " ORDER BY raised_at").fetchall()
        status["alerts"] = [
            {"kind": k, "subject": s, "message": m, "raised_at": _local(from_db(r), config)}
            for k, s, m, r in alerts]
        attention.extend(f"alert: {m}" for _, _, m, _ in alerts)
        rotations = duties.rotation_status(conn, config, now)
        status["rotations_due"] = [
            {"outlet": r.outlet, "why": "; ".join(r.reasons), "awaiting_check": r.awaiting_check,
             "last_verified": _local(r.last_verified, config) if r.last_verified else None}
            for r in rotations if r.due]
        attention.extend(
            f"credentials of {r['outlet']} due for rotation: {r['why']}"
            + (" (a rotation awaits the daemon's check)" if r["awaiting_check"] else "")
            for r in status["rotations_due"])
        review = duties.review_status(conn, config, now)
        status["roster_review"] = None if review is None else {
            "meeting": review.meeting.isoformat(), "open": review.open,
            "overdue": review.overdue, "reviewed": len(review.reviewed),
            "pending": review.pending}
        if review and review.overdue:
            attention.append(f"the roster review for the EC meeting of "
                             f"{review.meeting.isoformat()} is overdue "
                             f"({count(len(review.pending), 'person', 'people')} not reviewed)")
        policy = duties.policy_review(config, now)
        status["policy_review"] = {"due_on": policy.due_on.isoformat(), "state": policy.state}
        if policy.state == "overdue":
            attention.append(f"the Social Media Policy was due for review on "
                             f"{policy.due_on.isoformat()}")
        status["spoof_suspects_new"] = conn.execute(
            "SELECT count(*) FROM spoof_suspects WHERE status = 'new'").fetchone()[0]
        if status["spoof_suspects_new"]:
            attention.append(f"{count(status['spoof_suspects_new'], 'possible spoof account')} "
                             "to look at")
        people = conn.execute(
            "SELECT count(*), coalesce(sum(active), 0) FROM people").fetchone()
        status["roster"] = {"people": people[0], "active": people[1]}
        heartbeat = conn.execute("SELECT at, pid FROM heartbeat WHERE name = 'daemon'").fetchone()
        failing = conn.execute(
            "SELECT name, last_run_at, coalesce(last_error, '') FROM daemon_jobs"
            " WHERE last_ok = 0 ORDER BY name").fetchall()
        status["daemon_jobs_failing"] = [
            {"job": n, "at": _local(from_db(a), config), "error": e}
            for n, a, e in failing]
        attention.extend(f"the daemon's {n} job failed on its last run" for n, _, _ in failing)
    finally:
        conn.execute("COMMIT")
    if heartbeat:
        age = (now - from_db(heartbeat[0])).total_seconds()
        status["daemon"] = {"last_heartbeat": _local(from_db(heartbeat[0]), config),
                            "age_seconds": round(age), "pid": heartbeat[1]}
        if age > config.daemon.heartbeat_stale_seconds:
            attention.append(f"the daemon's last heartbeat is {_age(age)} old")
    else:
        status["daemon"] = None
        attention.append("the daemon has never run on this database")
    check = audit.verify(conn, since_checkpoint=True, most=QUICK_CHECK_MOST)
    anchoring = witness.status(conn, config.audit_witness_path)
    audit_alerts = sum(1 for alert in status["alerts"] if alert["kind"] in audit.ALERT_KINDS)
    standing = list(anchoring.witness.problems) if anchoring.witness else []
    status["audit"] = {"ok": check.ok and not anchoring.attention and not audit_alerts,
                       # None: not known, the entries since the last full check were
                       # too many to re-hash here
                       "chain_ok": None if check.unchecked else check.ok,
                       "unverified": check.unchecked,
                       "entries": check.total, "rehashed": check.checked,
                       "from_seq": check.from_seq, "broken_at": check.broken_seq,
                       "problem": check.problem, "anchored": anchoring.anchored,
                       "witness": anchoring.message, "witness_problems": standing,
                       "alerts_open": audit_alerts}
    if not check.ok:
        attention.append(check.describe())
    if anchoring.configured and not anchoring.anchored:
        attention.append(f"audit log {anchoring.message}")
    if standing:
        attention.append(f"the daemon's last audit check found {count(len(standing), 'problem')} "
                         "(`inmm-tui audit verify` lists them)")


SHARE_WAIT = dt.timedelta(minutes=10)
"""A share the daemon has not read for this long needs attention (is the daemon running?)."""


def _shares(conn: sqlite3.Connection, now: dt.datetime, status: dict[str, Any]) -> None:
    """Shares by state, those that cannot go out (deleted upstream, or no outlet reads
    them) while their post is still live, and those waiting too long to be read."""
    states = dict(conn.execute("SELECT state, count(*) FROM shares GROUP BY state"))
    status["shares"] = {state: states.get(state, 0)
                        for state in ("resolving", "resolved", "unresolvable", "gone",
                                      "changed")}
    blocked = conn.execute(
        "SELECT s.post_id, s.state, coalesce(s.note, '') FROM shares s JOIN posts p"
        " ON p.id = s.post_id WHERE s.state IN ('gone', 'changed', 'unresolvable')"
        " AND p.status NOT IN ('published', 'withdrawn') ORDER BY s.post_id LIMIT ?",
        (FAILED_LISTED,)).fetchall()
    status["shares_blocked"] = [{"post": p, "state": st, "why": note}
                                for p, st, note in blocked]
    waiting = conn.execute("SELECT count(*) FROM shares WHERE state = 'resolving'"
                           " AND requested_at < ?", (to_db(now - SHARE_WAIT),)).fetchone()[0]
    if waiting:
        status["attention"].append(
            f"{count(waiting, 'share')} not read by the daemon for over 10 minutes (is it "
            "running?)")


def _local(moment: dt.datetime, config: Config) -> str:
    """A moment as people there read it: in the configured zone, to the second."""
    return moment.astimezone(config.tz).isoformat(timespec="seconds")


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 7200:
        return f"{int(seconds // 60)} min"
    if seconds < 172800:
        return f"{int(seconds // 3600)} h"
    return count(int(seconds // 86400), "day")


def _audit_line(audit_status: dict[str, Any]) -> str:
    """OK only when the chain verifies, matches its witness, and no audit alert is open."""
    if audit_status["unverified"]:
        return (f"audit chain: NOT VERIFIED: "
                f"{count(audit_status['unverified'], 'entry', 'entries')} since the last full "
                "check (`inmm-tui audit verify`)")
    if not audit_status["chain_ok"]:
        return (f"audit chain: BROKEN at entry #{audit_status['broken_at']}: "
                f"{audit_status['problem']}")
    if not audit_status["ok"]:
        why = []
        if audit_status["alerts_open"]:
            why.append(f"{count(audit_status['alerts_open'], 'audit alert')} open")
        if audit_status["witness_problems"]:
            why.append(f"{count(len(audit_status['witness_problems']), 'problem')} in the witness")
        if not why or not audit_status["anchored"]:
            why.append(audit_status["witness"])
        return "audit chain: NEEDS ATTENTION: " + "; ".join(why)
    return (f"audit chain: OK ({count(audit_status['entries'], 'entry', 'entries')}; "
            f"{audit_status['witness']})")


def render_text(status: dict[str, Any]) -> str:
    """The human form: short, the things needing attention first."""
    lines = [f"INMM social media status — {status['generated_at']}",
             f"configuration: {status['configuration']}",
             f"database: {status['database']}"]
    if not status.get("initialised"):
        lines.append("NOT INITIALISED")
    else:
        posts = status["posts"]
        lines.append("posts: " + ", ".join(f"{n} {state}" for state, n in posts.items() if n)
                     if any(posts.values()) else "posts: none yet")
        nxt = status["next_scheduled"]
        lines.append(f"next scheduled: post #{nxt['post']} on {nxt['outlet']} at {nxt['due_at']}"
                     if nxt else "next scheduled: nothing queued")
        for failed in status["failed"]:
            label = f"post #{failed['post']} on {failed['outlet']}"
            if failed["error"].startswith(f"{label}: "):  # the daemon's own words say it all
                lines.append(f"  {failed['error']}")
            else:
                lines.append(f"  failed: {label} after {count(failed['attempts'], 'attempt')}: "
                             f"{failed['error']}")
        for job in status.get("daemon_jobs_failing", []):
            lines.append(f"  daemon job {job['job']} failed at {job['at']}: {job['error']}")
        if status["partly_published"]:
            lines.append(f"partly published posts: {status['partly_published']}")
        shares = status["shares"]
        if any(shares.values()):
            lines.append("shares: " + ", ".join(f"{n} {state}" for state, n in shares.items()
                                                 if n))
        for share in status["shares_blocked"]:
            lines.append(f"  share #{share['post']} cannot go out ({share['state']}): "
                         f"{share['why']}")
        lines.append(f"publishing: {'PAUSED' if status['publishing_paused'] else 'running'}")
        if status["crisis"]:
            lines.append(f"CRISIS MODE: {status['crisis']['name']} {status['crisis']['hashtag']}")
        for rotation in status["rotations_due"]:
            lines.append(f"rotation due: {rotation['outlet']}: {rotation['why']}")
        review = status["roster_review"]
        if review:
            lines.append(f"roster review for the EC meeting of {review['meeting']}: "
                         f"{review['reviewed']} reviewed, {len(review['pending'])} pending"
                         + (" (OVERDUE)" if review["overdue"] else ""))
        policy = status["policy_review"]
        lines.append(f"policy review: due {policy['due_on']} ({policy['state']})")
        lines.append(f"moderation queue: {status['moderation_open']} open")
        unforwarded = status.get("report_not_forwarded")
        if unforwarded:
            lines.append(f"monthly report {unforwarded['month']}: written "
                         f"{unforwarded['written_at'][:10]}, not yet forwarded to the EC")
        lines.append(f"roster: {status['roster']['active']} active of "
                     f"{status['roster']['people']}")
        daemon = status["daemon"]
        lines.append(f"daemon: last heartbeat {_age(daemon['age_seconds'])} ago"
                     if daemon else "daemon: never ran")
        lines.append(_audit_line(status["audit"]))
    if status["attention"]:
        lines.append("")
        lines.append("Needs attention:")
        lines.extend(f"  - {item}" for item in status["attention"])
    else:
        lines.append("All well.")
    return "\n".join(lines)
