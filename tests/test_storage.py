"""Bad days for the host: no database, a database that is not one, a full or read-only
disk, files owned by someone else. Every command ends with a clear message naming the file
and its exit code (2 bad configuration, 5 storage unavailable), never a traceback, and only
`init` creates a database.

The full and read-only disks are real: a small tmpfs mounted in a private user and mount
namespace (`unshare`), so they work as root too, where `chmod` stops nothing."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .cli_helpers import run_cli

BIN = Path(sys.executable).parent
TUI = shutil.which("inmm-tui", path=str(BIN)) or "inmm-tui"
DAEMON = shutil.which("inmm-daemon", path=str(BIN)) or "inmm-daemon"


def _namespaces_work() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


needs_namespaces = pytest.mark.skipif(
    not _namespaces_work(), reason="user and mount namespaces (unshare) are not available here")


def _config(tmp_path: Path, database: Path | str) -> Path:
    path = tmp_path / "inmm.toml"
    path.write_text(f'[inmm]\ndatabase = "{database}"\n')
    return path


def _on_small_disk(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run `script` (sh) with $MNT a fresh 4 MB tmpfs only it can see (a new database takes
    about half a megabyte), $CFG a config whose database is $MNT/inmm.db, and $TUI the CLI.
    Each command's stderr and exit code are printed as `<label> rc=<code>` lines by the
    `run` function defined here."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    cfg = _config(tmp_path, mnt / "inmm.db")
    prelude = (
        "set -u\n"
        f"MNT={shlex.quote(str(mnt))}; CFG={shlex.quote(str(cfg))}; TUI={shlex.quote(TUI)}\n"
        'mount -t tmpfs -o size=4000k tmpfs "$MNT" || exit 99\n'
        'run() { label=$1; shift; "$TUI" --config "$CFG" "$@" >/dev/null 2>"$MNT.err"; '
        'echo "$label rc=$?"; cat "$MNT.err"; }\n'
    )
    return subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                           prelude + script], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "INMM_CONFIG"})


def _members_csv(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "members.csv"
    rows = ["name,kind,email,handles"] + [
        f"Member Number{i} {'x' * 100},member,m{i}@example.org,@m{i}" for i in range(count)]
    path.write_text("\n".join(rows) + "\n")
    return path


# ----- the database that is not there, or not a database -----------------------------------


def test_commands_other_than_init_never_create_a_database(tmp_path: Path) -> None:
    db = tmp_path / "data" / "inmm.db"
    cfg = str(_config(tmp_path, db))
    for args in (["roster", "list"], ["alerts"], ["audit", "verify"]):
        result = run_cli("--config", cfg, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert f"{db}: no database here: run `inmm-tui init`" in result.stderr
        assert "Traceback" not in result.stderr
    daemon = run_cli("--config", cfg, "--once", program="inmm-daemon")
    assert daemon.returncode == 2 and "no database here" in daemon.stderr, daemon.stderr
    assert not db.exists() and not db.parent.exists()
    assert run_cli("--config", cfg, "init", "--admin", "root").returncode == 0
    assert db.exists()


@pytest.mark.parametrize("kind", ["folder", "not sqlite"])
def test_a_database_setting_that_names_no_database_file_is_exit_2(tmp_path: Path,
                                                                  kind: str) -> None:
    target = tmp_path / "target"
    if kind == "folder":
        target.mkdir()
        expected = "is a folder, not a database file"
    else:
        target.write_text("hello, I am a text file\n" * 50)
        expected = "is not an SQLite database"
    cfg = str(_config(tmp_path, target))
    for args in (["--report"], ["--report", "--json"], ["roster", "list"],
                 ["init", "--admin", "root"]):
        result = run_cli("--config", cfg, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert f"{target}: {expected}" in result.stderr and "[inmm] database" in result.stderr
        assert "Traceback" not in result.stderr


# ----- storage unavailable -------------------------------------------------------------


@needs_namespaces
def test_a_full_disk_is_exit_5_and_nothing_is_lost_once_there_is_room(tmp_path: Path) -> None:
    members = _members_csv(tmp_path, 3000)  # some 400 kB of rows: more than is left
    result = _on_small_disk(tmp_path, f"""
run init init --admin root
# leave 64 kB: enough to open the database, not enough for the import
dd if=/dev/zero of="$MNT/filler" bs=4k \\
   count=$(( ($(df --output=avail "$MNT" | tail -1) - 64) / 4 )) 2>/dev/null
run full members import {shlex.quote(str(members))}
run report --report
rm "$MNT/filler"
run roomy members import {shlex.quote(str(members))}
""")
    out = result.stdout
    assert "init rc=0" in out and "roomy rc=0" in out, out + result.stderr
    assert "full rc=5" in out, out
    assert f"storage unavailable: {tmp_path / 'mnt' / 'inmm.db'}: the disk is full" in out
    assert "Traceback" not in out
    assert "report rc=0" in out or "report rc=1" in out or "report rc=5" in out


@needs_namespaces
def test_a_read_only_disk_is_exit_5_for_every_command(tmp_path: Path) -> None:
    result = _on_small_disk(tmp_path, """
run init init --admin root
mount -o remount,ro "$MNT"
run flag rotation flag x --reason "suspected leak"
run report --report
run roster roster list
""")
    out = result.stdout
    assert "init rc=0" in out, out + result.stderr
    for label in ("flag", "report", "roster"):
        assert f"{label} rc=5" in out, out
    assert f"storage unavailable: {tmp_path / 'mnt' / 'inmm.db'}" in out
    assert "Traceback" not in out


@needs_namespaces
def test_database_files_owned_by_someone_else_are_exit_5(tmp_path: Path) -> None:
    """The database, its -wal and -shm files and the daemon's lock file belong to another
    user (mode 600): in a user namespace where only our own user exists, root is an
    ordinary user for files it does not own."""
    if os.geteuid() != 0:
        pytest.skip("giving files away to another user needs root")
    db = tmp_path / "inmm.db"
    cfg = str(_config(tmp_path, db))
    assert run_cli("--config", cfg, "init", "--admin", "root").returncode == 0
    assert run_cli("--config", cfg, "--report").returncode in (0, 1)  # leaves -wal and -shm
    lock = tmp_path / "inmm.db.daemon.lock"
    lock.touch()
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), lock):
        if path.exists():
            os.chown(path, 54321, 54321)
            path.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k != "INMM_CONFIG"}
    for program, args in ((TUI, ["roster", "list"]), (TUI, ["--report"]),
                          (DAEMON, ["--once"])):
        result = subprocess.run(["unshare", "--user", "--map-root-user", program,
                                 "--config", cfg, *args], capture_output=True, text=True,
                                env=env, timeout=60)
        assert result.returncode == 5, (program, args, result.stderr)
        assert "storage unavailable: " in result.stderr and str(db) in result.stderr
        assert "Traceback" not in result.stderr


def test_an_output_file_that_cannot_be_written_is_a_message_not_a_traceback(
        tmp_path: Path) -> None:
    from inmm_tui.domain.people import current_login

    cfg = _config(tmp_path, tmp_path / "inmm.db")
    cfg.write_text(cfg.read_text() + "[review]\nec_meeting = 2027-10-15\n")
    assert run_cli("--config", str(cfg), "init", "--admin", current_login()).returncode == 0
    (tmp_path / "a file").write_text("not a folder\n")
    target = tmp_path / "a file" / "out.md"
    for args in (["review", "markdown", "--output", str(target)],
                 ["report", "monthly", "--month", "2026-10", "--output", str(target)]):
        result = run_cli("--config", str(cfg), *args)
        assert result.returncode == 2, (args, result.stderr)
        assert f"{target}: cannot write" in result.stderr and "Traceback" not in result.stderr
