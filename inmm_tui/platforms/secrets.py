"""Platform tokens: read from the secrets file (TOML, `[outlets.<name>]`) that only the
daemon's user may read, or from systemd credentials. They never reach the database or a log.
`config/secrets.example.toml` documents its form; `inmm-tui setup` writes one to fill in,
whose "<...>" placeholders are refused until replaced.

Under systemd (`LoadCredential=inmm-secrets:/etc/inmm/secrets.toml`), the file is read from
`$CREDENTIALS_DIRECTORY/inmm-secrets`; systemd itself keeps that directory private to the
service, so its mode is not checked.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from inmm_tui.config import Outlet

CREDENTIAL_NAME = "inmm-secrets"
KEYS = {
    "x": ("consumer_key", "consumer_secret", "access_token", "access_token_secret"),
    "mastodon": ("access_token",),
    "bluesky": ("app_password",),
    "linkedin": ("access_token",),
}


class SecretsError(Exception):
    """The secrets are unusable; the message names the file and the key, never a value."""

    exit_code = 2


@dataclass(frozen=True)
class Secrets:
    source: str
    """Where the tokens came from (a path), for messages."""
    outlets: Mapping[str, Mapping[str, str]] = field(repr=False)
    """Outlet name -> key -> value. Kept out of repr so no log line can show a token."""
    notifications: Mapping[str, str] = field(default_factory=dict, repr=False)
    """`[notifications]`: `smtp_password`, `webhook_secret` (the HMAC key of the webhooks)."""

    def for_outlet(self, outlet: Outlet) -> dict[str, str]:
        """The outlet's tokens, checked to have every key its platform needs."""
        table = self.outlets.get(outlet.name)
        if table is None:
            raise SecretsError(f"{self.source}: [outlets.{outlet.name}]: missing "
                               f"(the outlet {outlet.name!r} needs {', '.join(KEYS[outlet.api])})")
        wanted = KEYS[outlet.api]
        for key in wanted:
            value = table.get(key)
            if not isinstance(value, str) or not value:
                raise SecretsError(f"{self.source}: outlets.{outlet.name}.{key}: missing or empty "
                                   "(expected a non-empty string)")
            if is_placeholder(value):
                raise SecretsError(f"{self.source}: outlets.{outlet.name}.{key}: still the "
                                   "placeholder from the example; replace it with the value "
                                   "the platform gave you")
        return {key: table[key] for key in wanted}


def is_placeholder(value: str) -> bool:
    """`<API key>` and the like, as `config/secrets.example.toml` has them."""
    return value.startswith("<") and value.endswith(">")


def load_secrets(path: Path) -> Secrets:
    """Read the secrets: systemd's credential when there is one, else `path`, which must
    be readable by its owner only (refused otherwise, as ssh refuses an open private key)."""
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / CREDENTIAL_NAME).is_file():
        return _parse(Path(credentials) / CREDENTIAL_NAME)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SecretsError(f"{path}: no such file (expected the platform tokens: `inmm-tui "
                           "setup DIR` writes one to fill in; config/secrets.example.toml in "
                           "the source shows its form)") from None
    except PermissionError:
        raise SecretsError(f"{path}: cannot be read (permission denied)") from None
    if not stat.S_ISREG(info.st_mode):
        raise SecretsError(f"{path}: is not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise SecretsError(
            f"{path}: permissions {mode:04o} are too open: the platform tokens must not be "
            f"readable by the group or others. Run: chmod 600 {path}"
        )
    return _parse(path)


def _parse(path: Path) -> Secrets:
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise SecretsError(f"{path}: cannot be read (permission denied)") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # tomllib's message gives the line and column, never the text itself.
        raise SecretsError(f"{path}: is not valid TOML ({type(exc).__name__}: "
                           f"{exc if isinstance(exc, tomllib.TOMLDecodeError) else 'not UTF-8'})"
                           ) from None
    outlets = data.get("outlets", {})
    if not isinstance(outlets, dict) or not all(isinstance(v, dict) for v in outlets.values()):
        raise SecretsError(f"{path}: [outlets.<name>]: expected one table per outlet")
    notifications = data.get("notifications", {})
    if not isinstance(notifications, dict) or not all(
            isinstance(v, str) for v in notifications.values()):
        raise SecretsError(f"{path}: [notifications]: expected a table of strings "
                           "(smtp_password, webhook_secret)")
    return Secrets(str(path), {name: dict(table) for name, table in outlets.items()},
                   dict(notifications))
