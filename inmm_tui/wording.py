"""Counts in words people read on the command line: "1 person", "2 people"."""

from __future__ import annotations


def count(n: int, singular: str, plural: str | None = None) -> str:
    """`n` and the noun that goes with it; the plural is `singular` + "s" unless given."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
