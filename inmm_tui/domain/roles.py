"""The five roles of the policy ("Roles and Responsibilities") and the one permission matrix.

Permissions come from roles alone. `allowed()` is the only place that answers "may this
role do that"; `people.authorise()` applies it to a person read fresh from the roster.
"""

from __future__ import annotations

from enum import StrEnum

from inmm_tui.domain.errors import InvalidInput


class Role(StrEnum):
    EXECUTIVE_COMMITTEE = "executive_committee"
    HQ = "hq"
    COMMUNICATIONS_CHAIR = "communications_chair"
    SUBCOMMITTEE_CHAIR = "subcommittee_chair"
    ACCOUNT_MANAGER = "account_manager"

    @property
    def title(self) -> str:
        return ROLE_TITLES[self]


ROLE_TITLES = {
    Role.EXECUTIVE_COMMITTEE: "Executive Committee",
    Role.HQ: "INMM Headquarters",
    Role.COMMUNICATIONS_CHAIR: "Communications Committee Chair",
    Role.SUBCOMMITTEE_CHAIR: "Social Media Subcommittee Chair",
    Role.ACCOUNT_MANAGER: "Account Manager",
}


class Action(StrEnum):
    VIEW = "view"
    """Read the queues, the schedule, metrics, reports and the audit log."""
    COMPOSE = "compose"
    """Write drafts and submit them for clearance."""
    COMMENT = "comment"
    """Counsel on a post before it is cleared."""
    CLEAR = "clear"
    """Clear or reject a submitted post."""
    OVERRIDE_BLOCK = "override_block"
    """Clear a post despite a `block` finding of the screen (with a reason)."""
    PUBLISH_CONTROL = "publish_control"
    """Publish a held delivery now, retry a failed one, withdraw a post."""
    PAUSE_PUBLISHING = "pause_publishing"
    """Pause or resume all publishing at once."""
    CRISIS = "crisis"
    """Turn crisis mode on or off."""
    EVENTS = "events"
    """Start and end live coverage of an event."""
    MANAGE_ROSTER = "manage_roster"
    """Add people, change roles, withdraw rights, record the annual review."""
    RECORD_ROTATION = "record_rotation"
    """Record that an outlet's credentials were rotated."""
    FLAG_COMPROMISE = "flag_compromise"
    """Report a suspected compromise of an outlet's credentials."""
    MODERATE = "moderate"
    """Hide replies, block or report accounts, follow or unfollow organisations."""
    FORWARD_TO_EC = "forward_to_ec"
    """Forward a recommendation on a questionable post to the Executive Committee."""
    EC_DECISION = "ec_decision"
    """Record the Executive Committee's decision."""
    LEGAL_HOLD = "legal_hold"
    """Put evidence under legal hold, or release it."""
    MONTHLY_REPORT = "monthly_report"
    """Write the monthly summary for the Executive Committee."""
    ALERTS = "alerts"
    """Acknowledge alerts and mark reminders done."""


_EVERYONE = frozenset(Role)
_POSTERS = frozenset({Role.HQ, Role.SUBCOMMITTEE_CHAIR, Role.ACCOUNT_MANAGER})

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW: _EVERYONE,
    Action.COMPOSE: _POSTERS,
    Action.COMMENT: _EVERYONE,
    Action.CLEAR: _POSTERS,
    Action.OVERRIDE_BLOCK: frozenset({Role.SUBCOMMITTEE_CHAIR}),
    Action.PUBLISH_CONTROL: _POSTERS,
    Action.PAUSE_PUBLISHING: frozenset({Role.HQ}),
    Action.CRISIS: frozenset({Role.HQ, Role.SUBCOMMITTEE_CHAIR}),
    Action.EVENTS: _POSTERS,
    Action.MANAGE_ROSTER: frozenset({Role.HQ, Role.SUBCOMMITTEE_CHAIR, Role.COMMUNICATIONS_CHAIR}),
    Action.RECORD_ROTATION: frozenset({Role.HQ}),
    Action.FLAG_COMPROMISE: _EVERYONE,
    Action.MODERATE: _POSTERS,
    Action.FORWARD_TO_EC: frozenset({Role.SUBCOMMITTEE_CHAIR, Role.HQ}),
    Action.EC_DECISION: frozenset({Role.EXECUTIVE_COMMITTEE}),
    Action.LEGAL_HOLD: frozenset({Role.HQ, Role.SUBCOMMITTEE_CHAIR}),
    Action.MONTHLY_REPORT: frozenset(
        {Role.COMMUNICATIONS_CHAIR, Role.SUBCOMMITTEE_CHAIR, Role.HQ}
    ),
    Action.ALERTS: frozenset({Role.HQ, Role.SUBCOMMITTEE_CHAIR, Role.COMMUNICATIONS_CHAIR}),
}


def allowed(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]


def parse_role(text: str) -> Role:
    """A role from its id or its title, case-insensitively; InvalidInput naming the choices."""
    wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
    for role in Role:
        if wanted in (role.value, role.title.lower().replace(" ", "_")):
            return role
    aliases = {"ec": Role.EXECUTIVE_COMMITTEE, "am": Role.ACCOUNT_MANAGER,
               "chair": Role.SUBCOMMITTEE_CHAIR, "smsc_chair": Role.SUBCOMMITTEE_CHAIR,
               "comms_chair": Role.COMMUNICATIONS_CHAIR}
    if wanted in aliases:
        return aliases[wanted]
    choices = ", ".join(role.value for role in Role)
    raise InvalidInput(f"unknown role {text!r} (expected one of {choices})")
