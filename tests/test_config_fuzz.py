"""The configuration fuzzed: TOML files mixing good and bad values for every key. Each is
either refused with exit 2 and a message naming a key that was bad, or accepted and then
works: `--report` runs, the daemon's timings are built, and a post is written, cleared and
published by the daemon's jobs (`--once`) on a real database.

Each value is drawn as good (the configuration must accept it), bad (it must refuse it)
or merely odd (either is fine, as long as the outcome is clean)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from inmm_tui.cli import main
from inmm_tui.config import Daemon as DaemonSection
from inmm_tui.config import load_config
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database

from .conftest import add_people, make_config
from .daemon_helpers import fakes

GOOD, BAD, ODD = True, False, None
BAD_NUMBERS = [-1, 2**63 - 1, -(2**63), math.inf, -math.inf, math.nan, "10", True, [1]]


Choice = tuple[st.SearchStrategy[tuple[Any, bool | None]], st.SearchStrategy[tuple[Any, bool | None]]]
"""A key's good values, and all its values (good, bad and odd)."""


def value(good: list[Any], bad: list[Any], odd: st.SearchStrategy[Any] | None = None) -> Choice:
    goods = st.sampled_from(good).map(lambda v: (v, GOOD)) if good else st.nothing()
    options = [goods, st.sampled_from(bad).map(lambda v: (v, BAD)) if bad else st.nothing()]
    if odd is not None:
        options.append(odd.map(lambda v: (v, ODD)))
    return goods, st.one_of(options)


def whole(good: list[int], bad: list[Any]) -> Choice:
    return value(good, [*BAD_NUMBERS, 1.5, *bad], st.integers(-10**6, 10**10))


def real(good: list[float], bad: list[Any]) -> Choice:
    return value(good, [*BAD_NUMBERS, *bad],
                 st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                           st.integers(-10**6, 10**10)))


DATES_BAD = [dt.date(1, 1, 1), dt.date(9999, 12, 31), "next year", 20271015, "2027-02-30"]
DATES_GOOD = [dt.date(2027, 10, 15), dt.date(2021, 12, 1), "2030-01-31"]
CRON_GOOD = ["* * * * *", "*/15 * * * *", "0 8 * * 1-5", "30 6 1 * *", "0 7 1 1 *"]
CRON_BAD = ["61 * * * *", "* * *", "every minute", "0 0 30 2 *", "* * * * * *", "*/0 * * * *",
            "", 5, ["* * * * *"]]

SECTIONS: dict[str, dict[str, Choice]] = {
    "inmm": {
        "timezone": value(["UTC", "America/Chicago", "Europe/Vienna"],
                          ["Mars/Olympus", "", "../../etc/passwd", 5, "UTC\x00"]),
        "signature": value(["^{initials}", "", "-{name}", "({login}) {{x}}", "^AB"],
                           ["{nope}", "^{initials", "{0}", "{}", "{initials!r}", "{name:>9}",
                            "}", "{name.upper}", 3]),
        "four_eyes": value([True, False], ["yes", 1]),
        "announcement_limit": whole([140, 280], [0]),
        "topics": value([["Member news"], ["Member news", "Awards"]],
                        ["Member news", [1], [["x"]]]),
        "society_domains": value([["inmm.org"], ["inmm.org", "example.com"], []],
                                 [["https://inmm.org"], ["nodot"], "inmm.org"]),
        "databse": value([], ["x.db"]),  # a misspelt key
    },
    "sandbox": {
        "host": value(["127.0.0.1", "localhost"], [1, ["127.0.0.1"]]),
        "port": whole([0, 8765, 65535], [65536]),
    },
    "daemon": {
        "max_attempts": whole([1, 8], [0]),
        "late_hold_minutes": whole([1, 120, 1440], [0]),
        "heartbeat_stale_seconds": whole([60, 300], [0]),
        "request_timeout_seconds": real([0.5, 10, 10.0], [0, 0.0]),
        "retry_base_seconds": real([0.1, 10.0], [0, -0.5]),
        "retry_max_seconds": real([900.0, 60.5], [0]),
        "evidence_retention_days": whole([0, 365], []),
        "jobs": (jobs := st.dictionaries(st.sampled_from(sorted(DaemonSection().jobs)),
                                         st.sampled_from(CRON_GOOD), max_size=3
                                         ).map(lambda d: (d, GOOD)),
                 st.one_of(jobs,
                           st.fixed_dictionaries({"publish": st.sampled_from(CRON_BAD)}
                                                 ).map(lambda d: (d, BAD)),
                           st.just(({"publsh": "* * * * *"}, BAD)))),
    },
    "review": {
        "ec_meeting": value(DATES_GOOD, DATES_BAD),
        "policy_next_review": value(DATES_GOOD, DATES_BAD),
        "rotation_months": whole([1, 6, 120], [0, 121]),
    },
    "metrics": {
        "poll_days": whole([1, 30], [0]),
        "max_posts_per_run": whole([1, 200], [0]),
        "organisation_words": value([["institute"], []], ["institute", [1]]),
        "staff_handles": value([["inmm_staff"], []], [[7], "inmm_staff"]),
        "individual_name_pattern": value([r"^[A-Z]\w+ [A-Z]\w+$", "."], ["(", "[a-", 5]),
    },
    "questions": {
        "remind_after_hours": whole([1, 48], [0]),
        "templates": value([{"default": "Thanks, {handle}."},
                            {"default": "Thanks.", "research": "Checking."}],
                           [{"research": "Checking."}, {"default": 5}, "Thanks."]),
    },
}
OUTLETS = value([None, [{"name": "x", "kind": "sandbox", "api": "x"}]],
                [[{"name": "fb", "kind": "facebook"}], [{"name": "x"}], [],
                 [{"name": "x", "kind": "x"}, {"name": "x", "kind": "mastodon"}]])
DATABASES = st.sampled_from(["ok"] * 6 + ["missing", "folder", "not sqlite"])


@st.composite
def documents(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, bool | None]]:
    """A configuration (without its database) and each key's verdict: good, bad or odd."""
    doc: dict[str, Any] = {}
    verdicts: dict[str, bool | None] = {}
    clean = draw(st.booleans())  # half the files have only good values: they must work
    for section, keys in SECTIONS.items():
        strategies = {key: choice[0] if clean else choice[1] for key, choice in keys.items()}
        strategies = {key: strategy for key, strategy in strategies.items()
                      if not strategy.is_empty}
        chosen = draw(st.fixed_dictionaries({}, optional=strategies))
        if chosen:
            doc[section] = {key: v for key, (v, _) in chosen.items()}
            verdicts.update({f"{section}.{key}": verdict for key, (_, verdict) in chosen.items()})
    outlets, verdict = draw(OUTLETS[0] if clean else OUTLETS[1])
    if outlets is not None:
        doc["outlets"] = outlets
        verdicts["outlets"] = verdict
    return doc, verdicts


def toml(data: Any) -> str:
    """Just enough TOML for the documents above (tomllib only reads)."""
    def scalar(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") \
                if math.isinf(v) else repr(v)
        if isinstance(v, int | dt.date):
            return str(v) if isinstance(v, int) else v.isoformat()
        if isinstance(v, str):
            return json.dumps(v)  # JSON's escapes are TOML's
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {scalar(x)}" for k, x in v.items()) + "}"
        if v is None:
            raise ValueError("TOML has no null")
        raise TypeError(v)
    lines = []
    for section, body in data.items():
        if section == "outlets":
            lines.append(f"outlets = {scalar(body)}")
            continue
        lines.append(f"[{section}]")
        lines += [f"{key} = {scalar(v)}" for key, v in body.items()]
    # `outlets = [...]` must come before any table header
    lines.sort(key=lambda line: not line.startswith("outlets ="))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    """A database with the roster of conftest, made once and copied for each case."""
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(Path(tmp))
        db = open_database(config.database_path, create=True)
        svc = Services.build(config, db)
        add_people(svc)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        yield config.database_path


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _works(path: Path) -> None:
    """The configuration in use: the daemon's timings, a post written, cleared and
    published by the daemon's jobs on fake outlets, the governance reminders computed."""
    from inmm_daemon.service import Daemon, cron_triggers

    config = load_config(str(path))
    cron_triggers(config)
    svc = Services.build(config, open_database(config.database_path))
    try:
        post_id = svc.posts.create_draft("alice", "Fuzzed configuration check https://inmm.org",
                                         topic=config.inmm.topics[0],
                                         scheduled_at=svc.clock())
        svc.posts.submit("alice", post_id)
        svc.posts.clear("bob", post_id)
        daemon = Daemon(config, lambda: open_database(config.database_path), fakes(svc),
                        clock=svc.clock)
        try:
            daemon.run_once()
        finally:
            daemon.close()
        assert {d.state for d in svc.posts.deliveries(post_id)} == {"sent"}
    finally:
        svc.db.close()


@pytest.mark.slow
@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=documents(), database=DATABASES)
def test_every_configuration_is_refused_naming_a_bad_key_or_works(
        case: tuple[dict[str, Any], dict[str, bool | None]], database: str,
        template: Path) -> None:
    doc, verdicts = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "inmm.db"
        if database == "ok":
            shutil.copy(template, db)
        elif database == "folder":
            db.mkdir()
        elif database == "not sqlite":
            db.write_text("a text file, not a database\n" * 40)
        doc.setdefault("inmm", {})["database"] = str(db)
        (folder / "reports").mkdir()
        path = folder / "inmm.toml"
        path.write_text(toml(doc), encoding="utf-8")

        code, out, err = _cli("--config", str(path), "--report", "--json")
        assert "Traceback" not in err
        doubtful = [key for key, verdict in verdicts.items() if verdict is not GOOD]
        bad = [key for key, verdict in verdicts.items() if verdict is BAD]
        if code == 2:
            named = [key for key in doubtful if f"{key}" in err or
                     (key == "inmm.databse" and "inmm.databse" in err)]
            db_named = database in ("folder", "not sqlite") and f"{db}:" in err \
                and "[inmm] database" in err
            assert named or db_named, (toml(doc), err)
            event("refused")
            return
        assert code in (0, 1), (toml(doc), code, err)
        assert not bad, (f"accepted bad values for {bad}", toml(doc))
        assert database in ("ok", "missing"), (toml(doc), out)
        status = json.loads(out)
        assert status["initialised"] is (database == "ok")
        event(f"accepted, database {database}")
        if database == "ok":
            _works(path)
