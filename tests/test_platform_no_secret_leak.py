"""No token ever appears in a log line, on stderr, in an error or in the database, even
with every library logging at DEBUG and every kind of failure on the way."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import pytest

from inmm_tui.config import Outlet, embedded_default
from inmm_tui.domain import audit
from inmm_tui.platforms.errors import PlatformError
from inmm_tui.platforms.factory import build_platform
from inmm_tui.platforms.secrets import load_secrets
from inmm_tui.store.db import open_database
from inmm_tui.store.tx import write
from tests.sandbox_fixtures import RunningSandbox

TOKENS = {
    "consumer_key": "CKzq81secretconsumerkey",
    "consumer_secret": "CSzq82secretconsumersecret",
    "access_token": "1500000000000000001-ATzq83secretaccesstoken",
    "access_token_secret": "ASzq84secretaccesstokensecret",
    "mastodon": "MTzq85secretmastodontoken",
    "bluesky": "BSzq-86se-cret-pass",
}
FAULTS = ["unavailable", "rate_limit", "truncated", "non_json", "lost", "unauthorized",
          "duplicate"]


def test_tokens_never_reach_logs_stderr_errors_or_database(
        tmp_path: Path, sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    secrets_path = tmp_path / "secrets.toml"
    secrets_path.write_text(
        "[outlets.x]\n" + "".join(f'{k} = "{v}"\n' for k, v in TOKENS.items()
                                  if k not in ("mastodon", "bluesky"))
        + f'[outlets.mastodon]\naccess_token = "{TOKENS["mastodon"]}"\n'
        + f'[outlets.bluesky]\napp_password = "{TOKENS["bluesky"]}"\n')
    secrets_path.chmod(0o600)
    sandbox.control.settings(tokens={"x": [TOKENS["access_token"]],
                                     "mastodon": [TOKENS["mastodon"]],
                                     "bluesky": [TOKENS["bluesky"]]})
    config = embedded_default()
    outlets = [Outlet(name="x", kind="x", api="x", base_url=sandbox.url),
               Outlet(name="mastodon", kind="mastodon", api="mastodon", base_url=sandbox.url),
               Outlet(name="bluesky", kind="bluesky", api="bluesky", handle="inmmorg.bsky.social",
                      base_url=sandbox.url)]
    secrets = load_secrets(secrets_path)
    db = open_database(tmp_path / "inmm.db", create=True)
    for library in ("urllib3", "httpx", "httpcore"):
        logging.getLogger(library).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("inmm_daemon.test")
    results: list[str] = []

    for outlet in outlets:
        platform = build_platform(outlet, dataclasses.replace(config, outlets=tuple(outlets)),
                                  secrets)
        log.debug("built %r", platform)
        fan = sandbox.control.add_follower(outlet.api, "fan")
        published = platform.publish("Hello", idempotency_key="k")
        sandbox.control.post(outlet.api, "fan", "@INMMorg hi", in_reply_to=published.platform_id)
        results += [repr(platform.whoami()), repr(published), repr(platform.followers()),
                    json.dumps([m.raw for m in platform.mentions()], default=str),
                    repr(platform.metrics(published.platform_id)), repr(platform.recent_posts())]
        platform.follow(fan)
        for kind in FAULTS:
            sandbox.control.fault(kind, api=outlet.api)
            try:
                platform.publish(f"Under {kind}", idempotency_key=kind)
            except PlatformError as exc:
                log.warning("%s failed: %s (%r)", outlet.name, exc, exc)
                results.append(f"{exc} {exc!r}")
    with write(db):
        for index, text in enumerate(results):
            audit.append(db.conn, "inmm-daemon", "platform.result", f"result/{index}",
                         {"text": text})
    db.conn.close()

    captured = capfd.readouterr()
    database = b"".join(p.read_bytes() for p in tmp_path.glob("inmm.db*"))
    assert len(caplog.records) > 20  # the libraries did log at DEBUG
    assert any("Under unauthorized" in r or "refused" in r for r in results)
    # Bluesky's session tokens (JWTs) are secrets too.
    sessions = {f"bluesky session {n}": t
                for n, t in enumerate(sandbox.server.world.bsky_sessions)}
    assert sessions
    for name, token in {**TOKENS, **sessions}.items():
        assert token not in caplog.text, name
        assert token not in captured.out + captured.err, name
        assert token.encode() not in database, name
        assert all(token not in r for r in results), name
