"""The sandbox itself: its control API, its life simulation, and `inmm-tui sandbox`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request

import pytest

from inmm_tui.cli import main
from inmm_tui.platforms.sandbox.control import SandboxError
from inmm_tui.platforms.sandbox.simulate import REPLIES, tick
from inmm_tui.platforms.sandbox.world import World
from tests.sandbox_fixtures import RunningSandbox


def test_control_refuses_bad_requests_with_a_reason(sandbox: RunningSandbox) -> None:
    with pytest.raises(SandboxError, match="unknown fault kind 'explode'"):
        sandbox.control.fault("explode")
    with pytest.raises(SandboxError, match="api: expected one of x, mastodon"):
        sandbox.control.add_follower("myspace", "tom")
    with pytest.raises(SandboxError, match="handle"):
        sandbox.control.add_follower("x", "not a handle!")


def test_faults_match_api_method_and_path(sandbox: RunningSandbox) -> None:
    x, mastodon = sandbox.x(), sandbox.mastodon()
    sandbox.control.fault("unavailable", api="x", method="POST", path="/2/tweets", count=1)
    mastodon.publish("Mastodon is unaffected", idempotency_key="a")
    x.recent_posts()  # a GET on X is unaffected too
    state = sandbox.control.state()
    assert [f["count"] for f in state["faults"]] == [1]
    assert state["requests"]["x GET /2/users/:id/tweets"] == 1
    assert state["requests"]["mastodon POST /api/v1/statuses"] == 1


def test_app_only_bearer_token_is_refused_like_x_does(sandbox: RunningSandbox) -> None:
    request = urllib.request.Request(f"{sandbox.url}/2/users/me",
                                     headers={"Authorization": "Bearer app-only"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    body = json.loads(raised.value.read())
    assert raised.value.code == 403
    assert body["type"].endswith("unsupported-authentication")


def test_simulation_brings_followers_and_replies() -> None:
    world = World()
    ours = world.add_post("x", world.me("x"), "Our news")
    for number in range(1, 5):
        tick(world, number)
    assert len(world.followers["x"]) == 4 and len(world.followers["mastodon"]) == 4
    replies = world.mentions_of_us("x")
    assert [p.text for p in reversed(replies)] == REPLIES[:2]
    assert all(p.in_reply_to == ours.id for p in replies)
    assert len(world.notifications) == 4 + 2  # follows and mentions on Mastodon
    # On Mastodon the fourth tick's reply was written ten minutes before it arrived, and
    # the fifth brings a private message.
    arrived = [world.posts["mastodon"][n[3]] for n in world.notifications if n[3]]
    assert int(arrived[1].id) < int(arrived[0].id)
    assert arrived[1].created_at < arrived[0].created_at
    tick(world, 5)
    assert [p.visibility for p in world.mentions_of_us("mastodon")].count("direct") == 1


def test_sandbox_command_serves_until_stopped() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "inmm_tui.cli", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("sandbox listening on http://127.0.0.1:")
        url = line.split()[3]
        with urllib.request.urlopen(f"{url}/_sandbox/state", timeout=5) as answer:
            assert json.load(answer)["x"]["me"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sandbox_command_on_a_busy_port_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["sandbox", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
