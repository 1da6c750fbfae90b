"""What every subcommand needs: the config, the database, the services, the caller's login."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inmm_tui.config import Config
    from inmm_tui.domain.services import Services


def load(args: argparse.Namespace) -> Config:
    from inmm_tui.config import load_config

    return load_config(getattr(args, "config", None))


def services(args: argparse.Namespace, *, lazy_screener: bool = False) -> Services:
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database

    config = load(args)
    return Services.build(config, open_database(config.database_path),
                          lazy_screener=lazy_screener)


def me() -> str:
    from inmm_tui.domain.people import current_login

    return current_login()
