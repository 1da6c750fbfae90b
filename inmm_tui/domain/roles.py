"""The five roles of the policy ("Roles and Responsibilities") and the one permission matrix.

Permissions come from roles alone. `allowed()` is the only place that answers "may this
role do that"; `people.authorise()` applies it to a person read fresh from the roster.
`ROSTER_AUTHORITY` says, for those who may change the roster, whose place on it they decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from inmm_tui.domain.errors import InvalidInput


class Role(StrEnum):
    EXECUTIVE_COMMITTEE = "executive_committee"
    HQ = "hq"
    COMMUNICATIONS_CHAIR = "communications_chair"
    SUBCOMMITTEE_CHAIR = "subcommittee_chair"
    ACCOUNT_MANAGER = "account_manager"

    @property
    def label(self) -> str:
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
    READ_PRIVATE = "read_private"
    """Read the private messages sent to the accounts (never shown in public queues)."""
    READ_AUDIT = "read_audit"
    """Read everyone's entries in the audit log (others read their own only)."""
    EXPORT_EVIDENCE = "export_evidence"
    """Export a moderation item's evidence, with its audit entries, for the Executive Committee."""
    FORWARD_REPORT = "forward_report"
    """Record that the monthly report was forwarded to the Executive Committee."""
    DELETE_PUBLISHED = "delete_published"
    """Take a published post down from one or all outlets (with a reason)."""


@dataclass(frozen=True)
class RosterAuthority:
    """Whose place on the roster a role may decide."""

    gives: frozenset[Role]
    """Roles it may give: add a person with, change a person to, reinstate a person in."""
    takes: frozenset[Role] = frozenset()
    """Roles whose holders it may withdraw, or move to another role."""


# Who may give and take which role: the one table, read from the policy's "Roles and
# Responsibilities" and "Management of Social Media Pages". Beside it (people.py):
# nobody changes their own role or withdraws themselves, the last HQ person stays, and
# there is one Subcommittee Chair at a time. Every grant here is within the granter's own
# line: HQ keeps the whole list, the Communications Chair is over the subcommittee, the
# Subcommittee Chair over the account managers.
ROSTER_AUTHORITY: dict[Role, RosterAuthority] = {
    # HQ: "Maintain the subcommittee membership list in accordance with Communications
    # Committee"; "INMM Headquarters (HQ) will maintain access and passwords." So HQ may
    # withdraw or move anyone. It may not appoint the Subcommittee Chair: the policy gives
    # that to one named person, and HQ keeps the list "in accordance with" them, so the
    # appointment is made (and audited) by the Communications Chair themselves. The
    # Executive Committee and the Communications Chair are chosen by INMM outside this
    # policy; HQ records who they are.
    Role.HQ: RosterAuthority(
        gives=frozenset({Role.HQ, Role.EXECUTIVE_COMMITTEE, Role.COMMUNICATIONS_CHAIR,
                         Role.ACCOUNT_MANAGER}),
        takes=frozenset(Role)),
    # Communications Committee Chair: "Appoint the chair of the INMM subcommittee
    # responsible for social media"; "Provide oversight to ensure effective functioning of
    # the subcommittee". The subcommittee is its chair and its account managers, so the
    # Chair may also move the outgoing chair to account manager, or appoint the chair from
    # among the account managers.
    Role.COMMUNICATIONS_CHAIR: RosterAuthority(
        gives=frozenset({Role.SUBCOMMITTEE_CHAIR, Role.ACCOUNT_MANAGER}),
        takes=frozenset({Role.SUBCOMMITTEE_CHAIR, Role.ACCOUNT_MANAGER})),
    # Chair of the Social Media Subcommittee: "Establish a team to maintain content on INMM
    # accounts, assign account managers and administrators"; "Oversee the activity of all
    # account managers/administrators".
    Role.SUBCOMMITTEE_CHAIR: RosterAuthority(
        gives=frozenset({Role.ACCOUNT_MANAGER}),
        takes=frozenset({Role.ACCOUNT_MANAGER})),
    # "The list of authorized personnel will be evaluated, updated and presented at the
    # annual EC meeting": the EC evaluates it and decides on discipline (recorded as an EC
    # decision); HQ carries the changes out.
    Role.EXECUTIVE_COMMITTEE: RosterAuthority(gives=frozenset()),
    # Account managers keep no list.
    Role.ACCOUNT_MANAGER: RosterAuthority(gives=frozenset()),
}


def may_give(actor: Role, role: Role) -> bool:
    return role in ROSTER_AUTHORITY[actor].gives


def may_take(actor: Role, role: Role) -> bool:
    return role in ROSTER_AUTHORITY[actor].takes


def givers_of(role: Role) -> list[Role]:
    return [r for r, authority in ROSTER_AUTHORITY.items() if role in authority.gives]


def takers_of(role: Role) -> list[Role]:
    return [r for r, authority in ROSTER_AUTHORITY.items() if role in authority.takes]


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
    Action.MANAGE_ROSTER: frozenset(
        role for role, authority in ROSTER_AUTHORITY.items() if authority.gives),
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
    # A private message is an inquiry to INMM, and may carry the sender's personal
    # information ("No personal information is to be shared via INMM accounts"). The
    # policy makes the Subcommittee Chair "a point of contact for social media
    # inquiries"; HQ "will maintain access and passwords", so reads them on the
    # platform anyway. Nobody else: the others' work is with what is public.
    Action.READ_PRIVATE: frozenset({Role.HQ, Role.SUBCOMMITTEE_CHAIR}),
    # Who did what is oversight: the Communications Chair and the Subcommittee Chair
    # "oversee the activity of all account managers", HQ monitors the volunteers' posts and
    # alerts the EC to violations, and the EC "considers disciplinary action", which needs
    # the record. An account manager reads their own entries only: the others' are not
    # theirs to oversee.
    Action.READ_AUDIT: frozenset({Role.EXECUTIVE_COMMITTEE, Role.HQ, Role.COMMUNICATIONS_CHAIR,
                                  Role.SUBCOMMITTEE_CHAIR}),
    # An export carries the item's audit entries, everyone's, so it goes to those who read
    # everyone's: the EC, which "considers disciplinary action" on it, and those who hand
    # it the evidence.
    Action.EXPORT_EVIDENCE: frozenset({Role.EXECUTIVE_COMMITTEE, Role.HQ,
                                       Role.COMMUNICATIONS_CHAIR, Role.SUBCOMMITTEE_CHAIR}),
    # "A summary of all social media activity will be documented monthly and reported
    # through the Communications Chair to the Executive Committee": the Chair alone
    # forwards it, so the Chair alone says it was forwarded.
    Action.FORWARD_REPORT: frozenset({Role.COMMUNICATIONS_CHAIR}),
    # What went out under INMM's name is taken down by HQ, who "monitor posts ... and hide
    # or delete them as appropriate", and by the Subcommittee Chair, who must "monitor all
    # posts for factual accuracy ... and respond to issues" (a wrong date must come down
    # at once, at any hour). Account managers "communicate issues": they write the
    # correction, which a second person clears, and ask one of these two to delete.
    Action.DELETE_PUBLISHED: frozenset({Role.HQ, Role.SUBCOMMITTEE_CHAIR}),
}


def allowed(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]


def parse_role(text: str) -> Role:
    """A role from its id or its title, case-insensitively; InvalidInput naming the choices."""
    wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
    for role in Role:
        if wanted in (role.value, role.label.lower().replace(" ", "_")):
            return role
    aliases = {"ec": Role.EXECUTIVE_COMMITTEE, "am": Role.ACCOUNT_MANAGER,
               "chair": Role.SUBCOMMITTEE_CHAIR, "smsc_chair": Role.SUBCOMMITTEE_CHAIR,
               "comms_chair": Role.COMMUNICATIONS_CHAIR}
    if wanted in aliases:
        return aliases[wanted]
    choices = ", ".join(role.value for role in Role)
    raise InvalidInput(f"unknown role {text!r} (expected one of {choices})")
