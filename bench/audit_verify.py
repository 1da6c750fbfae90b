"""Time the full audit check on the five-year history: re-hash the chain and re-derive the
roster, clearances and deliveries from the log (`inmm-tui audit verify`, and what the
daemon's hourly audit check runs).

    python bench/audit_verify.py [--scale 1.0]

`history.py` writes filler audit entries; this builds its own copy of the history
(`bench/out/audit-history.db`) and replaces the log with one that explains it, as the
tool would have written it: the roster's entries, and for each post its creation, its
clearance (a real clearance hash, by someone other than the author) and each sent
delivery, padded with other actions to the same 500,000 entries. Prints the time of each
part, and of the whole command as a process.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from history import END, START, build

from inmm_tui.domain import audit, authority
from inmm_tui.domain.people import current_login
from inmm_tui.domain.posts import clearance_digest
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write
from inmm_tui.timeutil import to_db

PATH = Path(__file__).parent / "out" / "audit-history.db"


def explainable(path: Path, scale: float) -> Path:
    marker = path.with_suffix(".scale")
    if path.exists() and marker.exists() and marker.read_text() == str(scale):
        return path
    marker.unlink(missing_ok=True)
    build(path, scale)
    path.with_suffix(".scale").unlink(missing_ok=True)  # build's marker: ours follows
    db = open_database(path)
    conn = db.conn
    n_audit = int(500_000 * scale)
    people = conn.execute("SELECT login, role, added_at FROM people ORDER BY login").fetchall()
    logins = [login for login, _, _ in people]
    entries: list[tuple[str, str, str, str, dict]] = []  # at, actor, action, subject, details
    first = people[0]
    entries.append((first[2], "init", "roster.init", f"person:{first[0]}",
                    {"name": "Person 0", "role": "hq"}))
    conn.execute("UPDATE people SET role = 'hq' WHERE login = ?", (first[0],))
    for login, role, added_at in people[1:]:
        entries.append((added_at, first[0], "roster.add", f"person:{login}",
                        {"name": login, "role": role}))
    me = current_login()
    if me not in logins:  # so that `audit verify` may run as whoever runs the bench
        conn.execute("INSERT INTO people (login, name, initials, role, active, added_at,"
                     " added_by) VALUES (?, 'Bench', 'B', 'hq', 1, ?, ?)",
                     (me, first[2], first[0]))
        entries.append((first[2], first[0], "roster.add", f"person:{me}",
                        {"name": "Bench", "role": "hq"}))
    clearers = [login for login, role, _ in people if role in ("hq", "account_manager")]
    texts: dict[int, dict[str, str]] = {}
    sent: dict[int, list[tuple[int, str, str]]] = {}
    for post_id, outlet, text, delivery_id, platform_id, state in conn.execute(
            "SELECT post_id, outlet, text, id, platform_id, state FROM deliveries"):
        texts.setdefault(post_id, {})[outlet] = text
        if state == "sent":
            sent.setdefault(post_id, []).append((delivery_id, outlet, platform_id))
    updates = []
    for post_id, author, created_at in conn.execute(
            "SELECT id, author, created_at FROM posts ORDER BY id").fetchall():
        entries.append((created_at, author, "post.create", f"post:{post_id}",
                        {"outlets": ["x", "mastodon"], "topic": "INMM announcement"}))
        if post_id not in texts:
            continue
        clearer = next(c for c in clearers[post_id % len(clearers):] + clearers if c != author)
        digest = clearance_digest(texts[post_id], created_at)
        updates.append((clearer, created_at, digest, post_id))
        entries.append((created_at, clearer, "post.clear", f"post:{post_id}",
                        {"clearance_hash": digest, "outlets": sorted(texts[post_id])}))
        for delivery_id, outlet, platform_id in sent.get(post_id, []):
            entries.append((created_at, audit.DAEMON, "delivery.sent", f"post:{post_id}",
                            {"outlet": outlet, "delivery": delivery_id,
                             "platform_id": platform_id, "attempt": 1}))
    conn.execute("BEGIN")
    conn.executemany("UPDATE posts SET cleared_by = ?, cleared_at = ?, clearance_hash = ?"
                     " WHERE id = ?", updates)
    filler = max(n_audit - len(entries), 0)
    span = (END - START) / max(filler, 1)
    padded = entries + [(to_db(START + span * i), audit.DAEMON, "follow.back", "outlet:x",
                         {"n": i}) for i in range(filler)]
    padded.sort(key=lambda e: e[0])
    conn.execute("DELETE FROM audit")
    prev, rows = audit.GENESIS, []
    for seq, (at, actor, action, subject, details) in enumerate(padded, start=1):
        text = json.dumps(details, sort_keys=True, separators=(",", ":"))
        digest = audit.entry_hash(prev, seq, at, actor, action, subject, text)
        rows.append((seq, at, actor, action, subject, text, prev, digest))
        prev = digest
    conn.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("UPDATE audit_head SET seq = ?, hash = ?", (len(rows), prev))
    conn.execute("DELETE FROM audit_checkpoint")
    conn.execute("COMMIT")
    check = audit.verify(conn)
    with write(db):
        audit.record_checkpoint(conn, check, END)
    db.close()
    marker.write_text(str(scale))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    started = time.perf_counter()
    path = explainable(PATH, args.scale)
    print(f"{path} ready in {time.perf_counter() - started:.1f} s")
    db = open_database(path)
    entries = db.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    started = time.perf_counter()
    check = audit.verify(db.conn)
    rehash = time.perf_counter() - started
    started = time.perf_counter()
    findings = authority.unexplained(db.conn)
    derive = time.perf_counter() - started
    db.close()
    print(f"{entries} entries: re-hash {rehash:.2f} s ({check.describe()}); re-derivation "
          f"{derive:.2f} s ({len(findings)} rows unexplained)")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "inmm.toml"
        cfg.write_text(f'[inmm]\ndatabase = "{path}"\n')
        exe = shutil.which("inmm-tui", path=str(Path(sys.executable).parent)) or "inmm-tui"
        started = time.perf_counter()
        result = subprocess.run([exe, "--config", str(cfg), "audit", "verify"],
                                capture_output=True, text=True, check=False)
        whole = time.perf_counter() - started
    print(f"inmm-tui audit verify: exit {result.returncode} in {whole:.2f} s")
    print(result.stdout.strip()[:2000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
