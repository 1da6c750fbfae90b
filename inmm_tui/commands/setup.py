"""`inmm-tui setup DIR [--database FILE]`: write a configuration to start from, and say
what to do next.

DIR receives `inmm.toml` (a copy of `config/inmm.example.toml` whose paths point into
DIR), `policy.toml` (the screening rules, for the Social Media Subcommittee to edit) and
`secrets.toml` (the form of the platform tokens with placeholders, mode 0600). Nothing
that exists is overwritten."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
from pathlib import Path

from inmm_tui.commands.common import say
from inmm_tui.config import PACKAGED_POLICY_RULES, ConfigError

DEFAULTS = Path(__file__).resolve().parent.parent / "defaults"
EXAMPLE_CONFIG = DEFAULTS / "inmm.example.toml"
EXAMPLE_SECRETS = DEFAULTS / "secrets.example.toml"
SYSTEMD_DIR = Path("/etc/inmm")
"""Where the systemd unit looks for the configuration and the secrets."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "setup", help="write a configuration, the screening rules and a secrets file into a "
        "folder, and print the next steps",
        description="Writes DIR/inmm.toml, DIR/policy.toml and DIR/secrets.toml (mode 600, "
        "with placeholders) and prints what to do next. Never overwrites a file.")
    parser.add_argument("dir", metavar="DIR", help="the folder (created if missing)")
    parser.add_argument("--database", metavar="FILE",
                        help="where the database will be (default: DIR/inmm.db)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir).expanduser().absolute()
    database = Path(args.database).expanduser().absolute() if args.database else None
    targets = {name: folder / name for name in ("inmm.toml", "policy.toml", "secrets.toml")}
    present = [str(path) for path in targets.values() if path.exists() or path.is_symlink()]
    if present:
        raise ConfigError(f"{', '.join(present)}: already there; setup never overwrites a file "
                          "(move them away, or edit them)")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: is not a folder")
    config_text = configuration(folder, database)
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, content, mode in (
                ("policy.toml", PACKAGED_POLICY_RULES.read_bytes(), 0o644),
                ("secrets.toml", EXAMPLE_SECRETS.read_bytes(), 0o600),
                ("inmm.toml", config_text.encode("utf-8"), 0o644)):
            _create(targets[name], content, mode, written)
    except OSError as exc:
        for path in written:  # all three or none: a half set-up folder would be refused
            path.unlink(missing_ok=True)
        raise ConfigError(f"{exc.filename or folder}: cannot be written "
                          f"({exc.strerror or exc})") from None
    from inmm_tui.config import load_config

    config = load_config(str(targets["inmm.toml"]))  # what was written is what loads
    say(next_steps(config.path or targets["inmm.toml"], config.database_path,
                    config.secrets_path))
    return 0


def configuration(folder: Path, database: Path | None) -> str:
    """The example configuration with its files pointing into the folder it is written
    to (relative paths are relative to the configuration's folder)."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    values = {
        "database": str(database) if database else "inmm.db",
        "policy_rules": "policy.toml",
        "secrets_file": "secrets.toml",
        "reports_dir": str(database.parent / "reports") if database else "reports",
    }
    if folder != SYSTEMD_DIR:
        # /var/log/inmm exists only under the systemd unit; a daemon run by hand or from
        # cron as oneself anchors the audit chain beside the configuration instead.
        values["audit_witness"] = "audit-witness.json"
    for key, value in values.items():
        text, found = re.subn(rf"^{key} = .*$", f"{key} = {json.dumps(value)}", text,
                              count=1, flags=re.M)
        if not found:  # the example lost a key setup fills in: a bug, not a user's error
            raise RuntimeError(f"{EXAMPLE_CONFIG}: no line '{key} = ...' to fill in")
    return text


def _create(path: Path, content: bytes, mode: int, written: list[Path]) -> None:
    """Write a new file with `mode` from its first byte (O_EXCL: never over another),
    noting it in `written` as soon as it is ours."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    written.append(path)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    os.chmod(path, mode)  # the umask may have taken bits the file needs (0644)


def next_steps(config_path: Path, database: Path, secrets: Path) -> str:
    q = shlex.quote
    folder = config_path.parent
    scripts = Path(sys.executable).parent  # the installation's bin folder (not resolved:
    # a virtual environment's python is a link to the system's)
    lines = [
        f"Wrote {config_path} (the configuration: look at [[outlets]] and [review] "
        "ec_meeting),",
        f"      {folder / 'policy.toml'} (the screening rules, for the Social Media "
        "Subcommittee),",
        f"      {secrets} (the platform tokens, readable by you alone: replace each "
        "\"<...>\").",
        f"The database will be {database}.",
        "",
        "Next:",
        f"  export INMM_CONFIG={q(str(config_path))}   # every inmm-tui and inmm-daemon "
        "command reads it; put it in ~/.profile too",
        "  inmm-tui init                  # creates the database; you become its first HQ "
        "administrator",
        "  inmm-tui roster add LOGIN --name \"FULL NAME\" --role account_manager",
        "  inmm-tui --report",
        "",
        "The daemon publishes: run it on this configuration with `inmm-daemon` (or "
        "`inmm-daemon --once` from cron), or as the service systemd runs:",
    ]
    if folder != SYSTEMD_DIR:
        lines += [
            f"  (the unit reads {SYSTEMD_DIR / 'inmm.toml'} and writes only /var/lib/inmm: "
            f"set up there too, then carry over your edits of {folder})",
            f"  sudo {q(str(scripts / 'inmm-tui'))} setup {SYSTEMD_DIR} "
            "--database /var/lib/inmm/inmm.db",
        ]
        database = Path("/var/lib/inmm/inmm.db")
    elif database.parent != Path("/var/lib/inmm"):
        lines.append("  (the unit can write only /var/lib/inmm: set [inmm] database = "
                     "\"/var/lib/inmm/inmm.db\", or change ReadWritePaths= in the unit)")
    lines += [
        "  sudo useradd --system --home /var/lib/inmm --shell /usr/sbin/nologin inmm",
        "  sudo install -m 0644 systemd/inmm-daemon.service /etc/systemd/system/",
        "  sudo systemctl daemon-reload && sudo systemctl enable --now inmm-daemon",
        "  journalctl -u inmm-daemon -f",
        "  (it waits for the database: run `inmm-tui init` as yourself once you can write "
        f"{database.parent} (README), then `sudo systemctl restart inmm-daemon`)",
    ]
    return "\n".join(lines)
