"""Shares: reposts and quotes (issue 17; Bluesky's from issue 18). The domain's rules,
and the daemon reading the original and publishing the share exactly once against the
sandbox, through the real tweepy, Mastodon.py and atproto clients, on every outlet."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from inmm_daemon.deletions import perform_deletions
from inmm_daemon.shares import resolve_shares

from inmm_tui.config import Config, parse_config
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised
from inmm_tui.domain.posts import clearance_digest, verify_clearance
from inmm_tui.domain.services import Services
from inmm_tui.domain.shares import REPOST
from inmm_tui.store.db import open_database
from inmm_tui.timeutil import utcnow

from .conftest import FakeClock, add_people
from .daemon_helpers import publisher
from .sandbox_fixtures import RunningSandbox

OUTLETS = ("x", "mastodon", "bluesky", "linkedin")


@pytest.fixture
def clock() -> FakeClock:
    # The sandbox's rate-limit reset times are real times: start the fake clock at now.
    return FakeClock(utcnow().replace(microsecond=0))


@pytest.fixture
def config(tmp_path: Path, sandbox: RunningSandbox) -> Config:
    url = urlparse(sandbox.url)
    return parse_config({
        "inmm": {"database": str(tmp_path / "inmm.db"), "timezone": "America/Chicago"},
        "sandbox": {"host": url.hostname, "port": url.port},
        "outlets": [{"name": api, "kind": "sandbox", "api": api} for api in OUTLETS],
    }, tmp_path / "inmm.toml")


@pytest.fixture
def svc(config: Config, clock: FakeClock, migrated_database: Path) -> Any:
    shutil.copyfile(migrated_database, config.database_path)
    db = open_database(config.database_path)
    services = Services.build(config, db, clock=clock)
    add_people(services)
    yield services
    db.close()


def _platforms(sandbox: RunningSandbox) -> dict[str, Any]:
    return {"x": sandbox.x(), "mastodon": sandbox.mastodon(), "bluesky": sandbox.bluesky(),
            "linkedin": sandbox.linkedin()}


def _original(sandbox: RunningSandbox, api: str, text: str = "Nuclear security week: "
              "five days of talks on safeguards, open to all.") -> tuple[str, str]:
    """(id, address) of a post by another society on `api`."""
    handle = {"x": "ANS_org", "mastodon": "ans", "bluesky": "ans_org"}[api]
    post_id = sandbox.control.post(api, handle, text)
    if api == "x":
        return post_id, f"https://x.com/{handle}/status/{post_id}"
    if api == "mastodon":
        return post_id, f"{sandbox.url}/@{handle}/{post_id}"
    return post_id, f"https://bsky.app/profile/ans-org.bsky.social/post/{post_id.rsplit('/')[-1]}"


def _cleared(svc: Services, sandbox: RunningSandbox, url: str, *, quote: str = "",
             outlets: list[str]) -> int:
    post_id = svc.shares.request("alice", url, quote=quote, outlets=outlets,
                                 topic="Member news")
    resolve_shares(svc, _platforms(sandbox))
    svc.posts.submit("alice", post_id)
    svc.posts.clear("bob", post_id, publish_if_untimed=True)
    return post_id


def _publish(svc: Services, sandbox: RunningSandbox) -> None:
    publisher(svc, _platforms(sandbox)).run(seconds=30)


def _posts(sandbox: RunningSandbox, api: str) -> list[dict[str, Any]]:
    return sandbox.control.state()[api]["posts"]


def _ours(sandbox: RunningSandbox, api: str) -> list[dict[str, Any]]:
    return [p for p in _posts(sandbox, api) if p["author"] == "INMMorg" and not p["deleted"]]


def _post(sandbox: RunningSandbox, api: str, platform_id: str) -> dict[str, Any]:
    (found,) = [p for p in _posts(sandbox, api) if p["id"] == platform_id]
    return found


def _audit(svc: Services, action: str) -> list[tuple[str, dict[str, Any]]]:
    return [(actor, json.loads(d)) for actor, d in svc.db.conn.execute(
        "SELECT actor, details FROM audit WHERE action = ? ORDER BY seq", (action,))]


# ----- the domain -----------------------------------------------------------------------

def test_a_share_waits_for_the_daemon_to_read_the_original_before_it_is_submitted(
        svc: Services, sandbox: RunningSandbox) -> None:
    original_id, url = _original(sandbox, "x")
    post_id = svc.shares.request("alice", url, outlets=["x"])
    share = svc.shares.get(post_id)
    assert share is not None and share.state == "resolving" and share.original is None
    with pytest.raises(InvalidState, match="has not fetched yet"):
        svc.posts.submit("alice", post_id)
    assert resolve_shares(svc, _platforms(sandbox)) == 1
    share = svc.shares.get(post_id)
    assert share is not None and share.state == "resolved"
    assert share.original is not None
    assert (share.original.author_handle, share.original.text) == (
        "ANS_org", "Nuclear security week: five days of talks on safeguards, open to all.")
    assert share.original.created_at is not None
    assert share.targets == {"x": (original_id, True)}
    assert svc.posts.submit("alice", post_id).status == "submitted"
    assert [a for a, _ in _audit(svc, "share.request")] == ["alice"]
    assert [d["author"] for _, d in _audit(svc, "share.resolved")] == ["ANS_org"]


def test_an_address_that_is_not_a_post_is_refused_and_one_no_outlet_reads_is_reported(
        svc: Services, sandbox: RunningSandbox) -> None:
    for bad in ("", "not a link", "https://x.com/a/status/1\u202e", "ftp://x.com/a"):
        with pytest.raises(InvalidInput):
            svc.shares.request("alice", bad)
    with pytest.raises(NotAuthorised):
        svc.shares.request("mallory", "https://x.com/ANS_org/status/1")
    assert svc.db.conn.execute("SELECT count(*) FROM shares").fetchone()[0] == 0
    post_id = svc.shares.request("alice", "https://example.org/blog/2026/11/news")
    resolve_shares(svc, _platforms(sandbox))
    share = svc.shares.get(post_id)
    assert share is not None and share.state == "unresolvable"
    assert "none of the outlets reads this address" in (share.note or "")
    with pytest.raises(InvalidState, match="cannot be shared"):
        svc.posts.submit("alice", post_id)


def test_a_post_deleted_before_it_was_read_is_gone(svc: Services,
                                                   sandbox: RunningSandbox) -> None:
    original_id, url = _original(sandbox, "x")
    sandbox.control.delete_post("x", original_id)
    post_id = svc.shares.request("alice", url, outlets=["x"])
    resolve_shares(svc, _platforms(sandbox))
    share = svc.shares.get(post_id)
    assert share is not None and share.state == "gone"
    assert "no longer exists" in (share.note or "")


def test_the_original_is_screened_with_the_outgoing_rules_and_shown_as_shared_post(
        svc: Services, sandbox: RunningSandbox) -> None:
    _, url = _original(sandbox, "x", "Vote Republican in November to protect the industry!")
    post_id = svc.shares.request("alice", url, outlets=["x"])
    resolve_shares(svc, _platforms(sandbox))
    post = svc.posts.submit("alice", post_id)
    found = [f for f in post.screening if f["outlet"] == "shared post"]
    assert "politics_religion" in {f["category"] for f in found}
    assert not {"length", "signature"} & {f["category"] for f in found}
    assert post.screening_verdict != "pass"


def test_a_repost_only_goes_where_the_original_is(svc: Services,
                                                   sandbox: RunningSandbox) -> None:
    _, url = _original(sandbox, "x")
    post_id = svc.shares.request("alice", url, outlets=["x", "linkedin"])
    resolve_shares(svc, _platforms(sandbox))
    with pytest.raises(InvalidState, match="not on linkedin"):
        svc.posts.submit("alice", post_id)
    share = svc.shares.get(post_id)
    assert share is not None and "reshare" in (share.note or "")  # LinkedIn's why_not
    # With text of ours it is a quote: natively on X, with the address on LinkedIn.
    svc.posts.edit("alice", post_id, body="Worth reading:")
    post = svc.posts.submit("alice", post_id)
    texts = svc.posts.final_texts(post)
    assert texts["x"] == "Worth reading: ^AA"
    assert texts["linkedin"] == f"Worth reading:\n{url} ^AA"


def test_the_clearance_covers_the_shared_post_and_a_change_sends_it_back(
        svc: Services, sandbox: RunningSandbox) -> None:
    original_id, url = _original(sandbox, "x")
    post_id = _cleared(svc, sandbox, url, quote="Worth reading:", outlets=["x"])
    post = svc.posts.get(post_id)
    texts = svc.posts.final_texts(post)
    assert post.clearance_hash != clearance_digest(texts, post.cleared_at or "")
    (delivery,) = svc.posts.deliveries(post_id)
    assert verify_clearance(svc.db.conn, delivery.id) is None
    conn = svc.db.conn
    # The original's id on the outlet, or the text that was screened, changed behind the
    # clearance's back: the delivery is refused.
    conn.execute("UPDATE share_targets SET platform_id = '1' WHERE post_id = ?", (post_id,))
    assert "differ from what was cleared" in (verify_clearance(conn, delivery.id) or "")
    conn.execute("UPDATE share_targets SET platform_id = ? WHERE post_id = ?",
                 (original_id, post_id))
    assert verify_clearance(conn, delivery.id) is None
    conn.execute("UPDATE shares SET original_text = 'something else' WHERE post_id = ?",
                 (post_id,))
    assert "differ from what was cleared" in (verify_clearance(conn, delivery.id) or "")
    conn.commit()
    # Pointing the share at another post withdraws the clearance: read, screened and
    # cleared again.
    _, other = _original(sandbox, "x", "Another society's news.")
    svc.shares.repoint("alice", post_id, other)
    post = svc.posts.get(post_id)
    assert (post.status, post.clearance_hash) == ("draft", None)
    assert svc.posts.deliveries(post_id) == []
    assert _audit(svc, "share.repoint")[0][1]["clearance"].startswith("withdrawn")


def test_a_draft_becomes_a_share_by_its_author_only(svc: Services,
                                                      sandbox: RunningSandbox) -> None:
    _, url = _original(sandbox, "x")
    post_id = svc.posts.create_draft("alice", "Worth reading:", outlets=["x"])
    with pytest.raises(InvalidState, match="only its author"):
        svc.shares.repoint("bob", post_id, url)
    svc.shares.repoint("alice", post_id, url)
    share = svc.shares.get(post_id)
    assert share is not None and (share.url, share.state) == (url, "resolving")


def test_a_plain_posts_clearance_hash_is_what_it_always_was(svc: Services) -> None:
    post_id = svc.posts.create_draft("alice", "Annual meeting: register now", outlets=["x"])
    svc.posts.submit("alice", post_id)
    post = svc.posts.clear("bob", post_id)
    texts = svc.posts.final_texts(post)
    # The payload as it was before shares: the outlets' text hashes and the time, no more.
    payload = json.dumps({"cleared_at": post.cleared_at, "outlets": {
        o: hashlib.sha256(t.encode()).hexdigest() for o, t in texts.items()}},
        sort_keys=True, separators=(",", ":"))
    assert post.clearance_hash == hashlib.sha256(payload.encode()).hexdigest()


# ----- the daemon, per outlet -----------------------------------------------------------

def test_x_repost_goes_out_once_even_when_the_answer_is_lost(
        svc: Services, sandbox: RunningSandbox, clock: FakeClock) -> None:
    original_id, url = _original(sandbox, "x")
    post_id = _cleared(svc, sandbox, url, outlets=["x"])
    sandbox.control.fault("lost", api="x", method="POST", path="/2/users/")
    _publish(svc, sandbox)
    (delivery,) = svc.posts.deliveries(post_id)
    assert delivery.state == "pending" and delivery.text == ""
    clock.advance(minutes=30)
    _publish(svc, sandbox)
    reposts = [p for p in _ours(sandbox, "x") if p["repost_of"] == original_id]
    assert len(reposts) == 1
    # The second attempt found the repost the first one made, and asked for none.
    assert sandbox.control.requests("x POST /2/users/") == 1
    (delivery,) = svc.posts.deliveries(post_id)
    assert (delivery.state, delivery.platform_id) == ("sent", reposts[0]["id"])
    assert svc.posts.get(post_id).status == "published"
    assert _post(sandbox, "x", original_id)["reposts"] == 1


def test_x_quote_carries_our_text_and_the_quoted_id(svc: Services,
                                                     sandbox: RunningSandbox) -> None:
    original_id, url = _original(sandbox, "x")
    post_id = _cleared(svc, sandbox, url, quote="Our members speak on day two.",
                       outlets=["x"])
    _publish(svc, sandbox)
    (delivery,) = svc.posts.deliveries(post_id)
    quote = _post(sandbox, "x", delivery.platform_id or "")
    assert (quote["text"], quote["quote_of"]) == ("Our members speak on day two. ^AA",
                                                   original_id)


def test_mastodon_boost_and_quote_or_link_where_the_server_has_no_quotes(
        svc: Services, sandbox: RunningSandbox) -> None:
    original_id, url = _original(sandbox, "mastodon")
    boost = _cleared(svc, sandbox, url, outlets=["mastodon"])
    quote = _cleared(svc, sandbox, url, quote="Join us there.", outlets=["mastodon"])
    sandbox.control.settings(mastodon_quotes=False)
    linked = _cleared(svc, sandbox, url, quote="Also worth a look.", outlets=["mastodon"])
    sandbox.control.settings(mastodon_quotes=True)
    _publish(svc, sandbox)
    _publish(svc, sandbox)  # again: the boost is not made twice
    ours = {p["id"]: p for p in _ours(sandbox, "mastodon")}
    sent = {post: svc.posts.deliveries(post)[0] for post in (boost, quote, linked)}
    assert all(d.state == "sent" for d in sent.values())
    assert ours[sent[boost].platform_id or ""]["repost_of"] == original_id
    assert [p for p in ours.values() if p["repost_of"]] == [ours[sent[boost].platform_id or ""]]
    assert ours[sent[quote].platform_id or ""]["quote_of"] == original_id
    assert ours[sent[linked].platform_id or ""]["quote_of"] is None
    assert ours[sent[linked].platform_id or ""]["text"] == f"Also worth a look.\n{url} ^AA"


def test_bluesky_repost_record_once_and_quote_as_a_record_embed(
        svc: Services, sandbox: RunningSandbox, clock: FakeClock) -> None:
    original_id, url = _original(sandbox, "bluesky")
    repost = _cleared(svc, sandbox, url, outlets=["bluesky"])
    quote = _cleared(svc, sandbox, url, quote="Safeguards week.", outlets=["bluesky"])
    sandbox.control.fault("lost", api="bluesky", method="POST",
                          path="/xrpc/com.atproto.repo.createRecord")
    _publish(svc, sandbox)
    clock.advance(minutes=30)
    _publish(svc, sandbox)
    assert _post(sandbox, "bluesky", original_id)["reposts"] == 1
    (made,) = svc.posts.deliveries(repost)
    assert made.state == "sent" and "/app.bsky.feed.repost/" in (made.platform_id or "")
    (quoted,) = svc.posts.deliveries(quote)
    assert _post(sandbox, "bluesky", quoted.platform_id or "")["quote_of"] == original_id
    assert _post(sandbox, "bluesky", original_id)["quotes"] == 1


def test_linkedin_gets_a_quote_as_our_text_with_the_address(
        svc: Services, sandbox: RunningSandbox) -> None:
    _, url = _original(sandbox, "x")
    post_id = _cleared(svc, sandbox, url, quote="Worth reading:", outlets=["linkedin", "x"])
    _publish(svc, sandbox)
    assert {d.outlet: d.state for d in svc.posts.deliveries(post_id)} == {
        "linkedin": "sent", "x": "sent"}
    (page_post,) = _ours(sandbox, "linkedin")
    assert page_post["text"] == f"Worth reading:\n{url} ^AA"


def test_a_shared_post_deleted_upstream_before_publication_fails_once_with_an_alert(
        svc: Services, sandbox: RunningSandbox, clock: FakeClock) -> None:
    original_id, url = _original(sandbox, "x")
    post_id = _cleared(svc, sandbox, url, outlets=["x"])
    sandbox.control.delete_post("x", original_id)
    _publish(svc, sandbox)
    (delivery,) = svc.posts.deliveries(post_id)
    assert delivery.state == "failed" and "deleted upstream" in (delivery.last_error or "")
    share = svc.shares.get(post_id)
    assert share is not None and share.state == "gone"
    alerts = svc.db.conn.execute("SELECT kind, subject FROM alerts WHERE kind ="
                                 " 'shared_post_gone'").fetchall()
    assert alerts == [("shared_post_gone", f"post:{post_id}")]
    calls = sandbox.control.requests("x ")
    clock.advance(hours=2)
    _publish(svc, sandbox)  # not retried
    assert sandbox.control.requests("x ") == calls
    assert not [p for p in _ours(sandbox, "x") if p["repost_of"]]


def test_a_shared_post_changed_upstream_after_clearance_is_not_shared(
        svc: Services, sandbox: RunningSandbox) -> None:
    original_id, url = _original(sandbox, "mastodon")
    post_id = _cleared(svc, sandbox, url, quote="Worth reading:", outlets=["mastodon"])
    sandbox.control.edit_post("mastodon", original_id, "Buy our reactor today!")
    _publish(svc, sandbox)
    (delivery,) = svc.posts.deliveries(post_id)
    assert delivery.state == "failed" and "changed upstream" in (delivery.last_error or "")
    share = svc.shares.get(post_id)
    assert share is not None and share.state == "changed"
    assert [k for (k,) in svc.db.conn.execute("SELECT kind FROM alerts")] == [
        "shared_post_changed"]
    assert not [p for p in _ours(sandbox, "mastodon") if p["quote_of"]]


def test_undoing_a_share_needs_the_right_and_takes_back_the_repost(
        svc: Services, sandbox: RunningSandbox) -> None:
    x_id, x_url = _original(sandbox, "x")
    m_id, m_url = _original(sandbox, "mastodon")
    on_x = _cleared(svc, sandbox, x_url, outlets=["x"])
    on_mastodon = _cleared(svc, sandbox, m_url, outlets=["mastodon"])
    _publish(svc, sandbox)
    with pytest.raises(NotAuthorised):
        svc.shares.undo("alice", on_x, "wrong society")
    assert [a for a, _ in _audit(svc, "post.delete_refused")] == ["alice"]
    with pytest.raises(InvalidInput, match="say why"):
        svc.shares.undo("hq", on_x, " ")
    svc.shares.undo("hq", on_x, "shared by mistake")
    svc.shares.undo("hq", on_mastodon, "shared by mistake")
    platforms = _platforms(sandbox)
    for name in ("x", "mastodon"):
        perform_deletions(svc, platforms[name], name)
    assert not [p for p in _ours(sandbox, "x") if p["repost_of"] == x_id]
    assert not [p for p in _ours(sandbox, "mastodon") if p["repost_of"] == m_id]
    assert not _post(sandbox, "x", x_id)["deleted"]  # theirs stays, of course
    assert [d.state for d in svc.posts.deliveries(on_x)] == ["deleted"]
    assert svc.posts.get(on_mastodon).status == "withdrawn"
    assert [d["reason"] for _, d in _audit(svc, "share.undo")] == ["shared by mistake"] * 2


def test_a_repost_is_not_polled_for_metrics(svc: Services, sandbox: RunningSandbox) -> None:
    from inmm_tui.domain.metrics import pollable_deliveries

    _, url = _original(sandbox, "x")
    post_id = _cleared(svc, sandbox, url, outlets=["x"])
    _publish(svc, sandbox)
    (delivery,) = svc.posts.deliveries(post_id)
    assert delivery.state == "sent"
    assert svc.shares.get(post_id) is not None
    assert svc.shares.get(post_id).way("x", "") == REPOST  # type: ignore[union-attr]
    assert pollable_deliveries(svc.db.conn, "x", now=svc.clock(), days=7, limit=10) == []


# ----- the command line -----------------------------------------------------------------

def test_post_share_from_the_command_line_shows_the_original_as_outside_text(
        svc: Services, sandbox: RunningSandbox, config: Config, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from inmm_tui.cli import main

    path = config.database_path.parent / "inmm.toml"
    url = urlparse(sandbox.url)
    path.write_text(
        f'[inmm]\ndatabase = "{config.database_path}"\ntimezone = "America/Chicago"\n'
        f'[sandbox]\nhost = "{url.hostname}"\nport = {url.port}\n'
        + "".join(f'[[outlets]]\nname = "{api}"\nkind = "sandbox"\napi = "{api}"\n'
                  for api in OUTLETS))

    def run(who: str, *argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr("inmm_tui.domain.people.current_login", lambda: who)
        capsys.readouterr()
        try:
            code = main(["--config", str(path), *argv])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    original_id, address = _original(sandbox, "x", "Safeguards week \x1b[2J starts today")
    code, out, _ = run("alice", "post", "share", address, "--quote", "Worth reading:",
                       "--outlets", "x,mastodon", "--topic", "member news")
    assert code == 0 and "Share #1 created" in out
    code, _, err = run("alice", "post", "share", "not a link")
    assert code == 2 and "not the address of a post" in err
    resolve_shares(svc, _platforms(sandbox))
    code, out, _ = run("bob", "post", "show", "1")
    assert code == 0 and "by @ANS_org" in out and "\x1b" not in out
    code, out, _ = run("bob", "post", "show", "1", "--json")
    shown = json.loads(out)
    assert shown["share"]["original"]["text"] == "Safeguards week \x1b[2J starts today"
    assert shown["share"]["on"] == {"x": original_id}
    assert shown["texts"]["mastodon"] == f"Worth reading:\n{address} ^AA"
    code, out, _ = run("alice", "post", "submit", "1")
    assert code == 0 and "on shared post" in out  # the original's terminal escape
    code, _, err = run("chair", "post", "clear", "1", "--publish-now",
                       "--override-reason", "the escape is theirs; we quote with a link")
    assert code == 0, err
    clock.now = utcnow()  # the command line ran on the real clock
    _publish(svc, sandbox)
    assert {d.outlet: d.state for d in svc.posts.deliveries(1)} == {"mastodon": "sent",
                                                                     "x": "sent"}
    code, _, err = run("alice", "post", "unshare", "1", "--reason", "mistake")
    assert code == 3
    code, out, _ = run("hq", "post", "unshare", "1", "--reason", "mistake", "--outlets", "x")
    assert code == 0 and "undone on x" in out


def test_the_report_shows_shares_that_cannot_go_out_and_ones_left_unread(
        svc: Services, sandbox: RunningSandbox, config: Config, clock: FakeClock) -> None:
    from inmm_tui.reports.status import gather, render_text

    original_id, url = _original(sandbox, "x")
    gone = _cleared(svc, sandbox, url, outlets=["x"])
    sandbox.control.delete_post("x", original_id)
    _publish(svc, sandbox)
    svc.shares.request("alice", "https://x.com/ANS_org/status/42", outlets=["x"])
    status = gather(config, clock.advance(minutes=11))
    assert status["shares"] == {"resolving": 1, "resolved": 0, "unresolvable": 0, "gone": 1,
                                "changed": 0}
    assert [(s["post"], s["state"]) for s in status["shares_blocked"]] == [(gone, "gone")]
    text = render_text(status)
    assert f"share #{gone} cannot go out (gone): the shared post was deleted upstream" in text
    assert "1 share not read by the daemon for over 10 minutes" in text
    assert any("deleted upstream" in item for item in status["attention"])  # the alert


def test_a_post_is_reposted_once_and_a_refused_change_is_audited(
        svc: Services, sandbox: RunningSandbox) -> None:
    _, url = _original(sandbox, "x")
    first = _cleared(svc, sandbox, url, outlets=["x"])
    second = svc.shares.request("bob", url, outlets=["x"])
    resolve_shares(svc, _platforms(sandbox))
    with pytest.raises(InvalidState, match=f"post #{first} reposts this post on x already"):
        svc.posts.submit("bob", second)
    svc.posts.edit("bob", second, body="Quoting it is another post:")
    assert svc.posts.submit("bob", second).status == "submitted"
    with pytest.raises(NotAuthorised):
        svc.shares.repoint("ec", first, url)
    assert [(a, d["attempt"]) for a, d in _audit(svc, "share.refused")] == [
        ("ec", f"change what post #{first} shares")]


def test_bluesky_repost_is_undone_by_deleting_its_record(svc: Services,
                                                         sandbox: RunningSandbox) -> None:
    original_id, url = _original(sandbox, "bluesky")
    post_id = _cleared(svc, sandbox, url, outlets=["bluesky"])
    _publish(svc, sandbox)
    assert _post(sandbox, "bluesky", original_id)["reposts"] == 1
    svc.shares.undo("chair", post_id, "not ours to repeat")
    perform_deletions(svc, _platforms(sandbox)["bluesky"], "bluesky")
    assert _post(sandbox, "bluesky", original_id)["reposts"] == 0
    assert sandbox.control.requests("bluesky POST /xrpc/com.atproto.repo.deleteRecord") == 1
    assert [d.state for d in svc.posts.deliveries(post_id)] == ["deleted"]


def test_each_platform_reads_only_its_own_addresses(sandbox: RunningSandbox) -> None:
    from inmm_tui.platforms.errors import NotFound, Unsupported

    x_id, x_url = _original(sandbox, "x")
    m_id, m_url = _original(sandbox, "mastodon")
    b_id, b_url = _original(sandbox, "bluesky")
    platforms = _platforms(sandbox)
    mine = {"x": (x_url, x_id), "mastodon": (m_url, m_id), "bluesky": (b_url, b_id)}
    for name, (url, platform_id) in mine.items():
        assert platforms[name].fetch_post(url).platform_id == platform_id
        for other, (foreign, _) in mine.items():
            if other != name:
                with pytest.raises(Unsupported):
                    platforms[name].fetch_post(foreign)
        with pytest.raises(Unsupported):
            platforms["linkedin"].fetch_post(url)
    assert platforms["x"].fetch_post(f"https://twitter.com/i/web/status/{x_id}").url == x_url
    with pytest.raises(NotFound):
        platforms["x"].fetch_post("https://x.com/ANS_org/status/42")
    with pytest.raises(NotFound):
        platforms["bluesky"].fetch_post("https://bsky.app/profile/nobody.bsky.social/post/3kabc")
