"""How long stored media copies are kept (`inmm_tui.domain.media`, "Retention"): a copy a
post that may still go out, or that went out, refers to is kept; one taken off a post
before it went out, or carried only by a deleted draft or a post withdrawn before going
out, is deleted after the commit, audited; a copy left by a crash (between the copy and
the commit, or between the commit and the deletion) is swept once old enough. Real
SQLite files, real files, real processes killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inmm_tui.domain import audit
from inmm_tui.domain.media import ORPHAN_AGE, media_dir, sweep
from inmm_tui.domain.services import Services

from .conftest import FakeClock
from .daemon_helpers import publisher, states
from .media_helpers import jpeg_with_gps, png
from .sandbox_fixtures import RunningSandbox, one_outlet_config, services_with_people

BODY = "Photos from the 67th INMM Annual Meeting: https://inmm.org/annual"
ALT = "Delegates listening to the opening plenary in a full hall"


def _draft(svc: Services) -> int:
    return svc.posts.create_draft("alice", BODY, topic="Annual Meeting")


def _stored(svc: Services) -> set[str]:
    folder = media_dir(svc.db.conn)
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def _deletions(svc: Services) -> list[dict[str, Any]]:
    rows = svc.db.conn.execute("SELECT DISTINCT subject FROM audit WHERE action = 'media.delete'")
    found = [{**entry, "subject": subject} for (subject,) in rows
             for entry in audit.history(svc.db.conn, subject) if entry["action"] == "media.delete"]
    return sorted(found, key=lambda entry: entry["seq"])


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_file_taken_off_a_draft_is_deleted_and_audited(roster: Services, tmp_path: Path) -> None:
    post_id = _draft(roster)
    photo = roster.media.attach("alice", post_id, jpeg_with_gps(tmp_path / "a.jpg"), ALT)
    chart = roster.media.attach("alice", post_id, png(tmp_path / "c.png"), "A chart")
    assert _stored(roster) == {Path(photo.path).name, Path(chart.path).name}
    roster.media.remove("alice", post_id, photo.id)
    assert _stored(roster) == {Path(chart.path).name}
    (entry,) = _deletions(roster)
    assert (entry["actor"], entry["subject"]) == ("alice", f"post:{post_id}")
    assert entry["details"]["files"] == [Path(photo.path).name]
    assert "before it went out" in entry["details"]["why"]


def test_a_copy_another_post_carries_is_kept(roster: Services, tmp_path: Path) -> None:
    photo = jpeg_with_gps(tmp_path / "a.jpg")
    first, second = _draft(roster), _draft(roster)
    one = roster.media.attach("alice", first, photo, ALT)
    roster.media.attach("alice", second, photo, ALT)  # the same bytes: the same copy
    roster.media.remove("alice", first, one.id)
    assert Path(one.path).is_file() and _deletions(roster) == []
    roster.posts.delete_draft("alice", second)  # the last post carrying it is discarded
    assert not Path(one.path).exists() and _stored(roster) == set()
    (entry,) = _deletions(roster)
    assert entry["subject"] == f"post:{second}" and "draft was deleted" in entry["details"]["why"]


def test_a_post_withdrawn_before_it_went_out_loses_its_copies(
        roster: Services, tmp_path: Path) -> None:
    post_id = _draft(roster)
    item = roster.media.attach("alice", post_id, jpeg_with_gps(tmp_path / "a.jpg"), ALT)
    roster.posts.submit("alice", post_id)
    roster.posts.clear("bob", post_id)
    assert Path(item.path).is_file()  # cleared and queued: needed
    roster.posts.withdraw("alice", post_id, "the meeting was postponed")
    assert not Path(item.path).exists()
    assert _deletions(roster)[0]["details"]["why"].startswith("the post was withdrawn")


def test_post_edit_remove_media_deletes_the_copy_after_its_commit(
        roster: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from inmm_tui.cli import main

    post_id = _draft(roster)
    item = roster.media.attach("alice", post_id, jpeg_with_gps(tmp_path / "a.jpg"), ALT)
    assert roster.config.path is not None
    roster.config.path.write_text(f'[inmm]\ndatabase = "{roster.config.database_path}"\n'
                                  'timezone = "America/Chicago"\n')
    monkeypatch.setattr("inmm_tui.domain.people.current_login", lambda: "alice")
    assert main(["--config", str(roster.config.path), "post", "edit", str(post_id),
                 "--remove-media", "1"]) == 0, capsys.readouterr().err
    assert not Path(item.path).exists()
    assert [e["details"]["files"] for e in _deletions(roster)] == [[Path(item.path).name]]


@pytest.fixture
def people(tmp_path: Path, sandbox: RunningSandbox) -> Iterator[Services]:
    config = one_outlet_config(tmp_path, sandbox, "mastodon", "mastodon", "Mastodon")
    from inmm_tui.timeutil import utcnow

    yield from services_with_people(config, FakeClock(utcnow().replace(microsecond=0)))


def test_a_published_posts_copy_is_kept_whatever_else_is_discarded(
        people: Services, sandbox: RunningSandbox, tmp_path: Path) -> None:
    photo = jpeg_with_gps(tmp_path / "a.jpg")
    post_id = people.posts.create_draft("alice", BODY, topic="Annual Meeting",
                                        scheduled_at=people.clock())
    item = people.media.attach("alice", post_id, photo, ALT)
    people.posts.submit("alice", post_id)
    people.posts.clear("bob", post_id)
    publisher(people, {"mastodon": sandbox.mastodon("mastodon", timeout=5.0)}).run(  # type: ignore[dict-item]
        seconds=30)
    assert states(people, post_id) == {"mastodon": "sent"}
    draft = _draft(people)
    people.media.attach("alice", draft, photo, ALT)  # the same bytes on a new draft
    people.posts.delete_draft("alice", draft)
    _age(Path(item.path), ORPHAN_AGE.total_seconds() * 2)
    assert sweep(people.db, "daemon", people.clock()) == []
    assert Path(item.path).is_file() and _deletions(people) == []
    # Taken down from Mastodon since: still evidence of what was published.
    from inmm_daemon.deletions import perform_deletions

    people.deletions.request_delete("hq", post_id, None, "a wrong date")
    perform_deletions(people, sandbox.mastodon("mastodon", timeout=5.0), "mastodon")
    assert people.posts.get(post_id).status == "withdrawn"
    assert sweep(people.db, "daemon", people.clock(), older_than=ORPHAN_AGE * 0) == []
    assert Path(item.path).is_file()


CRASH = textwrap.dedent("""
    import os, signal, sys
    from inmm_tui.config import load_config
    from inmm_tui.domain import media
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database

    config = load_config(sys.argv[1])
    svc = Services.build(config, open_database(config.database_path))
    where, post_id, arg = sys.argv[2], int(sys.argv[3]), sys.argv[4]

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if where == "before_commit":  # the copy is written, the row not yet committed
        store = media.Media._store
        def store_then_die(self, *args, **kwargs):
            stored = store(self, *args, **kwargs)
            die()
        media.Media._store = store_then_die
        svc.media.attach("alice", post_id, arg, "A photo of the hall")
    elif where == "before_release":  # the row's removal committed, the copy not deleted
        media.release = die
        svc.media.remove("alice", post_id, int(arg))
    elif where == "before_unlink":  # the deletion audited and committed, not unlinked
        media._unlink = die
        svc.media.remove("alice", post_id, int(arg))
    sys.exit(0)
""")


def _crash(svc: Services, where: str, post_id: int, arg: object) -> None:
    assert svc.config.path is not None
    svc.config.path.write_text(f'[inmm]\ndatabase = "{svc.config.database_path}"\n'
                               'timezone = "America/Chicago"\n')
    done = subprocess.run([sys.executable, "-c", CRASH, str(svc.config.path), where,
                           str(post_id), str(arg)], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_a_crash_between_the_copy_and_the_commit_leaves_an_orphan_the_sweep_removes(
        roster: Services, tmp_path: Path) -> None:
    post_id = _draft(roster)
    _crash(roster, "before_commit", post_id, jpeg_with_gps(tmp_path / "hall.jpg"))
    assert roster.media.items(post_id) == []  # the attach never committed
    (orphan,) = (media_dir(roster.db.conn) / name for name in _stored(roster))
    assert sweep(roster.db, "daemon", roster.clock()) == []  # too young: maybe an attach
    assert orphan.is_file()
    _age(orphan, ORPHAN_AGE.total_seconds() + 60)
    assert sweep(roster.db, "daemon", roster.clock()) == [orphan.name]
    assert _stored(roster) == set()
    (entry,) = _deletions(roster)
    assert (entry["actor"], entry["subject"], entry["details"]["files"]) == (
        "daemon", "media", [orphan.name])
    assert audit.verify(roster.db.conn).ok


@pytest.mark.parametrize("where", ["before_release", "before_unlink"])
def test_a_crash_after_the_commit_leaves_a_copy_the_sweep_removes(
        roster: Services, tmp_path: Path, where: str) -> None:
    post_id = _draft(roster)
    keep = roster.media.attach("alice", post_id, png(tmp_path / "c.png"), "A chart")
    item = roster.media.attach("alice", post_id, jpeg_with_gps(tmp_path / "a.jpg"), ALT)
    _crash(roster, where, post_id, item.id)
    assert [i.id for i in roster.media.items(post_id)] == [keep.id]  # the removal committed
    left = _stored(roster) - {Path(keep.path).name}
    assert len(left) == 1  # the copy, or its renamed remains
    for name in left:
        _age(media_dir(roster.db.conn) / name, ORPHAN_AGE.total_seconds() + 60)
    assert sweep(roster.db, "daemon", roster.clock()) == sorted(left)
    assert _stored(roster) == {Path(keep.path).name} and Path(keep.path).is_file()


def test_the_daemon_s_daily_housekeeping_sweeps_the_store(
        roster: Services, clock: FakeClock, tmp_path: Path) -> None:
    from inmm_daemon.service import JOBS, Daemon

    from inmm_tui.store.db import open_database

    from .daemon_helpers import fakes

    kept = roster.media.attach("alice", _draft(roster), png(tmp_path / "c.png"), "A chart")
    folder = media_dir(roster.db.conn)
    orphan = folder / ("0" * 64 + ".jpg")
    orphan.write_bytes(b"left by a crash")
    _age(orphan, ORPHAN_AGE.total_seconds() + 60)
    _age(Path(kept.path), ORPHAN_AGE.total_seconds() + 60)  # old, but a draft carries it
    path = roster.config.database_path
    daemon = Daemon(roster.config, lambda: open_database(path), fakes(roster),  # type: ignore[arg-type]
                    clock=clock)
    try:
        daemon.run_job(JOBS["reminders"])
    finally:
        daemon.close()
    assert _stored(roster) == {Path(kept.path).name}
    assert [e["actor"] for e in _deletions(roster)] == ["daemon"]
