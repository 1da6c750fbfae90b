"""Times as the database keeps them: UTC, fixed-width ISO 8601, so text order is time order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

UTC = dt.UTC
Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def to_db(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every stored time must carry its time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def maybe_from_db(text: str | None) -> dt.datetime | None:
    return from_db(text) if text else None
