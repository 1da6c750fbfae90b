"""Helpers for the governance tests: outlets of real kinds, and what is due."""

from __future__ import annotations

import dataclasses

from inmm_tui.domain import duties
from inmm_tui.domain.services import Services


def real_outlets(svc: Services, **review: object) -> Services:
    """The same services, with outlets of real kinds (the sandbox needs no rotation)."""
    outlets = tuple(dataclasses.replace(o, kind=o.api) for o in svc.config.outlets)
    config = dataclasses.replace(svc.config, outlets=outlets,
                                 review=dataclasses.replace(svc.config.review, **review))
    svc.config = config
    svc.governance.config = config
    return svc


def due(svc: Services) -> dict[str, list[str]]:
    """Outlet → why its credentials are due for rotation, for the outlets that are."""
    return {s.outlet: s.reasons for s in duties.rotation_status(
        svc.db.conn, svc.config, svc.clock()) if s.due}
