"""A throwaway database with a fixed clock, four people (the Communications Chair
appoints the Subcommittee Chair), and a screener that finds
things, for the UI's pilot and snapshot tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from ui_support import AM, CHAIR, COMMS, HQ, NOW, build_services

from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db
from inmm_tui.ui.app import InmmApp
from tests.conftest import acknowledge_policy
from tests.templates import close_for_copy


@pytest.fixture(scope="session")
def _roster_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database every UI test starts from, made once per session (per xdist worker)
    and copied for each test (all of it is on the fixed clock, so every copy is alike)."""
    path = tmp_path_factory.mktemp("ui-template") / "inmm.db"
    services = build_services(path)
    services.roster.initialise(HQ, "Jo Smith")
    services.roster.add(HQ, AM, "Alex Doe", Role.ACCOUNT_MANAGER)
    services.roster.add(HQ, COMMS, "Cora Comms", Role.COMMUNICATIONS_CHAIR)
    services.roster.add(COMMS, CHAIR, "Bea Chair", Role.SUBCOMMITTEE_CHAIR)
    # Each has read and acknowledged the policy and rules in force, as `inmm-tui ui` puts
    # them in force (tests/ui/test_policy_screen.py tries someone who has not).
    acknowledge_policy(services, HQ, AM, COMMS, CHAIR)
    # Each addition made the credentials due (an update to the authorised list); the
    # screens are tried after HQ has rotated them.
    with write(services.db):
        services.db.conn.execute("UPDATE rotation_triggers SET resolved_at = ?",
                                 (to_db(NOW),))
    close_for_copy(services.db)
    return path


@pytest.fixture
def db_path(tmp_path: Path, _roster_database: Path) -> Path:
    path = tmp_path / "inmm.db"
    shutil.copyfile(_roster_database, path)
    return path


@pytest.fixture
def services(db_path: Path) -> Services:
    return build_services(db_path)


@pytest.fixture
def make_app(db_path: Path) -> Callable[[str], InmmApp]:
    """An app as `login`, on its own services (as a second person's terminal would be)."""

    def make(login: str = HQ) -> InmmApp:
        return InmmApp(build_services(db_path), login, watch=False)

    return make


