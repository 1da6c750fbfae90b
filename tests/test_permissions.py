"""The permission matrix, every role against every action, checked through the domain's
gate on a real roster; and refusals for people who are not (or no longer) authorised."""

from __future__ import annotations

import pytest

from inmm_tui.domain.errors import NotAuthorised
from inmm_tui.domain.people import authorise
from inmm_tui.domain.roles import Action, Role
from inmm_tui.domain.services import Services

EC, HQ, CC, SC, AM = (Role.EXECUTIVE_COMMITTEE, Role.HQ, Role.COMMUNICATIONS_CHAIR,
                      Role.SUBCOMMITTEE_CHAIR, Role.ACCOUNT_MANAGER)

# Written out from the policy's "Roles and Responsibilities", independently of roles.py.
EXPECTED = {
    Action.VIEW: {EC, HQ, CC, SC, AM},
    Action.COMPOSE: {HQ, SC, AM},
    Action.COMMENT: {EC, HQ, CC, SC, AM},
    Action.CLEAR: {HQ, SC, AM},
    Action.OVERRIDE_BLOCK: {SC},
    Action.PUBLISH_CONTROL: {HQ, SC, AM},
    Action.PAUSE_PUBLISHING: {HQ},
    Action.CRISIS: {HQ, SC},
    Action.EVENTS: {HQ, SC, AM},
    Action.MANAGE_ROSTER: {HQ, SC, CC},
    Action.RECORD_ROTATION: {HQ},
    Action.FLAG_COMPROMISE: {EC, HQ, CC, SC, AM},
    Action.MODERATE: {HQ, SC, AM},
    Action.FORWARD_TO_EC: {SC, HQ},
    Action.EC_DECISION: {EC},
    Action.LEGAL_HOLD: {HQ, SC},
    Action.MONTHLY_REPORT: {CC, SC, HQ},
    Action.ALERTS: {HQ, SC, CC},
    Action.READ_PRIVATE: {HQ, SC},
    Action.READ_AUDIT: {EC, HQ, CC, SC},
    Action.EXPORT_EVIDENCE: {EC, HQ, CC, SC},
    Action.FORWARD_REPORT: {CC},
    # "Monitor posts ... hide or delete them" (HQ); "monitor all posts for factual
    # accuracy ... and respond to issues" (the Subcommittee Chair).
    Action.DELETE_PUBLISHED: {HQ, SC},
}

LOGIN_OF = {HQ: "hq", SC: "chair", CC: "comms", EC: "ec", AM: "alice"}


def test_every_action_is_in_the_expected_table() -> None:
    assert set(EXPECTED) == set(Action)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_matrix(roster: Services, role: Role, action: Action) -> None:
    login = LOGIN_OF[role]
    if role in EXPECTED[action]:
        assert authorise(roster.db.conn, login, action).role is role
    else:
        with pytest.raises(NotAuthorised) as refused:
            authorise(roster.db.conn, login, action)
        assert refused.value.exit_code == 3
        assert role.label in str(refused.value)


def test_unknown_login_is_refused_and_nothing_changes(roster: Services) -> None:
    before = roster.db.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(NotAuthorised, match="'mallory' is not on the INMM roster"):
        roster.posts.create_draft("mallory", "Hello")
    with pytest.raises(NotAuthorised):
        roster.roster.add("mallory", "eve2", "Eve Two", Role.HQ)
    assert roster.db.execute("SELECT count(*) FROM posts").fetchone()[0] == 0
    assert roster.db.execute("SELECT count(*) FROM audit").fetchone()[0] == before


def test_withdrawn_rights_take_effect_at_once(roster: Services) -> None:
    roster.roster.revoke("hq", "bob", "left the subcommittee")
    with pytest.raises(NotAuthorised, match=r"no longer has rights.*left the subcommittee"):
        roster.posts.create_draft("bob", "Hello")
    # and the change makes every outlet's credentials due for rotation (policy: Management)
    outlets = {row[0] for row in roster.db.execute(
        "SELECT outlet FROM rotation_triggers WHERE cause = 'roster_change'")}
    assert outlets == {o.name for o in roster.config.outlets}


def test_account_manager_cannot_change_the_roster(roster: Services) -> None:
    with pytest.raises(NotAuthorised, match="may not change the roster"):
        roster.roster.add("alice", "zed", "Zed Zee", Role.HQ)
    with pytest.raises(NotAuthorised):
        roster.roster.revoke("alice", "bob", "because")


def test_nobody_withdraws_their_own_rights(roster: Services) -> None:
    with pytest.raises(NotAuthorised, match="nobody changes their own role or withdraws"):
        roster.roster.revoke("hq", "hq", "oops")
