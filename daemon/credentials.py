"""Tokens an adapter renews by itself (LinkedIn's OAuth 2 refresh): the daemon's side.

The new tokens go back to the secrets file, atomically and with mode 0600
(`inmm_tui.platforms.secrets.write_outlet_secrets`), never to the database or a log line
(they are masked in the log from the moment they exist); their expiry goes to the database
for HQ's reminder, with an audit entry; a renewal the platform refused is an alert
(`inmm_tui.domain.tokens`). The secrets file's fingerprint is brought up to date, so that
the daemon's own write is not offered to HQ as a rotation at its next start.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from inmm_daemon.runtime import mask_secrets

from inmm_tui.domain import governance, tokens
from inmm_tui.domain.alerts import raise_alert
from inmm_tui.platforms.base import Platform
from inmm_tui.platforms.secrets import SecretsError, write_outlet_secrets
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

    from inmm_tui.config import Config

log = logging.getLogger("inmm_daemon.credentials")
NOT_SAVED = "tokens_not_saved"


class TokenKeeper:
    """The `CredentialsListener` the daemon gives each adapter that renews its tokens."""

    def __init__(self, config: Config, open_db: Callable[[], Database], *,
                 clock: Clock = utcnow) -> None:
        self.config = config
        self.open_db = open_db
        self.clock = clock

    def attach(self, platforms: Mapping[str, Platform]) -> list[str]:
        """Listen to every adapter that renews its tokens, and note when each one's
        refresh token expires (from the secrets file). Returns those outlets."""
        attached = []
        for name, platform in platforms.items():
            if not getattr(platform, "renews_tokens", False):
                continue
            platform.listener = self  # type: ignore[attr-defined]
            attached.append(name)
            expires = getattr(platform, "refresh_expires_at", None)
            if expires is not None:
                self._in_db(lambda conn, n=name, e=expires: tokens.note_expiry(
                    conn, n, e, self.clock()))
        return attached

    def renewed(self, outlet: str, new: Mapping[str, str]) -> None:
        mask_secrets(v for k, v in new.items() if not k.endswith("_expires_at"))
        path = self.config.secrets_path
        now = self.clock()
        table: Mapping[str, object] | None = None
        problem = ""
        try:
            # The file itself, not systemd's copy of it: what the next start will read.
            table = write_outlet_secrets(path, outlet, new)
        except SecretsError as exc:
            problem = str(exc)

        def record(conn) -> None:  # type: ignore[no-untyped-def]
            tokens.record_renewal(conn, outlet, _moment(new["access_token_expires_at"]) or now,
                                  _moment(new.get("refresh_token_expires_at")), now)
            if table is not None:
                key = governance.fingerprint_key(conn, now)
                material = json.dumps(table, sort_keys=True).encode()
                governance.accept_secrets_fingerprint(
                    conn, outlet, governance.secrets_fingerprint(key, material), now)
            if problem:
                raise_alert(conn, NOT_SAVED, f"outlet:{outlet}",
                            f"the renewed access token of {outlet} could not be saved: "
                            f"{problem}. The daemon uses it until it stops; after a restart "
                            "it renews again while the refresh token lasts (under systemd, "
                            "see the README: the secrets file must be writable by the "
                            "daemon to keep it)", now)

        self._in_db(record)
        if problem:
            log.error("outlet %s: access token renewed but not saved: %s", outlet, problem)
        else:
            log.info("outlet %s: access token renewed and saved to %s", outlet, path)

    def refused(self, outlet: str, message: str) -> None:
        self._in_db(lambda conn: tokens.record_refusal(conn, outlet, message, self.clock()))
        log.error("%s", message)

    def _in_db(self, act: Callable[..., object]) -> None:
        db = self.open_db()
        try:
            with write(db):
                act(db.conn)
        finally:
            db.close()


def _moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
