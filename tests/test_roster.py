"""Initialising the database and keeping the roster."""

from __future__ import annotations

import pytest

from inmm_tui.domain import audit
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised
from inmm_tui.domain.roles import Role, parse_role
from inmm_tui.domain.services import Services


def test_initialise_is_idempotent_for_the_same_admin(services: Services) -> None:
    person, created = services.roster.initialise("hq", "Harriet Quinn")
    assert created and person.role is Role.HQ and person.initials == "HQ"
    again, created_again = services.roster.initialise("hq", "Harriet Quinn")
    assert not created_again and again == person
    assert services.db.execute("SELECT count(*) FROM people").fetchone()[0] == 1


def test_initialise_refuses_a_second_admin(roster: Services) -> None:
    with pytest.raises(InvalidState, match="already has 6 people"):
        roster.roster.initialise("newcomer", "New Comer")
    with pytest.raises(InvalidState, match="already on the roster as Account Manager"):
        roster.roster.initialise("alice", "Alice Able")


def test_bad_login_and_role_are_refused_with_the_reason(roster: Services) -> None:
    with pytest.raises(InvalidInput, match="is not a login name"):
        roster.roster.add("hq", "Not A Login", "X", Role.HQ)
    with pytest.raises(InvalidInput, match="unknown role 'wizard'"):
        parse_role("wizard")
    assert parse_role("Account Manager") is Role.ACCOUNT_MANAGER


def test_every_roster_change_is_audited(roster: Services) -> None:
    roster.roster.change_role("hq", "bob", Role.COMMUNICATIONS_CHAIR)
    roster.roster.revoke("hq", "bob", "stepped down")
    roster.roster.reinstate("hq", "bob")
    with pytest.raises(NotAuthorised):
        roster.roster.revoke("chair", "bob", "not the chair's to withdraw")
    actions = [e["action"] for e in audit.history(roster.db.conn, "person:bob")]
    assert actions == ["roster.add", "roster.change_role", "roster.revoke", "roster.reinstate",
                       "roster.refused"]
    assert audit.verify(roster.db.conn).ok
