"""The secrets file: owner-only or refused; systemd credentials; the factory uses it."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from inmm_tui.config import ConfigError, Outlet, embedded_default
from inmm_tui.platforms.factory import build_platform, ensure_sandbox
from inmm_tui.platforms.mastodon import MastodonPlatform
from inmm_tui.platforms.secrets import CREDENTIAL_NAME, SecretsError, load_secrets
from inmm_tui.platforms.x import XPlatform
from tests.sandbox_fixtures import RunningSandbox

SECRETS = """
[outlets.x]
consumer_key = "ck-123"
consumer_secret = "cs-456"
access_token = "1500000000000000001-at-789"
access_token_secret = "ats-000"

[outlets.mastodon]
access_token = "mt-abc"
"""

X_OUTLET = Outlet(name="x", kind="x", api="x")
MASTODON_OUTLET = Outlet(name="mastodon", kind="mastodon", api="mastodon",
                         base_url="https://mastodon.example")


def write(path: Path, text: str, mode: int) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_group_or_world_readable_file_is_refused(tmp_path: Path, mode: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    path = write(tmp_path / "secrets.toml", SECRETS, mode)
    with pytest.raises(SecretsError) as raised:
        load_secrets(path)
    message = str(raised.value)
    assert f"permissions {mode:04o} are too open" in message
    assert f"chmod 600 {path}" in message
    assert raised.value.exit_code == 2


def test_owner_only_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    secrets = load_secrets(write(tmp_path / "secrets.toml", SECRETS, 0o600))
    assert secrets.for_outlet(MASTODON_OUTLET) == {"access_token": "mt-abc"}
    assert secrets.for_outlet(X_OUTLET)["consumer_secret"] == "cs-456"
    assert "mt-abc" not in repr(secrets) and "cs-456" not in repr(secrets)


def test_missing_key_and_missing_outlet_are_named(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    text = SECRETS.replace('access_token_secret = "ats-000"\n', "")
    secrets = load_secrets(write(tmp_path / "secrets.toml", text, 0o600))
    with pytest.raises(SecretsError, match=r"outlets\.x\.access_token_secret: missing"):
        secrets.for_outlet(X_OUTLET)
    with pytest.raises(SecretsError, match=r"\[outlets\.other\]: missing"):
        secrets.for_outlet(dataclasses.replace(X_OUTLET, name="other"))


def test_bad_toml_and_absent_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(SecretsError, match="not valid TOML"):
        load_secrets(write(tmp_path / "bad.toml", 'access_token = "mt-abc', 0o600))
    with pytest.raises(SecretsError, match="no such file"):
        load_secrets(tmp_path / "absent.toml")


def test_systemd_credentials_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    credentials = tmp_path / "creds"
    credentials.mkdir()
    write(credentials / CREDENTIAL_NAME, SECRETS, 0o400)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    # The configured file would be refused; the credential is used instead.
    secrets = load_secrets(write(tmp_path / "secrets.toml", "", 0o644))
    assert secrets.for_outlet(MASTODON_OUTLET) == {"access_token": "mt-abc"}
    assert secrets.source == os.path.join(credentials, CREDENTIAL_NAME)


def test_factory_builds_each_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  sandbox: RunningSandbox) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    config = embedded_default()
    secrets = load_secrets(write(tmp_path / "secrets.toml", SECRETS, 0o600))
    assert isinstance(build_platform(X_OUTLET, config, secrets), XPlatform)
    assert isinstance(build_platform(MASTODON_OUTLET, config, secrets), MastodonPlatform)
    with pytest.raises(ConfigError, match="base_url"):
        build_platform(dataclasses.replace(MASTODON_OUTLET, base_url=""), config, secrets)
    with pytest.raises(ConfigError, match="secrets"):
        build_platform(X_OUTLET, config, None)
    # A sandbox outlet needs no secrets and works against the sandbox.
    host, port = sandbox.url.removeprefix("http://").split(":")
    config = dataclasses.replace(config, sandbox=dataclasses.replace(
        config.sandbox, host=host, port=int(port)))
    for outlet in config.outlets:
        assert build_platform(outlet, config, None).whoami().handle == "INMMorg"
    assert ensure_sandbox(config) is None  # already listening


def test_ensure_sandbox_starts_one_when_none_listens() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = embedded_default()
    config = dataclasses.replace(config, sandbox=dataclasses.replace(config.sandbox, port=port))
    started = ensure_sandbox(config)
    assert started is not None
    try:
        assert build_platform(config.outlets[1], config, None).whoami().handle == "INMMorg"
        assert ensure_sandbox(config) is None
    finally:
        started.stop()


def test_the_daemon_needs_no_secrets_for_the_sandbox(tmp_path: Path) -> None:
    from inmm_daemon.main import build_platforms

    from inmm_tui.platforms.factory import needs_secrets

    config = embedded_default()
    assert not needs_secrets(config)
    platforms, problems = build_platforms(config, None)  # no secrets file exists
    assert set(platforms) == {"x", "mastodon"} and problems == {}
    real = dataclasses.replace(config, path=tmp_path / "inmm.toml", outlets=(MASTODON_OUTLET,))
    assert needs_secrets(real)
    _, problems = build_platforms(real, None)
    assert "needs the secrets file" in problems["mastodon"]
    write(tmp_path / "secrets.toml", SECRETS, 0o644)
    with pytest.raises(SecretsError, match="too open"):
        load_secrets(real.secrets_path)
