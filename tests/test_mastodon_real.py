"""Issue 13, the Mastodon side: what the real service sends and our adapter used to get
wrong, through the sandbox (which now answers in Mastodon's documented shapes) and the
real Mastodon.py client.

Spec-built payloads, each shape from docs.joinmastodon.org: snowflake ids made from a
status's own `created_at` (a remote status keeps its time: api/guidelines/#id,
and Mastodon::Snowflake.id_at), notifications paged by their own ids
(methods/notifications/), `visibility` public/unlisted/private/direct
(entities/Status/#visibility), `status` null on a notification
(entities/Notification/#status), `content` HTML with h-card mentions and
`invisible`/`ellipsis` link spans (spec/microformats/), and what a 200 that is not the
entity asked for becomes in Mastodon.py (every field None)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from inmm_daemon import moderation as jobs

from inmm_tui.domain import private_messages
from inmm_tui.domain.errors import NotAuthorised
from inmm_tui.domain.people import current_login
from inmm_tui.domain.roles import Role
from inmm_tui.domain.services import Services
from inmm_tui.platforms.errors import TransientError
from inmm_tui.timeutil import utcnow

from .cli_helpers import run_cli
from .conftest import FakeClock
from .sandbox_fixtures import RunningSandbox

M = "mastodon"


@pytest.fixture
def live_clock(clock: FakeClock) -> FakeClock:
    clock.now = utcnow()
    return clock


def _ids(svc: Services, table: str = "mentions") -> list[str]:
    return [r[0] for r in svc.db.conn.execute(f"SELECT platform_id FROM {table} ORDER BY id")]


# ----- defect 2: a reply that federates late ------------------------------------------


def test_a_reply_that_federates_late_is_ingested(roster: Services, sandbox: RunningSandbox,
                                                 live_clock: FakeClock) -> None:
    platform = sandbox.mastodon()
    ours = platform.publish("Registration for the Annual Meeting is open", idempotency_key="k")
    # A member on a slow server replies first; their server delivers it minutes later.
    written = utcnow()
    time.sleep(0.01)
    fast = sandbox.control.post(M, "fast", "@INMMorg see you there", in_reply_to=ours.platform_id)
    assert jobs.ingest_mentions(roster, platform, M).new == 1
    late = sandbox.control.post(M, "slow", "@INMMorg is there a student rate?",
                                in_reply_to=ours.platform_id, created_at=written.isoformat())
    assert int(late) < int(fast)  # its id is of when it was written, not of its arrival
    assert jobs.ingest_mentions(roster, platform, M).new == 1
    assert _ids(roster) == [fast, late]
    # The overlap reads the last few again; the store drops them: nothing twice, nothing lost.
    assert jobs.ingest_mentions(roster, platform, M).new == 0
    assert _ids(roster) == [fast, late]


def test_the_cursor_walks_forward_over_many_pages_with_a_late_reply_among_them(
        roster: Services, sandbox: RunningSandbox, live_clock: FakeClock) -> None:
    platform = sandbox.mastodon()
    long_ago = (utcnow() - dt.timedelta(hours=2)).isoformat()
    first = [sandbox.control.post(M, f"early_{n}", f"@INMMorg early {n}") for n in range(3)]
    assert jobs.ingest_mentions(roster, platform, M).new == 3
    later = [sandbox.control.post(M, f"fan_{n}", f"@INMMorg number {n}") for n in range(90)]
    late = sandbox.control.post(M, "slow", "@INMMorg from two hours ago", created_at=long_ago)
    later += [sandbox.control.post(M, "after", "@INMMorg after the late one")]
    result = jobs.ingest_mentions(roster, platform, M)
    assert result.new == 92
    assert sorted(_ids(roster)) == sorted([*first, *later, late])


# ----- defect 5: a 200 with another shape ---------------------------------------------


CALLS = {
    "publish": ("POST", "/api/v1/statuses",
                lambda p: p.publish("Hello", idempotency_key="w1")),
    "whoami": ("GET", "/api/v1/accounts/verify_credentials", lambda p: p.whoami()),
    "mentions": ("GET", "/api/v1/notifications", lambda p: p.mentions()),
    "followers": ("GET", "/api/v1/accounts/", lambda p: p.followers()),
    "recent posts": ("GET", "/api/v1/accounts/", lambda p: p.recent_posts()),
    "metrics": ("GET", "/api/v1/statuses/", lambda p: p.metrics("1")),
    "report": ("POST", "/api/v1/reports", lambda p: p.report("2", "spam")),
    "block": ("POST", "/api/v1/accounts/", lambda p: p.block("2")),
    "look-up": ("GET", "/api/v1/accounts/lookup", lambda p: p.lookup_user("someone")),
}


@pytest.mark.parametrize("what", list(CALLS))
def test_a_200_that_is_not_the_entity_asked_for_is_transient(
        sandbox: RunningSandbox, what: str) -> None:
    platform = sandbox.mastodon()
    platform.whoami()  # our id, looked up before the fault
    method, path, call = CALLS[what]
    sandbox.control.fault("wrong_shape", api=M, method=method, path=path, count=1)
    with pytest.raises(TransientError, match="malformed answer"):
        call(platform)
    assert sandbox.control.state()[M]["posts"] == []  # nothing was posted


def test_publish_on_a_wrong_shape_never_records_a_post_id_of_none(
        sandbox: RunningSandbox) -> None:
    platform = sandbox.mastodon()
    sandbox.control.fault("wrong_shape", api=M, method="POST", path="/api/v1/statuses")
    with pytest.raises(TransientError):
        platform.publish("Hello", idempotency_key="w2")
    published = platform.publish("Hello", idempotency_key="w2")  # the retry posts it
    assert published.platform_id.isdigit() and published.url.startswith("http")


# ----- defect 6: private messages -----------------------------------------------------


def test_private_messages_are_kept_apart_from_the_public_mentions(
        roster: Services, sandbox: RunningSandbox, live_clock: FakeClock) -> None:
    platform = sandbox.mastodon()
    public = sandbox.control.post(M, "fan", "@INMMorg great talk")
    # Would be blocked (a transactional link) and queued for moderation, were it public.
    direct = sandbox.control.post(
        M, "member_m", "@INMMorg my member number is 1234; buy at https://shop.example.com/cart",
        visibility="direct")
    followers_only = sandbox.control.post(M, "follower_f", "@INMMorg just for my followers",
                                          visibility="private")
    unlisted = sandbox.control.post(M, "quiet", "@INMMorg unlisted is public",
                                    visibility="unlisted")
    sandbox.control.post(M, "ghost", "@INMMorg withdrawn", withheld=True)  # status: null
    result = jobs.ingest_mentions(roster, platform, M)
    assert (result.new, result.private, result.queued) == (2, 2, 0)
    assert _ids(roster) == [public, unlisted]
    assert roster.moderation.items("hq") == []
    assert _ids(roster, "private_messages") == [direct, followers_only]
    # Read by HQ and the Subcommittee Chair; the reading is audited, not the text.
    read = private_messages.read(roster.db, "chair", outlet=M)
    assert [(m.author_handle, m.visibility) for m in read] == [
        ("follower_f", "private"), ("member_m", "direct")]
    assert "https://shop.example.com/cart" in read[1].text
    assert len(private_messages.read(roster.db, "hq")) == 2
    # Refused to everyone else, and the refusal audited.
    for login in ("alice", "ec", "comms"):
        with pytest.raises(NotAuthorised, match="may not read the private messages"):
            private_messages.read(roster.db, login)
    audit = roster.db.conn.execute(
        "SELECT actor, action, details FROM audit WHERE action LIKE 'private.%'"
        " ORDER BY seq").fetchall()
    assert [(a, b) for a, b, _ in audit] == [
        ("chair", "private.read"), ("hq", "private.read"), ("alice", "private.refused"),
        ("ec", "private.refused"), ("comms", "private.refused")]
    assert all("1234" not in details for _, _, details in audit)
    # A second run brings nothing twice.
    again = jobs.ingest_mentions(roster, platform, M)
    assert (again.new, again.private) == (0, 0)


def test_the_messages_command_shows_them_to_hq_only(
        roster: Services, sandbox: RunningSandbox, live_clock: FakeClock, tmp_path) -> None:
    platform = sandbox.mastodon()
    sandbox.control.post(M, "member_m", "@INMMorg \x1b[31mprivate\x1b[0m question",
                         visibility="direct")
    jobs.ingest_mentions(roster, platform, M)
    cfg = tmp_path / "inmm.toml"
    cfg.write_text(f'[inmm]\ndatabase = "{roster.config.database_path}"\n')
    login = current_login()
    if login not in {p.login for p in roster.roster.people()}:
        roster.roster.add("hq", login, "Cora Comms Two", Role.COMMUNICATIONS_CHAIR)
    refused = run_cli("--config", str(cfg), "messages")
    assert refused.returncode == 3 and "may not read the private messages" in refused.stderr
    assert "question" not in refused.stdout
    roster.roster.change_role("hq", login, Role.HQ)
    shown = run_cli("--config", str(cfg), "messages", "--outlet", M)
    assert shown.returncode == 0, shown.stderr
    assert "1 private message on mastodon" in shown.stdout
    assert "@member_m (direct)" in shown.stdout and "\x1b" not in shown.stdout
    # HQ answers it privately from the command line; --answer without --text is exit 2.
    (message_id,) = roster.db.conn.execute("SELECT id FROM private_messages").fetchone()
    half = run_cli("--config", str(cfg), "messages", "--answer", str(message_id))
    assert half.returncode == 2 and "--text" in half.stderr
    answered = run_cli("--config", str(cfg), "messages", "--answer", str(message_id),
                       "--text", "Thank you, we will look into it.")
    assert answered.returncode == 0, answered.stderr
    assert "queued" in answered.stdout and "@member_m on mastodon" in answered.stdout


# ----- HTML content: incoming screening sees the real link ----------------------------


def test_mention_text_is_the_posted_text_and_links_are_their_destination(
        roster: Services, sandbox: RunningSandbox, live_clock: FakeClock) -> None:
    platform = sandbox.mastodon()
    posted = ("@INMMorg tickets & details: https://www.example-events.org/annual/2026/"
              "registration/cart?seat=1 #INMM2026 :blobcat:\nsee you <there>")
    sandbox.control.post(M, "fan", posted)
    # A remote server's anchor may show one address and lead to another (Mastodon keeps
    # the sanitised anchor; its text is not the href).
    sandbox.control.post(M, "remote", "@INMMorg (shown as below)", garbage={"content": (
        '<p><span class="h-card" translate="no"><a href="https://inmm.example/@INMMorg" '
        'class="u-url mention">@<span>INMMorg</span></a></span> news: <a href='
        '"https://shop.example.com/checkout" rel="nofollow noopener" target="_blank">'
        'https://inmm.org/news</a></p>')})
    mentions = platform.mentions()
    assert mentions[0].text == posted
    assert mentions[1].text == ("@INMMorg news: https://inmm.org/news "
                                "(https://shop.example.com/checkout)")
    # The incoming screen sees both destinations, as Mastodon's HTML hides them.
    assert jobs.ingest_mentions(roster, platform, M).queued == 2
