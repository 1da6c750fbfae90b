"""What each platform API can do to a reply or its author, declared once where the domain
can read it (the domain may not import `inmm_tui.platforms`). The adapters raise
`Unsupported` for exactly what is missing here; tests/test_platform_calls.py holds them to
this table against the sandbox.

The domain refuses a request the outlet cannot perform when it is made, instead of
accepting it for the daemon to fail a minute later.
"""

from __future__ import annotations

HIDE, BLOCK, REPORT = "hide", "block", "report"

MODERATION: dict[str, frozenset[str]] = {
    "x": frozenset({HIDE, BLOCK}),
    "mastodon": frozenset({BLOCK, REPORT}),
}
"""API → the moderation requests it can perform."""

WHY_NOT: dict[tuple[str, str], str] = {
    ("x", REPORT): "X has no report API; report the account on x.com",
    ("mastodon", HIDE): "Mastodon has no way to hide a reply",
}

_VERBS = {HIDE: "hide a reply", BLOCK: "block an account", REPORT: "report an account"}


def cannot(api: str, request: str) -> str | None:
    """Why an outlet speaking `api` cannot perform `request`, or None when it can."""
    able = MODERATION.get(api, frozenset())
    if request in able:
        return None
    why = WHY_NOT.get((api, request), f"the {api or 'unknown'} API cannot {_VERBS[request]}")
    instead = " or ".join(_VERBS[r].split()[0] for r in sorted(able))
    return why + (f"; {instead} instead" if instead else "")
