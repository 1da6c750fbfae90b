"""Times as people type them: in the configured zone, refused when in the past or when the
clock change means they never happen (a spring-forward gap) — a post scheduled "at 02:30"
on such a night would otherwise go out at an hour nobody chose."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from inmm_tui.domain.errors import InvalidInput
from inmm_tui.timeutil import from_db

FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S")


def parse_local_time(text: str, tz: zoneinfo.ZoneInfo, now: dt.datetime) -> dt.datetime | None:
    """The aware UTC moment meant by `text` in `tz`; None for an empty text (as soon as
    cleared). InvalidInput, naming the text and the zone, when it cannot be used."""
    text = text.strip()
    if not text:
        return None
    for fmt in FORMATS:
        try:
            naive = dt.datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        raise InvalidInput(
            f"schedule time {text!r}: expected a date and time like 2027-03-15 09:30 ({tz.key})"
        )
    local = naive.replace(tzinfo=tz)
    # A wall time that does not exist does not survive the round trip through UTC.
    back = local.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
    if back != naive:
        raise InvalidInput(
            f"schedule time {text!r}: that time does not exist in {tz.key} "
            "(the clocks jump forward that night); choose a time outside the gap"
        )
    moment = local.astimezone(dt.UTC)
    if moment <= now:
        shown = now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"schedule time {text!r} is in the past (it is now {shown} {tz.key})"
        )
    return moment


def format_local(moment: dt.datetime | str | None, tz: zoneinfo.ZoneInfo,
                 fmt: str = "%Y-%m-%d %H:%M") -> str:
    """How a stored time (a datetime, or the database's text) is shown and typed back:
    in `tz`, `YYYY-MM-DD HH:MM` unless `fmt` says otherwise; '' for no time."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = from_db(moment)
    return moment.astimezone(tz).strftime(fmt)
