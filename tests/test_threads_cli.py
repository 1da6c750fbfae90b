"""`inmm-tui post new|edit|show` with a thread's parts and a poll (issue 17)."""

from __future__ import annotations

import json

from .test_post_cli import GOOD, Cli, cli  # noqa: F401 (the fixture)


def test_a_thread_with_a_poll_from_the_command_line(cli: Cli) -> None:  # noqa: F811
    post_id = cli.new("alice", GOOD, "--topic", "annual meeting", "--part",
                      "Day 1: the plenary at 9.", "--part", "Day 2: workshops, see you!",
                      "--poll", "Plenary | Workshops", "--poll-duration", "6h", "--submit")
    code, out, _ = cli("bob", "post", "show", str(post_id), "--json")
    shown = json.loads(out)
    assert shown["parts"] == ["Day 1: the plenary at 9.", "Day 2: workshops, see you!"]
    assert shown["poll"] == {"options": ["Plenary", "Workshops"], "minutes": 360}
    assert cli("bob", "post", "clear", str(post_id), "--publish-now")[0] == 0
    code, out, _ = cli("bob", "post", "show", str(post_id), "--json")
    assert sorted((d["outlet"], d["part"]) for d in json.loads(out)["deliveries"]) == [
        ("mastodon", 1), ("mastodon", 2), ("mastodon", 3), ("x", 1), ("x", 2), ("x", 3)]
    code, out, _ = cli("bob", "post", "show", str(post_id))
    assert "part 3 (a reply to part 2):" in out and "poll, open 360 min: Plenary | Workshops" in out
    # a changed poll option sends it back for clearance
    code, out, _ = cli("alice", "post", "edit", str(post_id), "--poll", "Plenary | Posters",
                       "--poll-duration", "6h")
    assert code == 0 and "cleared again" in out
    assert cli.db().posts.get(post_id).status == "submitted"


def test_bad_parts_and_polls_are_exit_2_naming_the_option(cli: Cli) -> None:  # noqa: F811
    code, _, err = cli("alice", "post", "new", GOOD, "--poll", "Only one")
    assert code == 2 and "--poll: a poll has 2 to 4 options; 1 given" in err
    code, _, err = cli("alice", "post", "new", GOOD, "--poll", "A | B", "--poll-duration", "soon")
    assert code == 2 and "--poll: poll duration 'soon'" in err
    code, _, err = cli("alice", "post", "new", GOOD, "--poll-duration", "2d")
    assert code == 2 and "--poll-duration: give the options too" in err
    code, _, err = cli("alice", "post", "new", GOOD, "--part", " ")
    assert code == 2 and "part 2 of the thread is empty" in err
    assert "Traceback" not in err
    post_id = cli.new("alice", GOOD, "--part", "Two")
    code, _, err = cli("alice", "post", "edit", str(post_id), "--part", "x", "--no-parts")
    assert code == 2 and "--part and --no-parts" in err
    code, _, _ = cli("alice", "post", "edit", str(post_id), "--no-parts")
    assert code == 0 and cli.db().posts.get(post_id).parts == ()
