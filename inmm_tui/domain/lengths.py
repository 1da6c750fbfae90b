"""Each platform's own way of counting a post's length ("INMM Content"), as compose shows
it: one definition, the policy screen's (`inmm_tui.screening.length`), imported when first
needed so that the domain loads without the screening rules."""

from __future__ import annotations

from inmm_tui.capabilities import for_api


def weighted_length(text: str, api: str) -> int:
    """The length the platform `api` will count for `text`."""
    from inmm_tui.screening.length import weighted_length as screening_length

    return screening_length(text, api)


def limit_for(api: str) -> int:
    """The platform's own limit on a post (the screening rules may set a lower one)."""
    return for_api(api).max_length
