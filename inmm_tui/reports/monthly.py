"""The monthly summary (R22; policy "Handling Questionable Information": "a summary of all
social media activity will be documented monthly and reported through the Communications
Chair to the Executive Committee"), with the policy's metrics ("Objectives and Metrics").

`gather()` computes every figure as plain data (what the tests assert); `render_md()` and
`render_html()` lay it out. The HTML is one self-contained file: inline CSS and inline SVG
charts drawn by pygal with its external JavaScript turned off, so it opens offline and
can be forwarded as an attachment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import math
import re
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inmm_tui.domain import audit, metrics, private_messages
from inmm_tui.domain.errors import InvalidInput
from inmm_tui.reports.forwarding import previous_month  # noqa: F401 (its callers import it here)
from inmm_tui.store.tx import write
from inmm_tui.timeutil import UTC, to_db
from inmm_tui.wording import count

if TYPE_CHECKING:
    from inmm_tui.config import Config
    from inmm_tui.domain.services import Services

FORMATS = ("md", "html")
BEST_POSTS = 5
LISTED = 50
"""At most this many moderation items or roster changes are listed one by one."""


# ----- months -------------------------------------------------------------------------


def parse_month(text: str) -> dt.date:
    """`2027-03` → 2027-03-01; InvalidInput otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput(f"--month {text!r}: expected a month like 2027-03")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


# ----- the figures --------------------------------------------------------------------


def gather(conn: sqlite3.Connection, config: Config, month: dt.date,
           now: dt.datetime) -> dict[str, Any]:
    """Every figure of the report for `month` (local time of the configured zone).

    A month that has not begun is refused (InvalidInput): nothing of it is known. The
    month in progress is reported "so far", its figures up to `now`, and says so."""
    tz = config.tz
    end_month = next_month(month)
    start = dt.datetime.combine(month, dt.time(), tz).astimezone(UTC)
    end = dt.datetime.combine(end_month, dt.time(), tz).astimezone(UTC)
    if start > now:
        today = now.astimezone(tz).date()
        raise InvalidInput(
            f"month {month.strftime('%Y-%m')}: it has not begun yet (today is "
            f"{today.isoformat()} in {config.inmm.timezone}); a report covers a month that "
            "has ended, or the current one so far")
    as_of = min(end, now)
    in_progress = now < end
    s, e = to_db(start), to_db(end)
    report: dict[str, Any] = {
        "month": month.strftime("%Y-%m"),
        "title": f"INMM social media: monthly summary for {month.strftime('%B %Y')}"
                 + (" (so far)" if in_progress else ""),
        "in_progress": in_progress,
        "as_of": as_of.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "period": {"start": start.isoformat(), "end": end.isoformat(),
                   "first_day": month.isoformat(),
                   "last_day": (end_month - dt.timedelta(days=1)).isoformat(),
                   "timezone": config.inmm.timezone},
        "generated_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "outlets": [o.name for o in config.outlets],
    }
    own_snapshot = not conn.in_transaction
    if own_snapshot:
        conn.execute("BEGIN")  # one snapshot for every figure
    try:
        report["posts"] = _posts(conn, s, e)
        report["engagement"] = _engagement(conn, start, end)
        report["polls"] = _polls(conn, s, e)
        report["followers"] = _followers(conn, config, start, end, as_of)
        refs = metrics.referrals(conn, month, end_month)
        report["referrals"] = {"sessions": refs.sessions, "by_source": refs.by_source,
                               "by_campaign": refs.by_campaign,
                               "top_posts": refs.per_post[:BEST_POSTS],
                               "unattributed": refs.unattributed}
        per_year = metrics.events_covered_per_year(conn)
        report["events"] = {"covered": metrics.events_covered(conn, month, end_month),
                            "this_year": per_year.get(month.year, 0),
                            "per_year": {str(k): v for k, v in per_year.items()}}
        report["questions"] = _questions(conn, config, s, e, as_of)
        report["moderation"] = _moderation(conn, s, e)
        report["roster"] = _roster(conn, s, e)
        report["credentials"] = _credentials(conn, s, e)
        report["overdue"] = _overdue(conn, config, as_of, report)
    finally:
        if own_snapshot:
            conn.execute("COMMIT")
    return report


def _posts(conn: sqlite3.Connection, s: str, e: str) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT d.post_id, d.outlet, p.topic, p.crisis, p.reply_to_mention_id FROM deliveries d"
        " JOIN posts p ON p.id = d.post_id"
        " WHERE d.state = 'sent' AND d.sent_at >= ? AND d.sent_at < ?", (s, e)).fetchall()
    by_outlet: Counter[str] = Counter()
    by_topic: dict[str, set[int]] = defaultdict(set)
    grid: Counter[tuple[str, str]] = Counter()
    posts, crisis, replies = set(), set(), set()
    for post_id, outlet, topic, is_crisis, reply_to in rows:
        topic = topic or "(no topic)"
        posts.add(post_id)
        by_outlet[outlet] += 1
        by_topic[topic].add(post_id)
        grid[(outlet, topic)] += 1
        if is_crisis:
            crisis.add(post_id)
        if reply_to:
            replies.add(post_id)
    failed = conn.execute(
        "SELECT count(*) FROM deliveries WHERE state = 'failed' AND due_at >= ? AND due_at < ?",
        (s, e)).fetchone()[0]
    return {
        "published": len(posts),
        "deliveries": len(rows),
        "by_outlet": dict(sorted(by_outlet.items())),
        "by_topic": {t: len(ids) for t, ids in sorted(by_topic.items(), key=lambda kv: (-len(kv[1]), kv[0]))},
        "by_outlet_topic": [[o, t, n] for (o, t), n in sorted(grid.items())],
        "crisis": len(crisis),
        "replies": len(replies),
        "failed_deliveries": failed,
    }


def _polls(conn: sqlite3.Connection, s: str, e: str) -> list[dict[str, Any]]:
    """The month's polls with their results as last read (the metrics job)."""
    from inmm_tui.domain.polls import polls_published

    return [{"post": p.post_id, "outlet": p.outlet, "sent_at": p.sent_at,
             "options": list(p.options), "votes": list(p.votes) if p.votes is not None else None,
             "total": p.total, "closed": p.closed}
            for p in polls_published(conn, s, e)]


def _engagement(conn: sqlite3.Connection, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    items = metrics.engagement(conn, start, end)
    per_post: dict[int, dict[str, Any]] = {}
    totals = dict.fromkeys((*metrics.ENGAGEMENT_FIELDS, "impressions"), 0)
    for item in items:
        entry = per_post.setdefault(item.post_id, {
            "post": item.post_id, "topic": item.topic, "text": item.text, "outlets": {},
            "engagement": 0, **dict.fromkeys(metrics.ENGAGEMENT_FIELDS, 0), "impressions": None})
        entry["outlets"][item.outlet] = item.engagement
        entry["engagement"] += item.engagement
        for name in metrics.ENGAGEMENT_FIELDS:
            entry[name] += getattr(item, name)
            totals[name] += getattr(item, name)
        if item.impressions is not None:
            entry["impressions"] = (entry["impressions"] or 0) + item.impressions
            totals["impressions"] += item.impressions
    best = sorted(per_post.values(), key=lambda p: (-p["engagement"], p["post"]))[:BEST_POSTS]
    return {"totals": totals, "best_posts": [p for p in best if p["engagement"] > 0]}


def _followers(conn: sqlite3.Connection, config: Config, start: dt.datetime, end: dt.datetime,
               as_of: dt.datetime) -> dict[str, Any]:
    s, e = to_db(start), to_db(end)
    outlets: dict[str, Any] = {}
    names = [o.name for o in config.outlets]
    names += [row[0] for row in conn.execute(
        "SELECT DISTINCT outlet FROM outlet_metrics WHERE at >= ? AND at < ?", (s, e))
        if row[0] not in names]
    for name in names:
        before = metrics.counts_at(conn, name, start)
        series = metrics.follower_series(conn, name, start, end)
        first = before or (metrics.OutletCounts(series[0][1], series[0][2]) if series else None)
        last = metrics.OutletCounts(series[-1][1], series[-1][2]) if series else before
        daily: dict[str, int] = {}
        for at, followers, _following in series:
            daily[at.astimezone(config.tz).date().isoformat()] = followers
        outlets[name] = {
            "start": first.followers if first else None,
            "end": last.followers if last else None,
            "change": (last.followers - first.followers) if first and last else None,
            "following": last.following if last else None,
            "daily": daily,
        }
    new = conn.execute("SELECT count(*) FROM followers WHERE first_seen_at >= ?"
                       " AND first_seen_at < ?", (s, e)).fetchone()[0]
    lost = conn.execute("SELECT count(*) FROM followers WHERE gone_at >= ? AND gone_at < ?",
                        (s, e)).fetchone()[0]
    # The types at the end of the month (or now), from the follower records: today's
    # counts would describe a past month with followers it did not have yet.
    return {"outlets": outlets, "new": new, "lost": lost,
            "types": metrics.follower_types_at(conn, as_of)}


def _questions(conn: sqlite3.Connection, config: Config, s: str, e: str,
               as_of: dt.datetime) -> dict[str, Any]:
    received, questions = conn.execute(
        "SELECT count(*), coalesce(sum(kind = 'question'), 0) FROM mentions"
        " WHERE kind IN ('mention', 'question', 'moderation') AND created_at >= ? AND created_at < ?",
        (s, e)).fetchone()
    holding = conn.execute(
        "SELECT count(*) FROM mentions WHERE kind = 'question' AND holding_reply_at >= ?"
        " AND holding_reply_at < ?", (s, e)).fetchone()[0]
    # Answered = the answer went out this month (its first delivery was sent in the month).
    answered = conn.execute(
        "SELECT count(*) FROM mentions m WHERE m.kind = 'question' AND m.answered_post_id IN"
        " (SELECT d.post_id FROM deliveries d WHERE d.state = 'sent' AND d.sent_at >= ?"
        "  AND d.sent_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE"
        "  o.post_id = d.post_id AND o.state = 'sent' AND o.sent_at < ?))", (s, e, s)).fetchone()[0]
    cutoff = to_db(as_of - dt.timedelta(hours=config.questions.remind_after_hours))
    unanswered, late = conn.execute(
        "SELECT count(*), coalesce(sum(m.created_at < ?), 0) FROM mentions m"
        " LEFT JOIN posts p ON p.id = m.answered_post_id"
        " WHERE m.kind = 'question' AND m.created_at < ?"
        " AND (m.answered_post_id IS NULL OR p.status != 'published')",
        (cutoff, to_db(as_of))).fetchone()
    themes = dict(conn.execute(
        "SELECT theme, count(*) FROM mentions WHERE kind = 'question' AND theme IS NOT NULL"
        " AND created_at >= ? AND created_at < ? GROUP BY theme ORDER BY 2 DESC, 1 LIMIT 10",
        (s, e)).fetchall())
    # The policy's "feedback from followers" counts the private messages too: how many,
    # per outlet, never who or what (the report goes to people who may not read them).
    private = private_messages.counts(conn, s, e)
    return {"mentions": received, "private": private, "received": questions,
            "holding_replies": holding,
            "answered": answered, "unanswered": unanswered, "unanswered_late": late,
            "themes": themes}


def _moderation(conn: sqlite3.Connection, s: str, e: str) -> dict[str, Any]:
    opened = dict(conn.execute(
        "SELECT status, count(*) FROM moderation_items WHERE opened_at >= ? AND opened_at < ?"
        " GROUP BY status", (s, e)).fetchall())
    rows = conn.execute(
        "SELECT i.id, i.status, i.opened_at, m.outlet, m.author_handle, i.hidden_at, i.blocked_at,"
        " i.reported_at, i.member_match, i.recommendation, i.forwarded_at, i.ec_decision,"
        " i.ec_decided_at FROM moderation_items i JOIN mentions m ON m.id = i.mention_id"
        " WHERE (i.opened_at >= ? AND i.opened_at < ?) OR (i.forwarded_at >= ? AND i.forwarded_at < ?)"
        " OR (i.ec_decided_at >= ? AND i.ec_decided_at < ?) ORDER BY i.opened_at, i.id",
        (s, e, s, e, s, e)).fetchall()
    items = []
    for r in rows:
        actions = [name for name, at in (("hidden", r[5]), ("blocked", r[6]), ("reported", r[7])) if at]
        items.append({"id": r[0], "status": r[1], "opened_at": r[2], "outlet": r[3],
                      "author": r[4], "actions": actions, "member_match": r[8],
                      "recommendation": r[9], "forwarded_at": r[10], "ec_decision": r[11],
                      "ec_decided_at": r[12]})
    decisions = [i for i in items if i["ec_decided_at"] and s <= i["ec_decided_at"] < e]
    forwarded = [i for i in items if i["forwarded_at"] and s <= i["forwarded_at"] < e]
    return {"opened": sum(opened.values()), "by_status": dict(sorted(opened.items())),
            "forwarded": len(forwarded), "ec_decisions": len(decisions),
            "items": items[:LISTED], "items_total": len(items)}


def _roster(conn: sqlite3.Connection, s: str, e: str) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT at, actor, action, subject, details FROM audit WHERE at >= ? AND at < ?"
        " AND action LIKE 'roster.%' ORDER BY seq", (s, e)).fetchall()
    changes = [{"at": at, "by": actor, "action": action.split(".", 1)[1],
                "person": subject.removeprefix("person:"), "details": json.loads(details)}
               for at, actor, action, subject, details in rows]
    active = conn.execute("SELECT count(*) FROM people WHERE active = 1").fetchone()[0]
    return {"changes": changes[:LISTED], "changes_total": len(changes), "active": active}


def _credentials(conn: sqlite3.Connection, s: str, e: str) -> dict[str, Any]:
    rotations = [{"outlet": o, "at": at, "by": by} for o, at, by in conn.execute(
        "SELECT outlet, rotated_at, recorded_by FROM credential_rotations"
        " WHERE rotated_at >= ? AND rotated_at < ? ORDER BY rotated_at", (s, e))]
    triggers = [{"outlet": o, "cause": c, "reason": r, "at": at, "resolved": bool(done)}
                for o, c, r, at, done in conn.execute(
                    "SELECT outlet, cause, reason, raised_at, resolved_at FROM rotation_triggers"
                    " WHERE raised_at >= ? AND raised_at < ? ORDER BY raised_at", (s, e))]
    return {"rotations": rotations, "triggers": triggers}


def _overdue(conn: sqlite3.Connection, config: Config, as_of: dt.datetime,
             report: dict[str, Any]) -> list[str]:
    """What was late at the end of the month (or now, for the month in progress)."""
    from inmm_tui.domain import duties

    when = to_db(as_of)
    out: list[str] = []
    # Duties with their own figures below are not counted again from their reminders.
    computed = ("rotation", "roster_review", "policy_review", "question")
    for kind, n in conn.execute(
            "SELECT kind, count(*) FROM reminders WHERE done_at IS NULL AND due_at < ?"
            f" AND kind NOT IN ({', '.join('?' * len(computed))}) GROUP BY kind ORDER BY kind",
            (when, *computed)):
        out.append(f"{n} {kind.replace('_', ' ')} reminder{'s' if n != 1 else ''} not done")
    failed, held = conn.execute(
        "SELECT coalesce(sum(state = 'failed'), 0), coalesce(sum(state = 'held'), 0)"
        " FROM deliveries WHERE state IN ('failed', 'held') AND due_at < ?", (when,)).fetchone()
    if failed:
        out.append(f"{count(failed, 'delivery', 'deliveries')} failed and wait for a retry or withdrawal")
    if held:
        out.append(f"{count(held, 'delivery', 'deliveries')} held for a decision")
    late_q = report["questions"]["unanswered_late"]
    if late_q:
        out.append(f"{count(late_q, 'question')} unanswered after "
                   f"{count(config.questions.remind_after_hours, 'hour')}")
    open_items = conn.execute(
        "SELECT count(*) FROM moderation_items WHERE status = 'open' AND opened_at < ?",
        (when,)).fetchone()[0]
    if open_items:
        out.append(f"{open_items} moderation items still open")
    waiting = conn.execute(
        "SELECT count(*) FROM moderation_items WHERE status = 'forwarded' AND forwarded_at < ?",
        (when,)).fetchone()[0]
    if waiting:
        out.append(f"{waiting} recommendations await an Executive Committee decision")
    for status in duties.rotation_status(conn, config, as_of):
        if status.due:
            out.append(f"{status.outlet}: credential rotation due ({'; '.join(status.reasons)})")
    review = duties.review_status(conn, config, as_of)
    if review is not None and review.overdue:
        out.append(f"the roster review for the EC meeting of {review.meeting.isoformat()}: "
                   f"{count(len(review.pending), 'person', 'people')} not reviewed")
    policy = duties.policy_review(config, as_of)
    if policy.state == "overdue":
        out.append(f"the policy's review was due on {policy.due_on.isoformat()}")
    return out


# ----- rendering ----------------------------------------------------------------------


def _clip(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_md(r: dict[str, Any]) -> str:
    lines = [f"# {r['title']}", "",
             # The local days: the UTC instants' dates are off by one east of UTC.
             f"Period: {r['period']['first_day']} to {r['period']['last_day']} "
             f"({r['period']['timezone']}); generated {r['generated_at']}.", ""]
    if r["in_progress"]:
        lines += [f"The month is not over: figures up to {r['as_of']} "
                  f"({r['period']['timezone']}).", ""]
    p = r["posts"]
    lines += ["## Posts published", "",
              f"- Posts published: **{p['published']}** ({p['deliveries']} deliveries; "
              f"{p['crisis']} crisis posts; {p['replies']} replies to questions)",
              f"- Deliveries that failed: {p['failed_deliveries']}", ""]
    lines += ["| outlet | posts |", "|---|---:|"]
    lines += [f"| {_md_cell(o)} | {n} |" for o, n in p["by_outlet"].items()] or ["| (none) | 0 |"]
    lines += ["", "| topic | posts |", "|---|---:|"]
    lines += [f"| {_md_cell(t)} | {n} |" for t, n in p["by_topic"].items()] or ["| (none) | 0 |"]
    eng = r["engagement"]
    t = eng["totals"]
    lines += ["", "## Engagement", "",
              f"Reposts {t['reposts']}, replies {t['replies']}, likes {t['likes']}, "
              f"quotes {t['quotes']}, impressions {t['impressions']} (latest counts of the "
              "month's posts).", "", "Best posts by engagement:", "",
              "| post | engagement | reposts | replies | likes | quotes | text |",
              "|---:|---:|---:|---:|---:|---:|---|"]
    lines += [f"| #{b['post']} | {b['engagement']} | {b['reposts']} | {b['replies']} | "
              f"{b['likes']} | {b['quotes']} | {_md_cell(_clip(b['text'], 70))} |"
              for b in eng["best_posts"]] or ["| - | 0 | | | | | no engagement recorded |"]
    lines += _polls_md(r.get("polls") or [])
    f = r["followers"]
    lines += ["", "## Followers", "", "| outlet | start | end | change | following |",
              "|---|---:|---:|---:|---:|"]
    for name, o in f["outlets"].items():
        change = "" if o["change"] is None else f"{o['change']:+d}"
        lines.append(f"| {_md_cell(name)} | {_dash(o['start'])} | {_dash(o['end'])} | {change} | "
                     f"{_dash(o['following'])} |")
    when = "now" if r["in_progress"] else "at the end of the month"
    types = (", ".join(f"{k} {v}" for k, v in f["types"].items()) if f["types"] is not None
             else "not recorded (the follower lists were not kept yet)")
    lines += ["", f"New followers this month: {f['new']}; gone: {f['lost']}.", "",
              f"Followers by type {when}: {types}."]
    ref = r["referrals"]
    lines += ["", "## Web referrals", "",
              f"Visits to the website from social media: **{ref['sessions']}** "
              f"({ref['unattributed']} not matched to a post)."]
    if ref["by_source"]:
        lines += ["", "| source | visits |", "|---|---:|"]
        lines += [f"| {_md_cell(k)} | {v} |" for k, v in ref["by_source"].items()]
    if ref["top_posts"]:
        lines += ["", "| post | campaign | visits | text |", "|---:|---|---:|---|"]
        lines += [f"| #{x['post']} | {_md_cell(x['campaign'])} | {x['sessions']} | "
                  f"{_md_cell(_clip(x['text'], 60))} |" for x in ref["top_posts"]]
    ev = r["events"]
    lines += ["", "## Events covered", "",
              f"Events covered this month: **{len(ev['covered'])}**; in {r['month'][:4]}: "
              f"{ev['this_year']}.", ""]
    lines += [f"- {_md_cell(x['name'])} {x['hashtag']} ({x['starts_on']} to "
              f"{x['ends_on'] or 'ongoing'}): {x['posts']} posts" for x in ev["covered"]]
    q = r["questions"]
    lines += ["", "## Questions from followers", "",
              f"- Mentions and replies received: {q['mentions']}",
              f"- Private messages received: {sum(q['private'].values())}"
              + (f" ({', '.join(f'{k} {v}' for k, v in q['private'].items())})"
                 if q["private"] else ""),
              f"- Questions received: **{q['received']}**; holding replies: {q['holding_replies']}; "
              f"answered publicly: **{q['answered']}**",
              f"- Unanswered at the end of the month: {q['unanswered']} "
              f"({q['unanswered_late']} past the reminder time)"]
    if q["themes"]:
        lines.append("- Themes: " + ", ".join(f"{k} ({v})" for k, v in q["themes"].items()))
    m = r["moderation"]
    lines += ["", "## Moderation", "",
              f"Items opened: **{m['opened']}** "
              + (f"({', '.join(f'{k} {v}' for k, v in m['by_status'].items())})" if m["by_status"] else "")
              + f"; forwarded to the Executive Committee: {m['forwarded']}; EC decisions: "
              f"{m['ec_decisions']}."]
    if m["items"]:
        lines += ["", "| item | opened | outlet | author | outcome | member | recommendation | EC decision |",
                  "|---:|---|---|---|---|---|---|---|"]
        for i in m["items"]:
            outcome = i["status"] + (f" ({', '.join(i['actions'])})" if i["actions"] else "")
            lines.append(f"| {i['id']} | {i['opened_at'][:10]} | {_md_cell(i['outlet'])} | "
                         f"@{_md_cell(i['author'])} | {_md_cell(outcome)} | "
                         f"{_md_cell(_member(i['member_match']))} | "
                         f"{_md_cell(i['recommendation'] or '')} | "
                         f"{_md_cell(i['ec_decision'] or '')} |")
        if m["items_total"] > len(m["items"]):
            lines.append(f"\n({m['items_total'] - len(m['items'])} more not listed)")
    ro, cr = r["roster"], r["credentials"]
    lines += ["", "## Roster and credentials", "",
              f"Authorised people: {ro['active']}; roster changes this month: {ro['changes_total']}; "
              f"credential rotations: {len(cr['rotations'])}.", ""]
    lines += [f"- {c['at'][:10]} {c['action']} {c['person']} by {c['by']}" for c in ro["changes"]]
    lines += [f"- {x['at'][:10]} credentials of {x['outlet']} rotated (recorded by {x['by']})"
              for x in cr["rotations"]]
    lines += [f"- {x['at'][:10]} rotation due on {x['outlet']}: {x['reason']}"
              + (" (done)" if x["resolved"] else "") for x in cr["triggers"]]
    lines += ["", "## Overdue", ""]
    lines += [f"- {item}" for item in r["overdue"]] or ["Nothing overdue."]
    return "\n".join(lines) + "\n"


def _polls_md(polls: list[dict[str, Any]]) -> list[str]:
    """The polls section, left out of a month without a poll."""
    if not polls:
        return []
    lines = ["", "## Polls", "", "| post | outlet | status | votes | results |",
             "|---:|---|---|---:|---|"]
    for poll in polls:
        if poll["votes"] is None:
            results = "not read yet: " + " / ".join(poll["options"])
        else:
            results = " / ".join(
                f"{option} {votes}" + (f" ({100 * votes / poll['total']:.0f}%)"
                                       if poll["total"] else "")
                for option, votes in zip(poll["options"], poll["votes"], strict=False))
        status = "closed" if poll["closed"] else "open"
        total = "" if poll["votes"] is None else str(poll["total"])
        lines.append(f"| #{poll['post']} | {_md_cell(poll['outlet'])} | {status} | {total} | "
                     f"{_md_cell(_clip(results, 120))} |")
    return lines


def _member(match: str | None) -> str:
    """Who the poster is among members, volunteers and staff, as the look-up kept it (a
    JSON list): "" when nobody looked, "none found" when the look-up found nobody."""
    if match is None:
        return ""
    try:
        found = json.loads(match)
    except ValueError:
        return match  # written by hand or by an older version: shown as it is
    if not isinstance(found, list):
        return str(found)
    if not found:
        return "none found"
    return "; ".join(f"{m.get('name')} ({m.get('kind')})" if isinstance(m, dict) else str(m)
                     for m in found)


def _dash(value: Any) -> str:
    return "-" if value is None else str(value)


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 60em; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; border-bottom: 2px solid #1f4e79; } h2 { color: #1f4e79; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .6em 0; } td, th { border: 1px solid #ccc; padding: .2em .6em; }
td.n { text-align: right; } .figure { font-size: 1.3em; font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; } .chart { width: 28em; }
.chart svg { width: 100%; height: auto; }
"""


def integer_ticks(low: float, high: float, *, from_zero: bool, most: int = 8) -> list[int]:
    """About `most` whole-number ticks at most, covering low..high: every figure drawn is
    a count, and the chart libraries' own ticks step by 0.1 or 0.2 over a small range. A
    single value not drawn from zero gets a tick either side."""
    bottom, top = math.floor(low), math.ceil(high)
    if from_zero:
        bottom = min(0, bottom)
    if bottom == top:
        bottom, top = (bottom, top + 1) if from_zero else (bottom - 1, top + 1)
    step = 1
    while (top - bottom) / step > max(1, most):
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    first = bottom // step * step
    last = -(-top // step) * step
    return list(range(first, last + 1, step))


def _chart(kind: str, title: str, series: list[tuple[str, list[Any]]],
           labels: list[str] | None = None) -> str:
    """An inline SVG chart, or '' when there is nothing to draw. Each bar is named under
    it (`labels`) or in the legend (one series each); the value axis steps by whole
    numbers."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not any(values):
        return ""
    if kind == "line" and (labels is None or len(labels) < 2):
        # One point is no line: pygal draws a lone dot in an empty frame.
        return (f'<p class="chart">{html.escape(title)}: one day of counts, too few to draw '
                "a line (the table gives them).</p>")
    import pygal
    from pygal.style import CleanStyle

    cls = {"bar": pygal.Bar, "stacked": pygal.StackedBar, "line": pygal.Line,
           "pie": pygal.Pie, "hbar": pygal.HorizontalBar}[kind]
    # js=[]: no <script src="https://kozea.github.io/..."> ; the file must open offline.
    chart = cls(js=[], disable_xml_declaration=True, style=CleanStyle, width=560, height=360,
                show_legend=len(series) > 1 or kind in ("pie", "stacked"), legend_at_bottom=True,
                title=title, x_label_rotation=30 if labels and len(labels) > 8 else 0,
                # pygal counts every label as minor unless some are marked major: hide the
                # minor ones only where the major ones are chosen below (long series).
                show_minor_x_labels=not (labels and len(labels) > 10), truncate_legend=28)
    if kind != "pie":
        if kind == "stacked":
            width = max(len(vs) for _, vs in series)
            high = max(sum(vs[k] or 0 for _, vs in series if k < len(vs)) for k in range(width))
        else:
            high = max(values)
        chart.y_labels = integer_ticks(min(values), high, from_zero=kind != "line")
    if labels is not None:
        chart.x_labels = labels
        if len(labels) > 10:
            chart.x_labels_major_every = max(1, len(labels) // 7)
    for name, points in series:
        chart.add(name, points)
    svg = chart.render(is_unicode=True)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)  # pygal's comments name its web site
    return f'<div class="chart">{svg}</div>'


def render_html(r: dict[str, Any]) -> str:
    """The report as one self-contained HTML page with SVG charts."""
    e = html.escape
    md = render_md(r)
    body = _md_to_html(md)
    p, f = r["posts"], r["followers"]
    charts = []
    topics = list(p["by_topic"])[:8]
    outlets = list(p["by_outlet"])
    grid = {(o, t): n for o, t, n in p["by_outlet_topic"]}
    charts.append(_chart("stacked", "Posts per outlet and topic",
                         [(t, [grid.get((o, t), 0) for o in outlets]) for t in topics], outlets))
    days = sorted({d for o in f["outlets"].values() for d in o["daily"]})
    charts.append(_chart("line", "Followers", [
        (name, [o["daily"].get(d) for d in days]) for name, o in f["outlets"].items()],
        [d[5:] for d in days]))
    if f["types"] is not None:
        charts.append(_chart("pie", "Followers by type",
                             [(k, [v]) for k, v in f["types"].items() if v]))
    best = r["engagement"]["best_posts"]
    charts.append(_chart("hbar", "Best posts by engagement",
                         [("Engagement", [b["engagement"] for b in best])],
                         [_clip(f"#{b['post']} {b['text']}", 32) for b in best]))
    sources = r["referrals"]["by_source"]
    charts.append(_chart("bar", "Web visits by source", [("Visits", list(sources.values()))],
                         list(sources)))
    chart_html = "".join(c for c in charts if c)
    if chart_html:
        # The charts go after the title and the period line.
        head, sep, rest = body.partition("</p>")
        body = head + sep + f'\n<div class="charts">{chart_html}</div>\n' + rest
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(r['title'])}</title><style>{_CSS}</style></head>\n<body>\n"
            f"{body}\n</body></html>\n")


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    return re.sub(r"\*\*(.+?)\*\*", r'<span class="figure">\1</span>', out)


def _md_to_html(md: str) -> str:
    """The small Markdown subset `render_md` writes: headings, lists, tables, paragraphs."""
    out: list[str] = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("# "):
            out.append(f"<h1>{_inline(line[2:])}</h1>")
        elif line.startswith("## "):
            out.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith("- "):
            out.append("<ul>")
            while i < len(lines) and lines[i].startswith("- "):
                out.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            out.append("</ul>")
            continue
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out.append(_table(rows))
            continue
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
        i += 1
    return "\n".join(out)


def _table(rows: list[str]) -> str:
    def cells(row: str) -> list[str]:
        parts = re.split(r"(?<!\\)\|", row.strip())[1:-1]
        return [c.strip().replace("\\|", "|") for c in parts]

    head = cells(rows[0])
    align = cells(rows[1]) if len(rows) > 1 else []
    html_rows = ["<tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>"]
    for row in rows[2:]:
        html_rows.append("<tr>" + "".join(
            f'<td class="n">{_inline(c)}</td>' if k < len(align) and align[k].endswith(":")
            else f"<td>{_inline(c)}</td>" for k, c in enumerate(cells(row))) + "</tr>")
    return "<table>" + "".join(html_rows) + "</table>"


def render(r: dict[str, Any], fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return render_md(r) if fmt == "md" else render_html(r)


# ----- writing and listing ------------------------------------------------------------


def default_path(config: Config, month: dt.date, fmt: str) -> Path:
    return config.reports_path / f"inmm-monthly-{month.strftime('%Y-%m')}.{fmt}"


def write_report(services: Services, month: dt.date, fmt: str, *, actor: str,
                 output: Path | None = None) -> Path:
    """Write the report for `month` and record it (and who wrote it) in the audit log.

    A person needs the monthly-report right; the daemon writes it on the 1st."""
    from inmm_tui.domain.people import authorise
    from inmm_tui.domain.roles import Action

    if fmt not in FORMATS:
        raise InvalidInput(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    conn = services.db.conn
    if actor != audit.DAEMON:
        authorise(conn, actor, Action.MONTHLY_REPORT)
    now = services.clock()
    text = render(gather(conn, services.config, month, now), fmt)
    path = (output or default_path(services.config, month, fmt)).resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # a reader never sees half a report
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot write the report ({exc.strerror or exc})") from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with write(services.db):
        if actor != audit.DAEMON:
            authorise(conn, actor, Action.MONTHLY_REPORT)
        conn.execute(
            "INSERT INTO monthly_reports (month, format, path, written_at, written_by, sha256)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (month.strftime("%Y-%m"), fmt, str(path), to_db(now), actor, digest))
        audit.append(conn, actor, "report.monthly", f"report:{month.strftime('%Y-%m')}",
                     {"format": fmt, "path": str(path), "sha256": digest}, at=now)
    return path


def past_reports(conn: sqlite3.Connection, limit: int = 60) -> list[dict[str, Any]]:
    """The reports written, newest first (what the UI lists)."""
    rows = conn.execute(
        "SELECT r.month, r.format, r.path, r.written_at, r.written_by, r.sha256,"
        " f.forwarded_on FROM monthly_reports r LEFT JOIN report_forwards f ON f.month = r.month"
        " ORDER BY r.month DESC, r.written_at DESC, r.id DESC LIMIT ?", (limit,)).fetchall()
    return [{"month": m, "format": fmt, "path": p, "written_at": at, "written_by": by,
             "sha256": sha, "exists": Path(p).exists(), "forwarded_on": fwd}
            for m, fmt, p, at, by, sha, fwd in rows]
