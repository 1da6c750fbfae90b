"""Moderation (R13-R16): ingestion deduplicated and screened, evidence captured on
ingestion and chained into the audit log, no hide before the evidence exists, an edited
evidence record detected, legal hold against retention, members lookup, the Executive
Committee's decision, and an answer drafted as a normal post."""

from __future__ import annotations

import hashlib
import json

import pytest
from inmm_daemon import moderation as jobs

from inmm_tui.domain import audit, evidence
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised
from inmm_tui.domain.members import parse_csv
from inmm_tui.domain.moderation import IncomingVerdict, Moderation
from inmm_tui.domain.reminders import open_reminders
from inmm_tui.domain.services import Services

from .conftest import FakeClock
from .fake_platform import FakePlatform

RUDE = "INMM are idiots and liars"


def _screen(text: str, outlet: str) -> IncomingVerdict:
    if "idiot" in text:
        return IncomingVerdict("warn", [{"rule": "respectful_behavior", "reason": "insult"}])
    return IncomingVerdict("pass")


@pytest.fixture
def svc(roster: Services) -> Services:
    roster.moderation = Moderation(roster.db, roster.posts, clock=roster.clock, screen=_screen)
    return roster


def _ingest(svc: Services, clock: FakeClock, outlet: str = "x") -> tuple[FakePlatform, int]:
    platform = FakePlatform(clock, name=outlet, api=outlet)
    platform.add_mention("m1", "Great meeting, thanks!", handle="fan", author_id="u-fan")
    platform.add_mention("m2", RUDE)
    jobs.ingest_mentions(svc, platform, outlet)
    (item,) = svc.moderation.items("hq")
    return platform, item.id


def test_mentions_are_ingested_once_and_questionable_ones_queued_with_evidence(
        svc: Services, clock: FakeClock) -> None:
    platform, item_id = _ingest(svc, clock)
    for n in range(3, 9):
        platform.add_mention(f"m{n}", f"question {n}")
    result = jobs.ingest_mentions(svc, platform, "x")
    assert (result.new, result.queued) == (6, 0)
    assert [c[1] for c in platform.calls if c[0] == "mentions"][-3:] == ["m2", "m7", "m8"]
    assert svc.db.conn.execute("SELECT count(*) FROM mentions").fetchone()[0] == 8
    # a repeat of the same mentions is dropped
    again = svc.moderation.ingest("x", [jobs._incoming(platform.mention_list[1])])
    assert (again.new, again.duplicates) == (0, 1)
    item = svc.moderation.get("hq", item_id)
    assert item.author_handle == "troll" and item.verdict == "warn" and item.evidence_id
    row = svc.db.conn.execute(
        "SELECT raw_payload, rendered_svg, sha256, captured_at FROM evidence WHERE id = ?",
        (item.evidence_id,)).fetchone()
    assert json.loads(row[0])["text"] == RUDE
    assert row[1].startswith("<svg") and "troll" in row[1] and "liars" in row[1]
    assert evidence.verify(svc.db.conn, item.evidence_id).ok
    (entry,) = audit.history(svc.db.conn, f"evidence:{item.evidence_id}")
    assert entry["details"]["sha256"] == row[2]


def test_hiding_is_impossible_without_evidence(svc: Services, clock: FakeClock) -> None:
    _platform, item_id = _ingest(svc, clock)
    conn = svc.db.conn
    conn.execute("DELETE FROM evidence")  # e.g. lost, or never captured
    with pytest.raises(InvalidState, match="before its evidence exists"):
        svc.moderation.request_hide("alice", item_id)
    assert svc.moderation.get("hq", item_id).hide_requested_at is None


def test_an_edited_evidence_record_is_detected(svc: Services, clock: FakeClock) -> None:
    platform, item_id = _ingest(svc, clock)
    item = svc.moderation.get("hq", item_id)
    conn = svc.db.conn
    svc.moderation.request_hide("alice", item_id)
    conn.execute("UPDATE evidence SET rendered_svg = replace(rendered_svg, 'liars', 'nice')")
    check = evidence.verify(conn, item.evidence_id)
    assert not check.ok and "edited" in check.problem
    # Re-hashing the edited row does not help: the hash in the audit chain differs.
    mention_id, at, raw, svg = conn.execute(
        "SELECT mention_id, captured_at, raw_payload, rendered_svg FROM evidence").fetchone()
    conn.execute("UPDATE evidence SET sha256 = ?", (evidence.digest(mention_id, at, raw, svg),))
    check = evidence.verify(conn, item.evidence_id)
    assert not check.ok and "audit log" in check.problem
    # The daemon refuses to hide on evidence that no longer verifies.
    report = jobs.perform_requests(svc, platform, "x")
    assert report.refused == 1 and not [c for c in platform.calls if c[0] == "hide_reply"]
    assert "cannot be hidden" in (svc.moderation.get("hq", item_id).action_error or "")


def test_retention_never_purges_evidence_under_legal_hold(svc: Services, clock: FakeClock) -> None:
    platform, first = _ingest(svc, clock)
    platform.add_mention("m3", "you idiots again", author_id="u-2", handle="other")
    jobs.ingest_mentions(svc, platform, "x")
    second = next(i.id for i in svc.moderation.items("hq") if i.id != first)
    held = svc.moderation.get("hq", first).evidence_id
    with pytest.raises(NotAuthorised):
        svc.moderation.set_legal_hold("alice", held, "complaint")
    svc.moderation.set_legal_hold("chair", held, "complaint to the police")
    for item_id in (first, second):
        svc.moderation.dismiss("alice", item_id, "handled")
    clock.advance(days=400)
    assert svc.moderation.purge_evidence("daemon", retention_days=365) == 1
    kept = evidence.verify(svc.db.conn, held)
    assert kept.ok and not kept.purged
    purged = evidence.verify(svc.db.conn, svc.moderation.get("hq", second).evidence_id)
    assert purged.ok and purged.purged
    svc.moderation.release_legal_hold("chair", held)
    assert svc.moderation.purge_evidence("daemon", retention_days=365) == 1


def test_block_report_lookup_forward_and_the_ec_decision(svc: Services, clock: FakeClock) -> None:
    platform, item_id = _ingest(svc, clock, "mastodon")  # X cannot report
    svc.members.import_rows("hq", parse_csv(
        "name,kind,email,handles\nTroy Roll,member,troy@example.org,@Troll @troll@mastodon.social\n"
        "Fan Person,volunteer,,@fan\n"))
    (match,) = svc.moderation.lookup_poster("alice", item_id)
    assert (match.name, match.kind, match.matched_on) == ("Troy Roll", "member", "handle")
    svc.moderation.request_block("alice", item_id, "repeated insults")
    svc.moderation.request_report("alice", item_id, "harassment")
    jobs.perform_requests(svc, platform, "mastodon")
    item = svc.moderation.get("hq", item_id)
    assert item.blocked_at and item.report_ref == "report-u-troll"
    assert item.member_match[0]["name"] == "Troy Roll"
    with pytest.raises(NotAuthorised):
        svc.moderation.forward_to_ec("alice", item_id, "discipline")
    svc.moderation.forward_to_ec("chair", item_id, "A member insulted INMM; consider discipline")
    with pytest.raises(NotAuthorised):
        svc.moderation.record_ec_decision("chair", item_id, "warning")
    svc.moderation.record_ec_decision("ec", item_id, "Written warning sent")
    item = svc.moderation.get("hq", item_id)
    assert item.status == "decided" and item.ec_decision == "Written warning sent"
    actions = [e["action"] for e in audit.history(svc.db.conn, f"moderation:{item_id}")]
    assert actions == ["moderation.queue", "moderation.lookup", "moderation.block",
                       "moderation.report", "moderation.block.done", "moderation.report.done",
                       "moderation.forward_to_ec", "moderation.ec_decision"]


def test_a_request_the_outlet_cannot_perform_is_refused_at_once_and_audited(
        svc: Services, clock: FakeClock) -> None:
    _x_platform, on_x = _ingest(svc, clock)
    toot = FakePlatform(clock, name="mastodon", api="mastodon")
    toot.add_mention("t1", RUDE, handle="troll@example.social", author_id="t-troll")
    jobs.ingest_mentions(svc, toot, "mastodon")
    (on_mastodon,) = [i.id for i in svc.moderation.items("hq") if i.outlet == "mastodon"]
    with pytest.raises(InvalidState, match="Mastodon has no way to hide a reply"):
        svc.moderation.request_hide("alice", on_mastodon)
    with pytest.raises(InvalidState, match="X has no report API"):
        svc.moderation.request_report("alice", on_x, "harassment")
    with pytest.raises(NotAuthorised):  # who may is asked first, and not audited as this
        svc.moderation.request_hide("ec", on_mastodon)
    assert svc.moderation.get("hq", on_mastodon).hide_requested_at is None
    assert svc.moderation.get("hq", on_x).report_requested_at is None
    assert jobs.perform_requests(svc, toot, "mastodon").failed == 0
    assert not [c for c in toot.calls if c[0] == "hide_reply"]
    refusals = [[(e["actor"], e["details"]["request"]) for e in audit.history(svc.db.conn, item)
                 if e["action"] == "moderation.refused"]
                for item in (f"moderation:{on_mastodon}", f"moderation:{on_x}")]
    assert refusals == [[("alice", "hide")], [("alice", "report")]]
    # What the outlet can do is still accepted.
    svc.moderation.request_block("alice", on_mastodon, "insults")
    svc.moderation.request_hide("alice", on_x)


def test_a_forwarded_item_is_counted_and_reminded_to_the_ec_until_decided(
        svc: Services, clock: FakeClock) -> None:
    _platform, item_id = _ingest(svc, clock)
    assert svc.queues.overview("ec").ec_decisions == 0
    svc.moderation.forward_to_ec("chair", item_id, "Consider discipline")
    assert svc.queues.overview("ec").ec_decisions == 1
    (reminder,) = open_reminders(svc.db.conn, clock())
    assert reminder.for_role == "executive_committee" and f"#{item_id}" in reminder.message
    assert svc.queues.overview("ec").reminders == 1
    svc.moderation.record_ec_decision("ec", item_id, "Written warning sent")
    assert open_reminders(svc.db.conn) == []
    assert svc.queues.overview("ec").ec_decisions == 0
    # A forwarded item dismissed after all no longer waits on the Committee either.
    svc.moderation.ingest("x", [jobs._incoming(FakePlatform(clock).add_mention("m9", RUDE))])
    (other,) = [i.id for i in svc.moderation.items("hq") if i.status == "open"]
    svc.moderation.forward_to_ec("hq", other, "Perhaps nothing to do")
    assert len(open_reminders(svc.db.conn)) == 1
    svc.moderation.dismiss("alice", other, "the account was deleted")
    assert open_reminders(svc.db.conn) == []


def test_an_answer_is_drafted_as_a_normal_post(svc: Services, clock: FakeClock) -> None:
    _platform, item_id = _ingest(svc, clock)
    mention_id = svc.moderation.get("hq", item_id).mention_id
    post_id = svc.moderation.draft_answer(
        "alice", mention_id, "INMM's safeguards training is open to all: https://inmm.org/training")
    post = svc.posts.get(post_id)
    assert post.status == "draft" and list(post.outlets) == ["x"]
    row = svc.db.conn.execute("SELECT reply_to_mention_id FROM posts WHERE id = ?",
                              (post_id,)).fetchone()
    assert row[0] == mention_id
    svc.posts.submit("alice", post_id)
    with pytest.raises(NotAuthorised):
        svc.posts.clear("alice", post_id)  # same four-eyes clearance as any post
    assert svc.posts.clear("bob", post_id).status == "cleared"


def test_members_csv_errors_name_the_line() -> None:
    with pytest.raises(InvalidInput, match=r"m.csv, line 3: kind 'friend'"):
        parse_csv("name,kind,email,handles\nA,member,,\nB,friend,,\n", "m.csv")
    with pytest.raises(InvalidInput, match=r"line 1: .*missing: kind"):
        parse_csv("name,email\nA,a@b.org\n", "m.csv")
    with pytest.raises(InvalidInput, match=r"line 2: 'not-mail' is not an e-mail"):
        parse_csv("name,kind,email\nA,staff,not-mail\n", "m.csv")


def test_members_import_from_the_command_line(tmp_path) -> None:
    from inmm_tui.domain.people import current_login

    from .cli_helpers import run_cli

    cfg = tmp_path / "inmm.toml"
    cfg.write_text('[inmm]\ndatabase = "inmm.db"\n')
    args = ("--config", str(cfg))
    assert run_cli(*args, "init", "--admin", current_login()).returncode == 0
    good = tmp_path / "members.csv"
    good.write_text("name,kind,email,handles\nA Member,member,a@example.org,@amember\n"
                    "S Staff,staff,,\n")
    done = run_cli(*args, "members", "import", str(good))
    assert done.returncode == 0 and "Imported 2 people" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind\nOK,member\n,volunteer\n")
    refused = run_cli(*args, "members", "import", str(bad))
    assert refused.returncode == 2 and "bad.csv, line 3: the name is empty" in refused.stderr
    assert "Traceback" not in refused.stderr
    missing = run_cli(*args, "members", "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "cannot read the file" in missing.stderr


def test_the_sha256_covers_every_part_of_the_capture() -> None:
    base = evidence.digest(1, "t", "raw", "<svg/>")
    assert base == hashlib.sha256(json.dumps([1, "t", "raw", "<svg/>"],
                                             separators=(",", ":")).encode()).hexdigest()
    assert len({base, evidence.digest(2, "t", "raw", "<svg/>"), evidence.digest(1, "u", "raw", "<svg/>"),
                evidence.digest(1, "t", "raw2", "<svg/>"), evidence.digest(1, "t", "raw", "<svg />")}) == 5


def test_the_daemon_applies_the_retention_setting(svc: Services, clock: FakeClock) -> None:
    import dataclasses

    _platform, item_id = _ingest(svc, clock)
    svc.moderation.dismiss("alice", item_id, "nothing to do")
    clock.advance(days=40)
    assert jobs.purge_evidence(svc) == 0  # the default keeps evidence for ever
    daemon = dataclasses.replace(svc.config.daemon, evidence_retention_days=30)
    svc.config = dataclasses.replace(svc.config, daemon=daemon)
    assert jobs.purge_evidence(svc) == 1
    check = evidence.verify(svc.db.conn, svc.moderation.get("hq", item_id).evidence_id)
    assert check.ok and check.purged
    assert audit.verify(svc.db.conn).ok
