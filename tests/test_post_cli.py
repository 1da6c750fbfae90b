"""`inmm-tui post ...` and `inmm-tui post import`: the whole life of a post driven from the
command line by two people, through the domain's own permission checks, screening and
clearance; an import is all rows or none, and never a way around clearance."""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from pathlib import Path

import pytest

from inmm_tui.cli import main
from inmm_tui.config import load_config
from inmm_tui.domain import audit
from inmm_tui.domain.posts import verify_clearance
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write

from .cli_helpers import run_cli
from .conftest import add_people

FUTURE = "2030-03-15 09:30"
GOOD = "Registration for the INMM Annual Meeting is open: https://inmm.org/annual"
BLOCKED = "Vote Democrat in the election, INMM says https://inmm.org"


class Cli:
    """The command line, run in this process as the person named (the OS login the
    commands read is the only thing set by hand)."""

    def __init__(self, config: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]):
        self.config, self.monkeypatch, self.capsys = config, monkeypatch, capsys

    def __call__(self, who: str, *argv: str) -> tuple[int, str, str]:
        self.monkeypatch.setattr("inmm_tui.domain.people.current_login", lambda: who)
        self.capsys.readouterr()
        try:
            code = main(["--config", str(self.config), *argv])
        except SystemExit as exit_:  # argparse
            code = int(exit_.code or 0)
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    def new(self, who: str, *argv: str) -> int:
        code, out, err = self(who, "post", "new", *argv)
        assert code == 0, err
        return int(re.search(r"Draft #(\d+) created", out).group(1))  # type: ignore[union-attr]

    def db(self) -> Services:
        config = load_config(str(self.config))
        return Services.build(config, open_database(config.database_path))


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    path = tmp_path / "inmm.toml"
    path.write_text(f'[inmm]\ndatabase = "{tmp_path / "inmm.db"}"\n'
                    'timezone = "America/Chicago"\n')
    svc = Services.build(load_config(str(path)), open_database(tmp_path / "inmm.db", create=True))
    add_people(svc)
    svc.db.close()
    return Cli(path, monkeypatch, capsys)


def _actions(svc: Services, post_id: int) -> list[tuple[str, str]]:
    return [(e["actor"], e["action"]) for e in audit.history(svc.db.conn, f"post:{post_id}")]


def test_the_whole_flow_as_two_people(cli: Cli) -> None:
    post_id = cli.new("alice", GOOD, "--topic", "annual meeting", "--outlets", "x,mastodon")
    code, out, _ = cli("alice", "post", "submit", str(post_id))
    assert code == 0 and "screening: pass" in out
    code, out, _ = cli("bob", "post", "clear", str(post_id))
    assert code == 0 and "waits to be scheduled" in out
    code, out, _ = cli("bob", "post", "schedule", str(post_id), "--when", FUTURE)
    assert code == 0 and f"{FUTURE} America/Chicago" in out

    code, out, _ = cli("alice", "post", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [(p["id"], p["status"], p["topic"]) for p in listed] == [
        (post_id, "scheduled", "Annual Meeting")]
    code, out, _ = cli("bob", "post", "show", str(post_id), "--json")
    shown = json.loads(out)
    assert shown["author"] == "alice" and shown["cleared_by"] == "bob"
    assert shown["scheduled_at"] == "2030-03-15T14:30:00+00:00"  # 09:30 CDT
    assert shown["texts"]["x"] == f"{GOOD} ^AA"
    assert sorted((d["outlet"], d["state"]) for d in shown["deliveries"]) == [
        ("mastodon", "pending"), ("x", "pending")]

    svc = cli.db()
    # the daemon would publish these: the clearance covers exactly what was queued
    assert all(verify_clearance(svc.db.conn, d["id"]) is None for d in shown["deliveries"])
    assert _actions(svc, post_id) == [("alice", "post.create"), ("alice", "post.submit"),
                                      ("bob", "post.clear"), ("bob", "post.schedule")]


def test_a_schedule_that_makes_the_post_untimely_is_refused(cli: Cli) -> None:
    post_id = cli.new("alice", "Thanks to all who came yesterday: https://inmm.org/am",
                      "--topic", "annual meeting", "--submit")
    assert cli("bob", "post", "clear", str(post_id))[0] == 0
    later = dt.datetime.now(zoneinfo.ZoneInfo("America/Chicago")).date() + dt.timedelta(days=2)
    code, out, err = cli("bob", "post", "schedule", str(post_id), "--when", f"{later} 10:00")
    assert code == 1 and out == ""
    assert '"yesterday"' in err and "submit it again for clearance" in err
    svc = cli.db()
    assert svc.posts.get(post_id).status == "cleared" and svc.posts.deliveries(post_id) == []
    refused = audit.history(svc.db.conn, f"post:{post_id}")[-1]
    assert (refused["action"], refused["actor"], refused["details"]["attempt"]) == (
        "post.refused", "bob", "schedule")


def test_edit_after_clearance_sends_the_post_back(cli: Cli) -> None:
    post_id = cli.new("alice", GOOD, "--when", FUTURE, "--submit")
    assert cli("bob", "post", "clear", str(post_id))[0] == 0
    code, out, _ = cli("alice", "post", "edit", str(post_id), "--text", GOOD + " See you!")
    assert code == 0 and "submitted" in out and "cleared again" in out
    assert cli.db().posts.deliveries(post_id) == []


def test_refusals_are_exit_3_and_change_nothing(cli: Cli) -> None:
    post_id = cli.new("alice", GOOD, "--submit")
    code, _, err = cli("alice", "post", "clear", str(post_id))
    assert code == 3 and "four-eyes" in err
    code, _, err = cli("ec", "post", "new", GOOD)
    assert code == 3 and "may not write posts" in err
    draft = cli.new("alice", GOOD)
    assert cli("bob", "post", "submit", str(draft))[0] == 3
    assert cli("bob", "post", "delete", str(draft))[0] == 3
    assert cli("ec", "post", "clear", str(post_id))[0] == 3
    code, _, err = cli("mallory", "post", "list")
    assert code == 3 and "not on the INMM roster" in err
    svc = cli.db()
    assert [svc.posts.get(p).status for p in (post_id, draft)] == ["submitted", "draft"]
    # each refusal by someone on the roster is in the audit log, saying what was tried
    refused = [(actor, subject, json.loads(details)["attempt"])
               for actor, subject, details in svc.db.conn.execute(
                   "SELECT actor, subject, details FROM audit WHERE action = 'post.refused'"
                   " ORDER BY seq")]
    assert refused == [("alice", f"post:{post_id}", "clear"), ("ec", "post", "new"),
                       ("bob", f"post:{draft}", "submit"), ("bob", f"post:{draft}", "delete"),
                       ("ec", f"post:{post_id}", "clear")]


def test_an_unknown_post_is_exit_4(cli: Cli) -> None:
    for argv in (["show", "99"], ["submit", "99"], ["clear", "99"], ["delete", "99"],
                 ["edit", "99", "--topic", "Membership"], ["schedule", "99"]):
        code, _, err = cli("bob", "post", *argv)
        assert code == 4 and "no post #99" in err, argv


@pytest.mark.parametrize(("argv", "named"), [
    (["new", GOOD, "--outlets", "x,facebook"], "--outlets: unknown outlet 'facebook'"),
    (["new", GOOD, "--topic", "Gossip"], "--topic: topic 'Gossip' is not one of"),
    (["new", GOOD, "--when", "2020-01-01 10:00"], "--when: schedule time"),
    (["new", GOOD, "--when", "next tuesday"], "expected a date and time"),
    (["new", GOOD, "--event", "Nonexistent"], "--event: there is no event"),
    (["new", "wiped\x1b[2J"], "ESC (U+001B) at line 1, column 6"),
    (["new", "bidi \u202egnp.exe"], "RIGHT-TO-LEFT OVERRIDE"),
    (["new", "broken \udcff bytes"], "a lone surrogate"),
    (["new", "x" * 6000], "6000 characters"),
    (["new", "  "], "the text is empty"),
    (["reject", "1"], "--reason"),
])
def test_bad_input_is_exit_2_names_what_and_keeps_nothing(cli: Cli, argv: list[str],
                                                          named: str) -> None:
    code, out, err = cli("alice", "post", *argv)
    assert code == 2 and named in err, (out, err)
    assert "\x1b" not in err and "\u202e" not in err
    assert cli.db().db.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 0


def test_delete_takes_only_a_draft(cli: Cli) -> None:
    submitted = cli.new("alice", GOOD, "--submit")
    published = cli.new("alice", GOOD)
    draft = cli.new("alice", GOOD)
    svc = cli.db()
    with write(svc.db):
        svc.db.conn.execute("UPDATE posts SET status = 'published' WHERE id = ?", (published,))
    code, _, err = cli("alice", "post", "delete", str(submitted))
    assert code == 1 and f"post withdraw {submitted}" in err
    code, _, err = cli("alice", "post", "delete", str(published))
    assert code == 1 and "only deletes drafts" in err
    assert cli("alice", "post", "delete", str(draft))[0] == 0
    code, out, _ = cli("alice", "post", "list", "--status", "draft", "--json")
    assert [p["id"] for p in json.loads(out)] == []
    svc = cli.db()
    assert svc.posts.get(draft).status == "withdrawn"
    assert _actions(svc, draft)[-1] == ("alice", "post.delete")
    # the number is never given to another post: its history stays its own
    assert cli.new("alice", GOOD) > draft
    assert cli("alice", "post", "submit", str(draft))[0] == 1


SCHEDULE = (
    "\ufefftext,outlets,when,topic,event,media path,alt text\n"
    f'"{GOOD}",all,{FUTURE},Annual Meeting,,,\n'
    '"Félicitations à nos lauréats 🎉\nhttps://inmm.org/awards",mastodon,,awards,,,\n'
    f'"{BLOCKED}",x,,,,,\n'
)


def _write(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "schedule.csv"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


def test_import_dry_run_shows_each_rows_screening_and_keeps_nothing(cli: Cli,
                                                                   tmp_path: Path) -> None:
    before = cli.db().db.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    code, out, err = cli("alice", "post", "import", _write(tmp_path, SCHEDULE), "--dry-run")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("line 2: would be submitted · pass · x, mastodon · "
                               f"{FUTURE} America/Chicago · Annual Meeting")
    assert any(line.startswith("line 3: would be submitted · ") and "Félicitations" in line
               and "🎉" in line and "Awards" in line for line in lines)
    assert any(line.startswith("line 5: would be submitted · block · x") for line in lines)
    assert "politics_religion" in out and "nothing was kept" in out
    conn = cli.db().db.conn
    assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 0
    assert conn.execute("SELECT max(seq) FROM audit").fetchone()[0] == before


def test_import_submits_every_row_and_a_blocked_row_stays_blocked(cli: Cli,
                                                                  tmp_path: Path) -> None:
    source = _write(tmp_path, SCHEDULE)
    code, out, err = cli("alice", "post", "import", source)
    assert code == 0, err
    assert "Imported 3 posts" in out and "1 blocked" in out
    svc = cli.db()
    posts = [svc.posts.get(p) for p, in svc.db.conn.execute("SELECT id FROM posts ORDER BY id")]
    assert [(p.author, p.status, p.screening_verdict, p.cleared_by) for p in posts] == [
        ("alice", "submitted", "pass", None), ("alice", "submitted", "pass", None),
        ("alice", "submitted", "block", None)]
    assert posts[1].body == "Félicitations à nos lauréats 🎉\nhttps://inmm.org/awards"
    assert posts[1].topic == "Awards" and list(posts[1].outlets) == ["mastodon"]
    assert posts[0].scheduled_at is not None and posts[2].scheduled_at is None
    assert ("alice", "post.import") in [
        (e["actor"], e["action"]) for e in audit.history(svc.db.conn, f"file:{source}")]
    blocked = str(posts[2].id)
    # the blocked row is cleared by no one but the Subcommittee Chair, with a reason
    code, _, err = cli("bob", "post", "clear", blocked)
    assert code == 3 and "override a block" in err
    assert cli("chair", "post", "clear", blocked)[0] == 2
    assert cli.db().posts.get(posts[2].id).status == "submitted"
    # the others are cleared like any post, by someone else than the importer
    assert cli("alice", "post", "clear", str(posts[0].id))[0] == 3
    code, out, _ = cli("bob", "post", "clear", str(posts[0].id))
    assert code == 0 and f"scheduled: {FUTURE}" in out


@pytest.mark.parametrize(("content", "named"), [
    (SCHEDULE + 'Hostile \x1b]2;pwned\x07 text,x,,,,,\n',
     "line 6, column text: the text holds ESC (U+001B) at line 1, column 9"),
    (SCHEDULE + '"bidi \u202egnp.exe https://inmm.org",x,,,,,\n',
     "line 6, column text: the text holds RIGHT-TO-LEFT OVERRIDE"),
    (SCHEDULE.encode() + b"lone \xed\xa0\x80 surrogate,x,,,,,\n", "line 6: not UTF-8 text"),
    (SCHEDULE + "A poster,x,,,,poster.jpg,The poster\n",
     "line 6, column media path: there is no file 'poster.jpg'"),
    (SCHEDULE + "A poster,x,,,,,The poster\n",
     "line 6, column alt text: alt text without a file"),
    (SCHEDULE + "Too many,x,,,,,,extra\n", "line 6: 8 fields, but the header has 7"),
    (SCHEDULE + '"never closed,x,,,,,\n', "not valid CSV"),
    (SCHEDULE + "Some text,facebook,,,,,\n", "line 6, column outlets: unknown outlet"),
    (SCHEDULE + "Some text,x,2020-01-01 10:00,,,,\n", "line 6, column when: "),
    (SCHEDULE + "Some text,x,,Gossip,,,\n", "line 6, column topic: topic 'Gossip'"),
    (SCHEDULE + ",x,,,,,\n", "line 6, column text: the text is empty"),
    ("text,outlets,colour\nHi,x,red\n", "line 1: unknown column 'colour'"),
    ("words,outlets\nHi,x\n", "missing: text"),
])
def test_a_bad_row_refuses_the_whole_import_naming_its_line(cli: Cli, tmp_path: Path,
                                                            content: str | bytes,
                                                            named: str) -> None:
    for dry_run in ((), ("--dry-run",)):
        code, out, err = cli("alice", "post", "import", _write(tmp_path, content), *dry_run)
        assert code == 2 and named in err, (out, err)
        assert "\x1b" not in out + err and "\u202e" not in out + err
    conn = cli.db().db.conn
    assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 0


def test_import_by_someone_who_may_not_write_posts_is_refused(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("ec", "post", "import", _write(tmp_path, SCHEDULE))
    assert code == 3 and "may not write posts" in err
    assert cli.db().db.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 0


def test_the_console_script_refuses_a_login_not_on_the_roster(cli: Cli) -> None:
    result = run_cli("--config", str(cli.config), "post", "list", "--json")
    assert result.returncode == 3 and "not on the INMM roster" in result.stderr


# `post move`: the calendar's move (`m`) from the command line, on the same domain calls.

def _scheduled(cli: Cli, *argv: str) -> int:
    post_id = cli.new("alice", *argv, "--when", FUTURE, "--submit")
    code, _, err = cli("bob", "post", "clear", str(post_id))
    assert code == 0, err
    assert cli.db().posts.get(post_id).status == "scheduled"
    return post_id


def _state(cli: Cli, post_id: int) -> tuple[str, str | None, list[str]]:
    svc = cli.db()
    post = svc.posts.get(post_id)
    return (post.status, post.clearance_hash,
            sorted(d.due_at for d in svc.posts.deliveries(post_id)))


def test_a_move_that_keeps_the_clearance_is_made(cli: Cli) -> None:
    post_id = _scheduled(cli, GOOD, "--outlets", "x,mastodon")
    cleared = cli.db().posts.get(post_id).clearance_hash
    code, out, err = cli("alice", "post", "move", str(post_id), "--at", "2030-03-20 10:00")
    assert code == 0, err
    assert "keeps its clearance" in out
    assert "scheduled for 2030-03-20 10:00 America/Chicago" in out
    svc = cli.db()
    post = svc.posts.get(post_id)
    assert post.status == "scheduled" and post.clearance_hash == cleared
    assert post.scheduled_at == dt.datetime(2030, 3, 20, 15, 0, tzinfo=dt.UTC)  # 10:00 CDT
    deliveries = svc.posts.deliveries(post_id)
    assert {d.due_at for d in deliveries} == {"2030-03-20T15:00:00.000000Z"}
    assert all(verify_clearance(svc.db.conn, d.id) is None for d in deliveries)
    moved = audit.history(svc.db.conn, f"post:{post_id}")[-1]
    assert (moved["actor"], moved["action"], moved["details"]["clearance"]) == (
        "alice", "post.move", "kept")
    assert moved["details"]["to"] == "2030-03-20T15:00:00.000000Z"


def _event_post(cli: Cli) -> int:
    """A post scheduled for the Annual Meeting 2030 (14-16 March): a move after it is over
    needs clearing again."""
    cli.db().switches.start_event("hq", "Annual Meeting 2030", "#INMM30",
                                  starts_on=dt.date(2030, 3, 14), ends_on=dt.date(2030, 3, 16))
    return _scheduled(cli, "Plenary at 10: https://inmm.org/am", "--topic",
                      "annual meeting", "--event", "Annual Meeting 2030")


def test_a_move_that_needs_clearing_again_waits_for_yes(cli: Cli) -> None:
    post_id = _event_post(cli)
    before = _state(cli, post_id)

    # after the event is over: the screen's reason is said, and nothing is moved
    code, out, err = cli("alice", "post", "move", str(post_id), "--at", "2030-03-18 10:00")
    assert code == 1
    assert "needs it cleared again" in out and "already past" in out
    assert "nothing changed" in err and "--yes" in err
    assert _state(cli, post_id) == before
    assert "post.move" not in {a for _, a in _actions(cli.db(), post_id)}

    code, out, err = cli("alice", "post", "move", str(post_id), "--at", "2030-03-18 10:00",
                         "--yes")
    assert code == 0, err
    assert "already past" in out and "is submitted" in out
    status, clearance, due = _state(cli, post_id)
    assert (status, clearance, due) == ("submitted", None, [])
    svc = cli.db()
    assert svc.posts.get(post_id).scheduled_at == dt.datetime(2030, 3, 18, 15, 0, tzinfo=dt.UTC)
    moved = audit.history(svc.db.conn, f"post:{post_id}")[-1]
    assert (moved["actor"], moved["action"]) == ("alice", "post.move")
    assert moved["details"]["clearance"].startswith("withdrawn")
    assert any("already past" in reason for reason in moved["details"]["reasons"])


def test_a_move_declined_without_yes_is_kept_in_the_audit_log(cli: Cli) -> None:
    """Every decline is audited: told the slot needs clearing again, the person did not
    agree (no --yes); nothing moves, and the log says who declined which slot and why."""
    post_id = _event_post(cli)
    before = _state(cli, post_id)
    code, _, err = cli("alice", "post", "move", str(post_id), "--at", "2030-03-18 10:00")
    assert code == 1 and "nothing changed" in err
    assert _state(cli, post_id) == before
    declined = audit.history(cli.db().db.conn, f"post:{post_id}")[-1]
    assert (declined["actor"], declined["action"]) == ("alice", "post.move_declined")
    assert declined["details"]["from"] == "2030-03-15T14:30:00.000000Z"  # 09:30 CDT
    assert declined["details"]["to"] == "2030-03-18T15:00:00.000000Z"
    assert any("already past" in reason for reason in declined["details"]["reasons"])
    assert [a for _, a in _actions(cli.db(), post_id)].count("post.move_declined") == 1


def test_a_move_by_a_role_that_may_not_schedule_is_refused_and_kept(cli: Cli) -> None:
    post_id = _scheduled(cli, GOOD)
    before = _state(cli, post_id)
    code, out, err = cli("ec", "post", "move", str(post_id), "--at", "2030-03-20 10:00")
    assert code == 3 and out == ""
    assert "may not publish, retry or withdraw posts" in err
    assert _state(cli, post_id) == before
    refused = audit.history(cli.db().db.conn, f"post:{post_id}")[-1]
    assert (refused["actor"], refused["action"]) == ("ec", "post.move_refused")


def test_a_move_of_no_post_a_past_time_or_a_post_not_scheduled(cli: Cli) -> None:
    code, _, err = cli("alice", "post", "move", "99", "--at", "2030-03-20 10:00")
    assert code == 4 and "no post #99" in err
    post_id = _scheduled(cli, GOOD)
    before = _state(cli, post_id)
    code, _, err = cli("alice", "post", "move", str(post_id), "--at", "2020-01-01 10:00")
    assert code == 2 and "--at: schedule time '2020-01-01 10:00' is in the past" in err
    code, _, err = cli("alice", "post", "move", str(post_id), "--at", "next tuesday")
    assert code == 2 and "--at: schedule time 'next tuesday': expected a date and time" in err
    assert _state(cli, post_id) == before
    draft = cli.new("alice", GOOD)
    code, _, err = cli("alice", "post", "move", str(draft), "--at", "2030-03-20 10:00")
    assert code == 1 and "is draft; only a scheduled post is moved" in err
    assert cli.db().db.conn.execute(
        "SELECT count(*) FROM audit WHERE action = 'post.move'").fetchone()[0] == 0
