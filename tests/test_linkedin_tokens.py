"""Issue 18, LinkedIn tokens and comments, through the sandbox's LinkedIn (its REST shapes
and headers, and its OAuth endpoint): an access token LinkedIn refuses is renewed once
with the refresh token and the call made again; the new tokens go back to the secrets
file (atomically, mode 0600) and never to the database; a refused renewal is an alert;
HQ is reminded well before the refresh token expires; moderation deletes a member's
comment as the page's admin and answers one in its thread, once."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from inmm_daemon import moderation as moderation_jobs
from inmm_daemon.credentials import TokenKeeper
from inmm_daemon.service import note_secrets

from inmm_tui.config import Config, parse_config
from inmm_tui.domain import audit, tokens
from inmm_tui.domain.governance import raise_reminders
from inmm_tui.domain.reminders import open_alerts, open_reminders
from inmm_tui.domain.services import Services
from inmm_tui.platforms.errors import AuthFailed, RefreshRefused
from inmm_tui.platforms.factory import build_platform
from inmm_tui.platforms.linkedin import LinkedInPlatform
from inmm_tui.platforms.sandbox.world import (
    LINKEDIN,
    LINKEDIN_ORG_ID,
    SANDBOX_LINKEDIN_APP,
    SANDBOX_LINKEDIN_CREDENTIALS,
)
from inmm_tui.platforms.secrets import SecretsError, load_secrets, write_outlet_secrets
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write
from inmm_tui.timeutil import utcnow

from .conftest import FakeClock
from .daemon_helpers import publisher, queue_posts, states
from .sandbox_fixtures import RunningSandbox, posted_by_us, services_with_people

OAUTH = "linkedin POST /oauth/v2/accessToken"
CREATE = "linkedin POST /rest/posts"
OLD_TOKEN = SANDBOX_LINKEDIN_CREDENTIALS["access_token"]
SECRETS = f"""# Platform tokens: readable by the daemon's user only.
[outlets.li]
# The page's app, authorised by a page administrator.
access_token = "{OLD_TOKEN}"
refresh_token = "{SANDBOX_LINKEDIN_APP['refresh_token']}"
client_id = "{SANDBOX_LINKEDIN_APP['client_id']}"
client_secret = "{SANDBOX_LINKEDIN_APP['client_secret']}"
refresh_token_expires_at = "2027-09-01T00:00:00Z"

[notifications]
webhook_secret = "a-webhook-secret"
"""


@pytest.fixture
def config(tmp_path: Path, sandbox: RunningSandbox) -> Config:
    """A real (not `sandbox`) LinkedIn outlet whose address is the sandbox's, and its
    secrets file."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS)
    secrets.chmod(0o600)
    return parse_config({
        "inmm": {"database": str(tmp_path / "inmm.db"), "timezone": "America/Chicago",
                 "secrets_file": str(secrets)},
        "daemon": {"request_timeout_seconds": 2},
        "outlets": [{"name": "li", "kind": "linkedin", "label": "LinkedIn",
                     "organization_id": LINKEDIN_ORG_ID, "base_url": sandbox.url}],
    }, tmp_path / "inmm.toml")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utcnow().replace(microsecond=0))


@pytest.fixture
def people(config: Config, clock: FakeClock) -> Iterator[Services]:
    yield from services_with_people(config, clock)


def platform_for(config: Config, keeper: TokenKeeper | None = None) -> LinkedInPlatform:
    built = build_platform(config.outlets[0], config, load_secrets(config.secrets_path))
    assert isinstance(built, LinkedInPlatform)
    if keeper is not None:
        assert keeper.attach({"li": built}) == ["li"]
    return built


def keeper_for(people: Services) -> TokenKeeper:
    path = people.config.database_path
    return TokenKeeper(people.config, lambda: open_database(path), clock=people.clock)


def expire_access_token(sandbox: RunningSandbox) -> None:
    world = sandbox.server.world
    with world.lock:
        world.tokens[LINKEDIN].discard(OLD_TOKEN)


def everything_in(db_path: Path) -> str:
    """Every value in every table of the database, as one text."""
    db = open_database(db_path)
    try:
        conn = db.conn
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return json.dumps([list(row) for t in tables
                           for row in conn.execute(f'SELECT * FROM "{t}"')], default=str)
    finally:
        db.close()


# ---- renewal ----------------------------------------------------------------------------------


def test_a_401_on_an_expired_token_renews_it_once_and_the_post_goes_out(
        people: Services, sandbox: RunningSandbox) -> None:
    keeper = keeper_for(people)
    platform = platform_for(people.config, keeper)
    fingerprint_before = note_secrets(people, load_secrets(people.config.secrets_path).outlets)
    (post,) = queue_posts(people, 1, body="Registration is open")
    expire_access_token(sandbox)

    publisher(people, {"li": platform}).run(seconds=30)

    assert states(people, post) == {"li": "sent"}
    assert sum(posted_by_us(sandbox, "linkedin").values()) == 1
    # The post was asked for, refused with 401, the token renewed once, the post asked again.
    assert sandbox.control.requests(OAUTH) == 1
    assert sandbox.control.requests(CREATE) == 2
    # The new token is in the secrets file, the file still the daemon's alone, the rest of
    # it (comments, other tables) as it was.
    path = people.config.secrets_path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    saved = load_secrets(path)
    table = saved.outlets["li"]
    assert table["access_token"] != OLD_TOKEN
    assert table["access_token"] in sandbox.server.world.tokens[LINKEDIN]
    assert table["refresh_token"] == SANDBOX_LINKEDIN_APP["refresh_token"]
    expires = dt.datetime.fromisoformat(table["access_token_expires_at"])
    assert dt.timedelta(days=59) < expires - utcnow() < dt.timedelta(days=61)
    text = path.read_text()
    assert "# The page's app, authorised by a page administrator." in text
    assert saved.notifications == {"webhook_secret": "a-webhook-secret"}
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".secrets")]
    # Never in the database: the audit says when, not what.
    stored = everything_in(people.config.database_path)
    assert table["access_token"] not in stored and OLD_TOKEN not in stored
    assert SANDBOX_LINKEDIN_APP["refresh_token"] not in stored
    (renewal,) = [e for e in audit.history(people.db.conn, "outlet:li")
                  if e["action"] == "credentials.renewed"]
    assert renewal["details"]["access_expires_at"].startswith(expires.date().isoformat())
    # The daemon's own write is not taken for a rotation at its next start.
    assert fingerprint_before == []
    assert note_secrets(people, load_secrets(path).outlets) == []
    # The renewed token serves the next call without another renewal.
    platform.whoami()
    assert sandbox.control.requests(OAUTH) == 1


def test_a_refused_renewal_is_an_alert_and_is_tried_once(
        people: Services, sandbox: RunningSandbox) -> None:
    platform = platform_for(people.config, keeper_for(people))
    before = people.config.secrets_path.read_text()
    world = sandbox.server.world
    with world.lock:
        world.li_refresh_tokens.clear()  # revoked (or a year old)
    expire_access_token(sandbox)

    with pytest.raises(RefreshRefused, match="invalid, expired or revoked") as refused:
        platform.publish("Hello", idempotency_key="k")
    assert isinstance(refused.value, AuthFailed)  # the daemon's auth failure, as ever
    assert sandbox.control.requests(OAUTH) == 1 and sandbox.control.requests(CREATE) == 1
    (alert,) = [a for a in open_alerts(people.db.conn) if a.kind == tokens.REFUSED]
    assert alert.subject == "outlet:li"
    assert "LinkedIn refused to renew the access token" in alert.message
    assert "authorises the app again" in alert.message
    assert people.config.secrets_path.read_text() == before  # nothing written
    assert posted_by_us(sandbox, "linkedin") == {}


def test_a_wrong_client_secret_is_refused_too(config: Config, sandbox: RunningSandbox) -> None:
    platform = LinkedInPlatform("li", organization_id=LINKEDIN_ORG_ID, base_url=sandbox.url,
                                timeout=2, access_token="expired",
                                refresh_token=SANDBOX_LINKEDIN_APP["refresh_token"],
                                client_id=SANDBOX_LINKEDIN_APP["client_id"],
                                client_secret="rotated-by-someone")
    with pytest.raises(RefreshRefused, match="invalid_client"):
        platform.whoami()
    assert "rotated-by-someone" not in repr(platform)


def test_an_access_token_about_to_expire_is_renewed_before_the_call(
        config: Config, sandbox: RunningSandbox) -> None:
    soon = (utcnow() + dt.timedelta(hours=3)).isoformat()
    platform = LinkedInPlatform("li", organization_id=LINKEDIN_ORG_ID, base_url=sandbox.url,
                                timeout=2, access_token=OLD_TOKEN, access_token_expires_at=soon,
                                **SANDBOX_LINKEDIN_APP)
    platform.whoami()
    assert sandbox.control.requests(OAUTH) == 1
    assert sandbox.control.requests("linkedin GET /rest/organizations") == 1  # no 401 first
    assert platform.access_expires_at is not None
    assert platform.access_expires_at > utcnow() + dt.timedelta(days=59)


def test_without_a_refresh_token_a_401_is_an_auth_failure_as_before(
        sandbox: RunningSandbox) -> None:
    platform = sandbox.linkedin()
    expire_access_token(sandbox)
    with pytest.raises(AuthFailed, match="INVALID_ACCESS_TOKEN"):
        platform.whoami()
    assert sandbox.control.requests(OAUTH) == 0


# ---- governance -------------------------------------------------------------------------------


def test_hq_is_reminded_before_the_refresh_token_expires(people: Services,
                                                         clock: FakeClock) -> None:
    conn = people.db.conn
    platform_for(people.config, keeper_for(people))  # notes 2027-09-01 from the secrets file
    assert tokens.expiries(conn) == {"li": dt.datetime(2027, 9, 1, tzinfo=dt.UTC)}

    def due() -> list[str]:
        with write(people.db):
            raise_reminders(conn, people.config, clock.now)
        return [r.message for r in open_reminders(conn) if r.kind == tokens.REMINDER]

    clock.now = dt.datetime(2027, 7, 20, tzinfo=dt.UTC)
    assert due() == []
    clock.now = dt.datetime(2027, 8, 5, tzinfo=dt.UTC)  # 27 days before
    (message,) = due()
    assert message.startswith("the authorisation of li ends on 2027-09-01")
    (reminder,) = [r for r in open_reminders(conn) if r.kind == tokens.REMINDER]
    assert reminder.for_role == "hq" and "authorise the app again" in (reminder.how or "")
    assert reminder.due_at == dt.datetime(2027, 8, 2, tzinfo=dt.UTC)
    # A new authorisation pushes the expiry a year on: the reminder closes.
    with write(people.db):
        tokens.note_expiry(conn, "li", dt.datetime(2028, 8, 5, tzinfo=dt.UTC), clock.now)
    assert due() == []


def test_write_outlet_secrets_keeps_the_file_and_refuses_what_it_cannot_place(
        tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(SECRETS)
    path.chmod(0o600)
    write_outlet_secrets(path, "li", {"access_token": 'new "token" \\ with quotes',
                                      "access_token_expires_at": "2027-01-01T00:00:00Z"})
    saved = load_secrets(path)
    assert saved.outlets["li"]["access_token"] == 'new "token" \\ with quotes'
    assert saved.outlets["li"]["access_token_expires_at"] == "2027-01-01T00:00:00Z"
    assert saved.outlets["li"]["client_id"] == SANDBOX_LINKEDIN_APP["client_id"]
    assert path.read_text().splitlines()[0] == "# Platform tokens: readable by the daemon's user only."
    with pytest.raises(SecretsError, match=r"\[outlets\.bluesky\]: not found") as missing:
        write_outlet_secrets(path, "bluesky", {"access_token": "never-shown-value"})
    assert "never-shown-value" not in str(missing.value)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


# ---- comments ---------------------------------------------------------------------------------


def test_moderation_deletes_a_comment_as_the_page_admin(people: Services, config: Config,
                                                        sandbox: RunningSandbox,
                                                        clock: FakeClock) -> None:
    platform = platform_for(config)
    ours = platform.publish("The 67th Annual Meeting opens today", idempotency_key="k")
    sandbox.control.add_account("linkedin", "troll", "T Roll")
    comment = sandbox.control.post("linkedin", "troll", "You are all idiots and liars",
                                   in_reply_to=ours.platform_id)
    assert moderation_jobs.ingest_mentions(people, platform, "li").queued == 1
    (item,) = people.moderation.items("hq")
    assert item.platform_id == comment and people.moderation.hide_deletes("li")
    clock.advance(minutes=2)
    people.moderation.request_hide("alice", item.id)
    assert moderation_jobs.perform_requests(people, platform, "li").done == 1
    shown = [p for p in sandbox.control.state()["linkedin"]["posts"] if p["id"] == comment]
    assert shown[0]["deleted"]
    assert sandbox.control.requests(
        "linkedin DELETE /rest/socialActions/:urn/comments/:id") == 1
    assert people.moderation.get("hq", item.id).hidden_at is not None
    # Asked again (a retry after a lost answer): already gone is done.
    platform.hide_reply(comment)


def test_an_answer_is_a_reply_in_the_comment_s_thread_made_once(
        people: Services, config: Config, sandbox: RunningSandbox) -> None:
    platform = platform_for(config)
    ours = platform.publish("Registration is open", idempotency_key="k")
    sandbox.control.add_account("linkedin", "member", "A Member")
    comment = sandbox.control.post("linkedin", "member", "The meeting is in Denver, right?",
                                   in_reply_to=ours.platform_id)
    moderation_jobs.ingest_mentions(people, platform, "li")
    (mention_id,) = people.db.conn.execute("SELECT id FROM mentions").fetchone()
    post = people.moderation.draft_answer("alice", mention_id, "It is in Atlanta this year.")
    people.posts.submit("alice", post)
    people.posts.clear("bob", post, publish_if_untimed=True)
    publisher(people, {"li": platform}).run(seconds=30)
    assert states(people, post) == {"li": "sent"}
    (delivery,) = people.posts.deliveries(post)
    assert (delivery.platform_id or "").startswith(f"urn:li:comment:({ours.platform_id},")
    assert "commentUrn=" in (delivery.platform_url or "")
    thread = [p for p in sandbox.control.state()["linkedin"]["posts"]
              if p["in_reply_to"] == comment]
    assert [p["text"] for p in thread] == ["It is in Atlanta this year. ^AA"]
    # Sent again (the first answer lost on the way): the reply already there is the one.
    again = platform.publish("It is in Atlanta this year. ^AA", idempotency_key="k2",
                             in_reply_to=comment)
    assert again.platform_id == delivery.platform_id
    assert sandbox.control.requests("linkedin POST /rest/socialActions/:urn/comments") == 1


def test_a_renewed_token_that_cannot_be_saved_is_used_and_an_alert_says_so(
        people: Services, sandbox: RunningSandbox) -> None:
    # The outlet's table written inline: there is no line of its own to put the token on.
    path = people.config.secrets_path
    app = SANDBOX_LINKEDIN_APP
    path.write_text(f'outlets = {{ li = {{ access_token = "{OLD_TOKEN}", refresh_token = '
                    f'"{app["refresh_token"]}", client_id = "{app["client_id"]}", '
                    f'client_secret = "{app["client_secret"]}" }} }}\n')
    before = path.read_text()
    platform = platform_for(people.config, keeper_for(people))
    expire_access_token(sandbox)
    assert platform.whoami().user_id == f"urn:li:organization:{LINKEDIN_ORG_ID}"
    assert path.read_text() == before
    (alert,) = [a for a in open_alerts(people.db.conn) if a.kind == "tokens_not_saved"]
    assert "could not be saved" in alert.message and "[outlets.li]" in alert.message
    assert OLD_TOKEN not in alert.message
    platform.whoami()  # the renewed token serves on
    assert sandbox.control.requests(OAUTH) == 1
