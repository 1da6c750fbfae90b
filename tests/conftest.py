"""Shared fixtures: a real SQLite file per test, a config pointing at it, services on a
fixed clock, and a roster with one person of each role."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from inmm_tui.config import Config, parse_config
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.store.db import open_database
from tests.templates import close_for_copy

START = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: dt.datetime = START):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def make_config(tmp_path: Path, **inmm: object) -> Config:
    data = {"inmm": {"database": str(tmp_path / "inmm.db"), "timezone": "America/Chicago",
                     **inmm}}
    return parse_config(data, tmp_path / "inmm.toml")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database with every migration applied, made once per session (per xdist
    worker) and copied for each test: migrating a new file takes a tenth of a second or
    more of disk syncs, longer than most tests themselves."""
    path = tmp_path_factory.mktemp("template") / "inmm.db"
    close_for_copy(open_database(path, create=True))
    return path


@pytest.fixture
def services(config: Config, clock: FakeClock, migrated_database: Path) -> Services:
    shutil.copyfile(migrated_database, config.database_path)
    db = open_database(config.database_path)
    svc = Services.build(config, db, clock=clock)
    yield svc
    db.close()


PEOPLE = {
    "hq": ("Harriet Quinn", Role.HQ),
    "comms": ("Cora Comms", Role.COMMUNICATIONS_CHAIR),
    "chair": ("Sam Chair", Role.SUBCOMMITTEE_CHAIR),
    "ec": ("Eve Committee", Role.EXECUTIVE_COMMITTEE),
    "alice": ("Alice Able", Role.ACCOUNT_MANAGER),
    "bob": ("Bob Baker", Role.ACCOUNT_MANAGER),
}


def add_people(services: Services, *, acknowledge: bool = True) -> None:
    """One person of each role (and two account managers), each added by the person the
    policy gives it to (the Communications Chair appoints the chair); unless told not to,
    each has acknowledged the policy and rules in force (see `acknowledge_policy`)."""
    services.roster.initialise("hq", PEOPLE["hq"][0])
    for login, (name, role) in PEOPLE.items():
        if login != "hq":
            by = "comms" if role is Role.SUBCOMMITTEE_CHAIR else "hq"
            services.roster.add(by, login, name, role)
    if acknowledge:
        acknowledge_policy(services, *PEOPLE)


def acknowledge_policy(services: Services, *logins: str) -> None:
    """Put the configured policy and rules in force, as every command does, and record
    that `logins` read and acknowledged them (through the domain, audited)."""
    version = services.policy.record_current().version
    for login in logins:
        services.policy.acknowledge(login, version)


@pytest.fixture
def roster(services: Services) -> Services:
    """Services with the people of `add_people`."""
    add_people(services)
    return services


from tests.sandbox_fixtures import _sandbox_server, sandbox  # noqa: E402, F401
