"""`inmm-tui post show` gives a published poll's results on each outlet, as the metrics job
last read them: each option's votes and share, the total, open or closed and when read."""

from __future__ import annotations

import datetime as dt
import json

from inmm_tui.domain.polls import PollTally, save_results
from inmm_tui.store.tx import write

from .test_post_cli import GOOD, Cli, cli  # noqa: F401 (the fixture)

READ_AT = dt.datetime(2030, 3, 15, 15, 0, tzinfo=dt.UTC)


def published_poll(cli: Cli) -> int:  # noqa: F811
    """A post with a poll, out on X and Mastodon (as the publisher leaves it)."""
    post_id = cli.new("alice", GOOD, "--poll", "Plenary | Workshops | Posters",
                      "--poll-duration", "1d", "--submit")
    assert cli("bob", "post", "clear", str(post_id), "--publish-now")[0] == 0
    svc = cli.db()
    with write(svc.db):
        svc.db.conn.execute("UPDATE deliveries SET state = 'sent', sent_at = '2030-03-15T14:00:00"
                            "+00:00', platform_id = outlet || '-1' WHERE post_id = ?",
                            (post_id,))
    svc.db.close()
    return post_id


def read_back(cli: Cli, post_id: int, outlet: str, tally: PollTally) -> None:  # noqa: F811
    """What the metrics job stores for one outlet after asking the platform."""
    svc = cli.db()
    delivery = next(d for d in svc.posts.deliveries(post_id) if d.outlet == outlet)
    with write(svc.db):
        save_results(svc.db.conn, delivery.id, tally, READ_AT)
    svc.db.close()


def test_results_from_two_outlets_one_closed(cli: Cli) -> None:  # noqa: F811
    post_id = published_poll(cli)
    read_back(cli, post_id, "x", PollTally((("Plenary", 7), ("Workshops", 0),
                                            ("Posters", 3)), closed=False))
    read_back(cli, post_id, "mastodon", PollTally((("Plenary", 1), ("Workshops", 3),
                                                   ("Posters", 0)), closed=True))
    code, out, _ = cli("bob", "post", "show", str(post_id))
    assert code == 0
    assert ("  Poll results on mastodon: closed, final count, read at 2030-03-15 10:00 "
            "America/Chicago\n"
            "    Plenary: 1 vote (25%)\n    Workshops: 3 votes (75%)\n    Posters: 0 votes (0%)\n"
            "    total: 4 votes\n") in out
    assert ("  Poll results on x: open, read at 2030-03-15 10:00 America/Chicago\n"
            "    Plenary: 7 votes (70%)\n    Workshops: 0 votes (0%)\n    Posters: 3 votes (30%)\n"
            "    total: 10 votes\n") in out
    code, out, _ = cli("bob", "post", "show", str(post_id), "--json")
    results = {r["outlet"]: r for r in json.loads(out)["poll_results"]}
    assert results["x"]["closed"] is False and results["mastodon"]["closed"] is True
    assert results["x"]["total"] == 10 and results["x"]["read_at"].startswith("2030-03-15T15:00")
    assert results["mastodon"]["votes"] == [
        {"option": "Plenary", "votes": 1, "share": 25.0},
        {"option": "Workshops", "votes": 3, "share": 75.0},
        {"option": "Posters", "votes": 0, "share": 0.0}]


def test_results_not_read_yet(cli: Cli) -> None:  # noqa: F811
    post_id = published_poll(cli)
    read_back(cli, post_id, "x", PollTally((("Plenary", 0), ("Workshops", 0),
                                            ("Posters", 0)), closed=False))
    code, out, _ = cli("bob", "post", "show", str(post_id))
    assert code == 0 and "  Poll results on mastodon: not read yet\n" in out
    # nobody voted yet: no share to give
    assert "    Plenary: 0 votes\n" in out and "    total: 0 votes\n" in out
    code, out, _ = cli("bob", "post", "show", str(post_id), "--json")
    results = {r["outlet"]: r for r in json.loads(out)["poll_results"]}
    assert results["mastodon"] == {"outlet": "mastodon", "read_at": None, "closed": False,
                                   "total": None, "votes": None}
    assert results["x"]["votes"][0] == {"option": "Plenary", "votes": 0, "share": None}


def test_a_poll_not_published_has_no_results_and_a_plain_post_none(cli: Cli) -> None:  # noqa: F811
    post_id = cli.new("alice", GOOD, "--poll", "Plenary | Workshops", "--submit")
    code, out, _ = cli("bob", "post", "show", str(post_id))
    assert code == 0 and "Poll results" not in out
    assert json.loads(cli("bob", "post", "show", str(post_id), "--json")[1])["poll_results"] == []
    plain = cli.new("alice", GOOD)
    code, out, _ = cli("bob", "post", "show", str(plain))
    assert code == 0 and "Poll results" not in out
    assert json.loads(cli("bob", "post", "show", str(plain), "--json")[1])["poll_results"] == []


def test_option_names_from_the_platform_stay_literal(cli: Cli) -> None:  # noqa: F811
    post_id = published_poll(cli)
    hostile = "Plenary\x1b[2J\x1b]8;;https://evil.example\x07[bold]x[/bold]\nforged: line"
    read_back(cli, post_id, "x", PollTally(((hostile, 5), ("Workshops", 5), ("Posters", 0)),
                                           closed=True))
    code, out, _ = cli("bob", "post", "show", str(post_id))
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert ("    Plenary\u241b[2J\u241b]8;;https://evil.example\u2407[bold]x[/bold] \u23ce "
            "forged: line: 5 votes (50%)\n") in out
    assert "\nforged" not in out
    code, out, _ = cli("bob", "post", "show", str(post_id), "--json")
    assert "\x1b" not in out
    assert json.loads(out)["poll_results"][1]["votes"][0]["option"] == hostile
