"""Tokens that expire are governance (R19, "HQ will maintain access and passwords"): an
outlet whose access token the daemon renews by itself (LinkedIn's OAuth 2: the access
token lasts about 60 days, the refresh token about a year from the member's
authorisation) still needs a person once a year, to authorise the app again. HQ is
reminded `REMIND_DAYS` before the refresh token expires; a renewal the platform refuses
is an alert. Only the expiry times are kept here, never a token.

The functions take a `sqlite3.Connection` inside the caller's write transaction.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from inmm_tui.domain import audit
from inmm_tui.domain.alerts import raise_alert
from inmm_tui.domain.reminders import close_reminders, ensure_reminder
from inmm_tui.domain.roles import Role
from inmm_tui.domain.switches import set_setting, setting
from inmm_tui.timeutil import from_db, to_db

REMIND_DAYS = 30
"""How long before the refresh token expires HQ is reminded: time to reach the member
who administers the page and have them authorise the app again."""
REMINDER = "token_expiry"
REFUSED = "token_refresh_refused"
_KEY = "token_expiry."


def note_expiry(conn: sqlite3.Connection, outlet: str, refresh_expires_at: dt.datetime,
                now: dt.datetime) -> bool:
    """Remember when the outlet's refresh token expires (from the secrets file when the
    daemon starts, or from a renewal). True when it changed."""
    key = _KEY + outlet
    value = to_db(refresh_expires_at)
    if setting(conn, key) == value:
        return False
    set_setting(conn, key, value, audit.DAEMON, now)
    return True


def record_renewal(conn: sqlite3.Connection, outlet: str, access_expires_at: dt.datetime,
                   refresh_expires_at: dt.datetime | None, now: dt.datetime) -> None:
    """The daemon renewed the outlet's access token (the tokens went to the secrets file)."""
    if refresh_expires_at is not None:
        note_expiry(conn, outlet, refresh_expires_at, now)
    details = {"outlet": outlet, "access_expires_at": to_db(access_expires_at)}
    if refresh_expires_at is not None:
        details["refresh_expires_at"] = to_db(refresh_expires_at)
    audit.append(conn, audit.DAEMON, "credentials.renewed", f"outlet:{outlet}", details, at=now)


def record_refusal(conn: sqlite3.Connection, outlet: str, message: str,
                   now: dt.datetime) -> bool:
    """The platform refused to renew the access token: an alert for HQ (once until
    acknowledged), with what to do. True when the alert is new."""
    audit.append(conn, audit.DAEMON, "credentials.renew_refused", f"outlet:{outlet}",
                 {"message": message}, at=now)
    return raise_alert(conn, REFUSED, f"outlet:{outlet}",
                       f"{message}. Until someone who administers the page authorises the app "
                       "again and the new tokens are in the secrets file, nothing is "
                       f"published on {outlet}", now)


def expiries(conn: sqlite3.Connection) -> dict[str, dt.datetime]:
    """Outlet → when its refresh token expires, for every outlet that renews its tokens."""
    rows = conn.execute("SELECT key, value FROM settings WHERE key LIKE ?",
                        (_KEY + "%",)).fetchall()
    return {key[len(_KEY):]: from_db(value) for key, value in rows}


def raise_token_reminders(conn: sqlite3.Connection, outlets: list[str], now: dt.datetime) -> int:
    """Remind HQ of each configured outlet whose refresh token expires within
    `REMIND_DAYS`; close the reminder once a new authorisation pushed the date back.
    Returns how many reminders were opened."""
    opened = 0
    for outlet, expires in expiries(conn).items():
        if outlet not in outlets:
            continue
        remind_from = expires - dt.timedelta(days=REMIND_DAYS)
        if now < remind_from:
            close_reminders(conn, REMINDER, outlet, audit.DAEMON, now)
            continue
        ended = expires <= now
        opened += ensure_reminder(
            conn, REMINDER, outlet,
            f"the authorisation of {outlet} {'ended' if ended else 'ends'} on "
            f"{expires.date().isoformat()}"
            + (": nothing can be published there until it is renewed" if ended else
               ": after that the daemon can no longer renew its access token"),
            remind_from, for_role=Role.HQ.value, repeat_days=7,
            how="have someone who administers the page authorise the app again (a new "
                "refresh token), put the new tokens and refresh_token_expires_at in the "
                "secrets file, and record the rotation")
    return opened
