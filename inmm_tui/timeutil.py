"""Times as the database keeps them: UTC, fixed-width ISO 8601, so text order is time order."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

UTC = dt.UTC
Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def to_db(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every stored time must carry its time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


DB_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
"""What `to_db` writes, exactly."""


def from_db(text: str) -> dt.datetime:
    # `fromisoformat` is some fifty times faster than `strptime` (which the publisher
    # pays several times a delivery), but takes more shapes than the stored one: it reads
    # only that shape, anything else goes to `strptime` and its error.
    if DB_TIME.fullmatch(text):
        return dt.datetime.fromisoformat(text)
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def maybe_from_db(text: str | None) -> dt.datetime | None:
    return from_db(text) if text else None
