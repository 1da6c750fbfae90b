"""The monthly report reaches the Executive Committee "through the Communications Chair":
the Chair is told when it is written, records the day it was forwarded (only the Chair;
refusals audited), and `--report` names last month's report until then."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised
from inmm_tui.domain.people import Roster, current_login
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.reports import forwarding, monthly, status
from inmm_tui.store.db import open_database
from inmm_tui.timeutil import to_db, utcnow

from .cli_helpers import run_cli
from .conftest import START, FakeClock, make_config

OCTOBER = dt.date(2026, 10, 1)


def _record(svc: Services, login: str, on: dt.date | None = None,
            month: dt.date = OCTOBER) -> dt.date:
    return forwarding.record_forwarded(svc.db, login, month, svc.clock, svc.config.tz, on)


def test_the_chair_is_told_and_records_the_report_forwarded(roster: Services,
                                                             clock: FakeClock) -> None:
    monthly.write_report(roster, OCTOBER, "md", actor="hq")
    (summary,) = [row[0] for row in roster.db.conn.execute(
        "SELECT summary FROM notify_events WHERE kind = 'monthly_report'")]
    assert "`inmm-tui report forwarded 2026-10`" in summary
    before = status.gather(roster.config, clock())
    assert before["report_not_forwarded"]["month"] == "2026-10"
    assert any("2026-10 monthly report is not recorded as forwarded" in a
               for a in before["attention"])
    assert "monthly report 2026-10: written 2026-11-02, not yet forwarded to the EC" in \
        status.render_text(before)
    assert _record(roster, "comms") == dt.date(2026, 11, 2)  # today, in Chicago
    after = status.gather(roster.config, clock())
    assert after["report_not_forwarded"] is None
    assert not any("forwarded" in a for a in after["attention"])
    assert "not yet forwarded" not in status.render_text(after)
    (entry,) = [e for e in audit.history(roster.db.conn, "report:2026-10")
                if e["action"] == "report.forwarded"]
    assert entry["actor"] == "comms" and entry["details"] == {"forwarded_on": "2026-11-02"}
    assert monthly.past_reports(roster.db.conn)[0]["forwarded_on"] == "2026-11-02"
    with pytest.raises(InvalidState, match=r"already recorded as forwarded .* on 2026-11-02"):
        _record(roster, "comms")


@pytest.mark.parametrize("login", ["hq", "chair", "ec", "alice"])
def test_only_the_communications_chair_records_it(roster: Services, login: str) -> None:
    monthly.write_report(roster, OCTOBER, "md", actor="hq")
    with pytest.raises(NotAuthorised, match="Communications Committee Chair does"):
        _record(roster, login)
    refused = [e for e in audit.history(roster.db.conn, "report:2026-10")
               if e["action"] == "report.forwarded_refused"]
    assert [e["actor"] for e in refused] == [login]
    assert forwarding.pending(roster.db.conn, "2026-10") is not None


def test_a_report_must_exist_and_the_day_must_be_possible(roster: Services,
                                                          clock: FakeClock) -> None:
    with pytest.raises(InvalidState, match="no report for 2026-10 has been written"):
        _record(roster, "comms")
    assert forwarding.pending(roster.db.conn, "2026-10") is None  # nothing written: no line
    monthly.write_report(roster, OCTOBER, "md", actor="hq")
    with pytest.raises(InvalidInput, match="after today"):
        _record(roster, "comms", on=dt.date(2026, 11, 3))
    with pytest.raises(InvalidInput, match="written on 2026-11-02"):
        _record(roster, "comms", on=dt.date(2026, 11, 1))
    with pytest.raises(InvalidInput, match="--on '2026-11-31'"):
        forwarding.parse_day("2026-11-31")
    assert forwarding.pending(roster.db.conn, "2026-10") is not None


def test_the_commands(tmp_path: Path) -> None:
    me = current_login()
    config = make_config(tmp_path)
    db = open_database(config.database_path, create=True)
    roster = Roster(db, (), clock=lambda: START)
    roster.initialise("hq", "Harriet Quinn")
    roster.add("hq", me, "Cora Comms", Role.COMMUNICATIONS_CHAIR)
    # `--report` runs on the real clock: the report is for the month before today's.
    month = forwarding.previous_month(utcnow().astimezone(config.tz).date()).strftime("%Y-%m")
    with db.conn:
        db.conn.execute(
            "INSERT INTO monthly_reports (month, format, path, written_at, written_by, sha256)"
            " VALUES (?, 'md', 'r.md', ?, 'daemon', '0')",
            (month, to_db(utcnow() - dt.timedelta(days=1))))
    db.close()
    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{config.database_path}"\n')
    shown = run_cli("--config", str(cfg), "--report", "--json")
    assert shown.returncode == 1
    assert json.loads(shown.stdout)["report_not_forwarded"]["month"] == month
    bad = run_cli("--config", str(cfg), "report", "forwarded", "March")
    assert bad.returncode == 2 and "MONTH 'March'" in bad.stderr and "Traceback" not in bad.stderr
    done = run_cli("--config", str(cfg), "report", "forwarded", month)
    assert done.returncode == 0, done.stderr
    assert "forwarded to the Executive Committee on" in done.stdout
    listed = run_cli("--config", str(cfg), "report", "list")
    assert "forwarded to the EC" in listed.stdout
    shown = run_cli("--config", str(cfg), "--report")
    assert "not yet forwarded" not in shown.stdout
    again = run_cli("--config", str(cfg), "report", "forwarded", month)
    assert again.returncode == 1 and "already recorded" in again.stderr
