"""Fixed data for the moderation queue and the follow review: three questionable
replies (one whose evidence is then edited), a members list, and followed accounts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ui_support import HQ, NOW, build_services

from inmm_tui.domain.members import MemberRow
from inmm_tui.domain.moderation import IncomingMention, IncomingVerdict, Moderation
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.timeutil import to_db
from tests.conftest import acknowledge_policy

EC = "ecouncil"
RUDE = "INMM are idiots and liars about safeguards"
FALSE = "INMM admits the reactor data was faked"
SPAM = "Cheap watches at example.biz"


def incoming_screen(text: str, outlet: str) -> IncomingVerdict:
    """Flags insults, a false claim and spam; anything else passes."""
    if "idiots" in text:
        return IncomingVerdict("warn", [{"category": "respectful_behavior",
                                         "severity": "warn", "message": "insult"}])
    if "faked" in text:
        return IncomingVerdict("warn", [{"category": "inaccurate", "severity": "warn",
                                         "message": "a false claim about INMM"}])
    if "Cheap" in text:
        return IncomingVerdict("block", [{"category": "spam", "severity": "block",
                                          "message": "advertising"}])
    return IncomingVerdict("pass")


def moderation_services(path: Path) -> Services:
    s = build_services(path)
    s.moderation = Moderation(s.db, s.posts, clock=s.clock, screen=incoming_screen)
    return s


def seed_moderation(path: Path) -> dict[str, int]:
    """The items by name (rude, false, spam), newest last in ingestion order."""
    s = moderation_services(path)
    s.roster.add(HQ, EC, "Eve Council", Role.EXECUTIVE_COMMITTEE)
    acknowledge_policy(s, EC)
    s.members.import_rows(HQ, [MemberRow(2, "Troy Ll", "member", "", ("troll",))])
    mentions = [("m1", "troll", "Troy Ll", RUDE), ("m2", "newsbot", "News Bot", FALSE),
                ("m3", "spammer", "Spam Co", SPAM), ("m4", "fan", "A Fan", "Great meeting!")]
    for n, (pid, handle, name, text) in enumerate(mentions):
        s.moderation.ingest("x", [IncomingMention(pid, f"u-{handle}", handle, name, text,
                                                  NOW - dt.timedelta(minutes=30 - n))])
    items = {i.author_handle: i.id for i in s.moderation.items(HQ)}
    s.db.conn.close()
    return {"rude": items["troll"], "false": items["newsbot"], "spam": items["spammer"]}


def tamper(path: Path, item_id: int) -> None:
    """Someone with write access to the file edits the captured evidence."""
    s = build_services(path)
    s.db.conn.execute(
        "UPDATE evidence SET raw_payload = raw_payload || ' ' WHERE mention_id ="
        " (SELECT mention_id FROM moderation_items WHERE id = ?)", (item_id,))
    s.db.conn.commit()
    s.db.conn.close()


def seed_follows(path: Path, accounts: int = 6) -> None:
    """`accounts` follow-backs on X (newest has the highest number), one organisation
    with its reason, one reviewed account, and one unfollow the platform refused."""
    s = build_services(path)
    conn = s.db.conn
    with conn:
        for n in range(accounts):
            at = to_db(NOW - dt.timedelta(days=accounts - n))
            conn.execute("INSERT INTO followers (outlet, user_id, handle, name, first_seen_at,"
                         " followed_back_at) VALUES ('x', ?, ?, ?, ?, ?)",
                         (f"u{n:04d}", f"fan{n:04d}", f"Fan {n}", at, at))
            conn.execute("INSERT INTO following (outlet, user_id, handle, name, reason,"
                         " followed_at, followed_by, confirmed_at) VALUES"
                         " ('x', ?, ?, ?, 'follow_back', ?, 'daemon', ?)",
                         (f"u{n:04d}", f"fan{n:04d}", f"Fan {n}", at, at))
        conn.execute("INSERT INTO following (outlet, user_id, handle, name, reason, followed_at,"
                     " followed_by, confirmed_at, note) VALUES ('x', 'org1', 'IAEAorg', 'IAEA',"
                     " 'organisation', ?, ?, ?, 'The safeguards authority')",
                     (to_db(NOW - dt.timedelta(days=40)), HQ, to_db(NOW - dt.timedelta(days=40))))
        conn.execute("UPDATE following SET reviewed_at = ?, reviewed_by = ? WHERE user_id = 'org1'",
                     (to_db(NOW - dt.timedelta(days=10)), HQ))
        conn.execute("UPDATE following SET action_error = 'unfollow: 403 Forbidden'"
                     " WHERE user_id = 'u0000'")
        conn.execute("INSERT INTO followers (outlet, user_id, handle, first_seen_at)"
                     " VALUES ('mastodon', 'mfan', 'mfan@example.social', ?)", (to_db(NOW),))
    conn.close()
