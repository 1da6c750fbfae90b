"""What every subcommand needs: the config, the database, the services, the caller's login."""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING

from inmm_tui.outside_text import printable

if TYPE_CHECKING:
    from inmm_tui.config import Config
    from inmm_tui.domain.services import Services


def load(args: argparse.Namespace) -> Config:
    from inmm_tui.config import load_config

    return load_config(getattr(args, "config", None))


def services(args: argparse.Namespace, *, lazy_screener: bool = False,
             create: bool = False) -> Services:
    """The services on the configured database; only `init` may `create` it."""
    from inmm_tui.domain.acknowledgement import current_version, version_of
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_connection

    config = load(args)
    # A plain connection: sqlite-utils is imported only when something writes.
    svc = Services.build(config, open_connection(config.database_path, create=create),
                         lazy_screener=lazy_screener)
    # Whoever reads the configuration puts its policy and rules in force: an edit to
    # either means everyone acknowledges again before their next post. `init` does it once
    # the roster's first entry is made. Compared first, so that nothing is written (and
    # sqlite-utils not loaded) when the version in force is the files'.
    if not create and (current_version(svc.conn) != version_of(
            config.policy_text_path, config.policy_rules_path).version):
        svc.policy.record_current()
    return svc


def viewer(args: argparse.Namespace, *, lazy_screener: bool = False) -> Services:
    """The services, for a caller the roster allows to view the accounts (exit 3 otherwise):
    every command that only reads goes through here, as the UI does."""
    from inmm_tui.domain.people import authorise
    from inmm_tui.domain.roles import Action

    svc = services(args, lazy_screener=lazy_screener)
    authorise(svc.conn, me(), Action.VIEW)
    return svc


def me() -> str:
    from inmm_tui.domain.people import current_login

    return current_login()


def say(*values: object, sep: str = " ", end: str = "\n", file: IO[str] | None = None,
        flush: bool = False) -> None:
    """`print` for every command: what it prints may hold a name, a reply or a platform's
    error message, so every control and bidi-override character is made visible on the
    way out (line breaks and tabs kept) and no escape reaches the terminal."""
    print(printable(sep.join(str(v) for v in values), multiline=True), end=end, file=file,
          flush=flush)
