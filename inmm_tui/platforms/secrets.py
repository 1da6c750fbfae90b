"""Platform tokens: read from the secrets file (TOML, `[outlets.<name>]`) that only the
daemon's user may read, or from systemd credentials. They never reach the database or a log.
`config/secrets.example.toml` documents its form; `inmm-tui setup` writes one to fill in,
whose "<...>" placeholders are refused until replaced.

Under systemd (`LoadCredential=inmm-secrets:/etc/inmm/secrets.toml`), the file is read from
`$CREDENTIALS_DIRECTORY/inmm-secrets`; systemd itself keeps that directory private to the
service, so its mode is not checked.
"""

from __future__ import annotations

import json
import os
import re
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
OPTIONAL = {
    # With these the daemon renews the access token itself and writes the new one back
    # here (`write_outlet_secrets`); the expiry times are ISO 8601, UTC unless they say.
    "linkedin": ("refresh_token", "client_id", "client_secret", "access_token_expires_at",
                 "refresh_token_expires_at"),
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
        optional = {key: table[key] for key in OPTIONAL.get(outlet.api, ())
                    if isinstance(table.get(key), str) and table[key]
                    and not is_placeholder(table[key])}
        return {**{key: table[key] for key in wanted}, **optional}


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


def write_outlet_secrets(path: Path, outlet: str,
                         values: Mapping[str, str]) -> Mapping[str, object]:
    """Set `values` in the `[outlets.<outlet>]` table of the secrets file at `path` (the
    daemon's renewed tokens), keeping the rest of the file as it is, comments included.
    Atomic: the new file is written beside it with mode 0600, flushed to disk, checked to
    read back as written, and only then renamed over the old one; a crash leaves the old
    file or the new, never half of one. SecretsError (naming the file and the table, never
    a value) when the table is not there or the file cannot be written. Returns the
    outlet's whole table as now written (for the daemon's fingerprint of it)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretsError(f"{path}: cannot be read to save the renewed tokens "
                           f"({type(exc).__name__})") from None
    lines = text.splitlines(keepends=True)
    header = re.compile(r"^\s*\[\s*outlets\s*\.\s*(\"?)" + re.escape(outlet) + r"\1\s*\]\s*(#.*)?$")
    start = next((n for n, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        raise SecretsError(f"{path}: [outlets.{outlet}]: not found as a table of its own; "
                           "the renewed tokens cannot be saved")
    end = next((n for n in range(start + 1, len(lines))
                if re.match(r"^\s*\[", lines[n])), len(lines))
    for key, value in values.items():
        line = f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
        found = next((n for n in range(start + 1, end)
                      if re.match(rf"^\s*{re.escape(key)}\s*=", lines[n])), None)
        if found is not None:
            lines[found] = line
            continue
        last = max((n for n in range(start, end) if lines[n].strip()), default=start)
        if not lines[last].endswith("\n"):
            lines[last] += "\n"
        lines.insert(last + 1, line)
        end += 1
    new = "".join(lines)
    try:
        table = tomllib.loads(new)["outlets"][outlet]
    except (tomllib.TOMLDecodeError, KeyError, TypeError):
        table = None
    if not isinstance(table, dict) or any(table.get(k) != v for k, v in values.items()):
        raise SecretsError(f"{path}: [outlets.{outlet}]: the renewed tokens could not be "
                           "written so that the file reads back as written; left unchanged")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # whatever the umask, and if the name was left by a crash
        with os.fdopen(fd, "wb") as out:
            out.write(new.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise SecretsError(f"{path}: the renewed tokens could not be saved "
                           f"({type(exc).__name__}: {exc.strerror})") from None
    return table
