"""Platform lengths against the twitter-text library, the rules file's errors, the
packaged rules, the `screen` command, and the screen wired into the post lifecycle."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from twitter_text import parse_tweet

from inmm_tui.capabilities import CAPABILITIES
from inmm_tui.cli import main
from inmm_tui.config import embedded_default
from inmm_tui.screening import (
    RulesError,
    ScreenContext,
    load_rules,
    screen,
    weighted_length,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text", [
    "plain ascii text",
    "with a link https://inmm.org/annual-meeting/registration?utm_source=x and more",
    "bare domain inmm.org and www.iaea.org/safeguards too",
    "line\r\nendings\rcount once",
    "café naïve résumé",
    "日本語のテキスト",
    "emoji 😷👩‍🔬🇺🇸 and © ®",
    "mixed 日本 https://example.com/路径 end",
    "x" * 300,
])
def test_x_length_agrees_with_twitter_text(text: str) -> None:
    assert weighted_length(text, "x") == parse_tweet(text).weightedLength


def test_mastodon_length() -> None:
    assert {api: c.max_length for api, c in CAPABILITIES.items()} == {"x": 280, "mastodon": 500,
                                                                     "bluesky": 300,
                                                                     "linkedin": 3000}
    assert weighted_length("hello https://inmm.org/" + "a" * 100, "mastodon") == 6 + 23
    assert weighted_length("hi @INMMorg@mastodon.social", "mastodon") == len("hi @INMMorg")
    assert weighted_length("bare inmm.org/" + "a" * 10, "mastodon") == len("bare inmm.org/") + 10
    assert weighted_length("👩‍🔬 é 🇺🇸", "mastodon") == 5
    with pytest.raises(ValueError, match="unknown platform"):
        weighted_length("x", "myspace")


def test_packaged_rules_are_the_subcommittee_file() -> None:
    packaged = ROOT / "inmm_tui" / "defaults" / "policy.toml"
    assert packaged.is_symlink()
    assert packaged.read_bytes() == (ROOT / "config" / "policy.toml").read_bytes()
    assert embedded_default().policy_rules_path.resolve() == (ROOT / "config" / "policy.toml")


@pytest.mark.parametrize(("content", "message"), [
    ("x = [", "is not valid TOML"),
    ("[severity]\nfoo = 'warn'\n", "severity.foo: unknown category"),
    ("[severity]\ncopyright = 'maybe'\n", "severity.copyright: expected"),
    ("[politics_religion]\nterms = 'vote'\n", "politics_religion.terms: expected a list"),
    ("[limits]\nx = 0\n", "limits.x: expected a positive number"),
    ("[personal_info]\nphone_regions = ['Mars']\n", "personal_info.phone_regions"),
    ("colour = 'blue'\n", "colour: unknown key"),
])
def test_bad_rules_file_names_file_and_key(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(content)
    with pytest.raises(RulesError, match=message) as caught:
        load_rules(path)
    assert str(path) in str(caught.value)
    assert caught.value.exit_code == 2


def test_subcommittee_edits_take_effect_without_code(tmp_path: Path) -> None:
    text = (ROOT / "config" / "policy.toml").read_text()
    text = text.replace('"sermon",', '"sermon", "quarterly meeting",')
    path = tmp_path / "policy.toml"
    path.write_text(text)
    rules = load_rules(path)
    post = "Come to the quarterly meeting: https://inmm.org ^JS"
    assert "politics_religion" not in {f.category for f in screen(post).findings}
    assert "politics_religion" in {f.category for f in screen(post, ScreenContext(rules=rules))
                                   .findings}


def test_screen_command_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drafts = tmp_path / "drafts.txt"
    drafts.write_text("Register: https://inmm.org/am ^JS\n\nWhat a sh1t show. https://inmm.org\n")
    code = main(["screen", "--json", "--rules", str(ROOT / "config" / "policy.toml"), str(drafts)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [line["verdict"] for line in lines] == ["pass", "pass", "block"]
    finding = lines[2]["findings"][0]
    assert set(finding) == {"rule", "category", "message", "span"}
    assert finding["category"] == "vulgar_discriminatory" and finding["span"] == [7, 11]


def test_screen_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INMM_CONFIG", raising=False)
    good = tmp_path / "good.txt"
    good.write_text("Register: https://inmm.org/am ^JS\n")
    assert main(["screen", str(good)]) == 0
    assert "line 1: pass" in capsys.readouterr().out
    assert main(["screen", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt: no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[limits]\nx = 'long'\n")
    assert main(["screen", "--rules", str(bad), str(good)]) == 2
    assert "limits.x" in capsys.readouterr().err


def test_posts_are_screened_on_submit(tmp_path: Path) -> None:
    from inmm_tui.domain.roles import Role
    from inmm_tui.domain.services import Services
    from inmm_tui.store.db import open_database

    config = dataclasses.replace(embedded_default(), path=tmp_path / "inmm.toml")
    services = Services.build(config, open_database(tmp_path / "inmm.db", create=True))
    services.roster.initialise("hq", "Head Quarters")
    services.roster.add("hq", "am", "Alex Moore", Role.ACCOUNT_MANAGER)
    clean = services.posts.create_draft("am", "Register now: https://inmm.org/am",
                                        topic="Annual Meeting")
    assert services.posts.submit("am", clean).screening_verdict == "pass"
    rude = services.posts.create_draft("am", "What a sh1t show: https://inmm.org/am",
                                       topic="Annual Meeting")
    post = services.posts.submit("am", rude)
    assert post.screening_verdict == "block"
    # The same finding on both outlets is reported once (Posts.screen).
    assert [f["category"] for f in post.screening] == ["vulgar_discriminatory"]
    assert set(post.screening[0]) >= {"rule", "category", "message", "span"}
    untagged = services.posts.create_draft("am", "Register now: https://inmm.org/am", topic="")
    post = services.posts.submit("am", untagged)
    assert post.screening_verdict == "warn"
    assert {f["rule"] for f in post.screening} == {"topic.missing"}


def test_incoming_screener_and_a_broken_configured_rules_file(tmp_path: Path) -> None:
    from inmm_tui.domain.services import Services
    from inmm_tui.screening.bridge import incoming_screener_for
    from inmm_tui.store.db import open_database

    config = embedded_default()
    incoming = incoming_screener_for(config)
    assert incoming("@INMMorg you f*cking idiots").verdict == "block"
    assert incoming("@INMMorg when is the deadline?").verdict == "pass"

    broken = tmp_path / "policy.toml"
    broken.write_text("[severity]\ncopyright = 'never'\n")
    config = dataclasses.replace(config, path=tmp_path / "inmm.toml",
                                 inmm=dataclasses.replace(config.inmm, policy_rules=str(broken)))
    with pytest.raises(RulesError, match=r"severity\.copyright") as caught:
        Services.build(config, open_database(tmp_path / "inmm.db", create=True))
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("text", ["é" * 300, "日本" * 100 + "abc", "😷" * 150,
                                  "a" * 270 + "日本語テキスト", "a" * 300])
@pytest.mark.parametrize(("rule", "limit"), [("length.x", 280), ("length.announcement", 140)])
def test_overflow_span_starts_where_the_text_stops_fitting(text: str, rule: str,
                                                           limit: int) -> None:
    context = ScreenContext(apis=("x",), announcement=True)
    finding = next(f for f in screen(text, context).findings if f.rule == rule)
    start = finding.span[0]
    assert weighted_length(text[:start], "x") <= limit < weighted_length(text[:start + 1], "x")


def test_the_rules_are_compiled_once_per_version_of_the_file(tmp_path: Path) -> None:
    import os
    import shutil

    from inmm_tui.config import parse_config
    from inmm_tui.screening.bridge import rules_for

    rules_file = tmp_path / "policy.toml"
    shutil.copy(Path(__file__).parent.parent / "config" / "policy.toml", rules_file)
    config = parse_config({"inmm": {"policy_rules": str(rules_file)}}, tmp_path / "inmm.toml")
    first = rules_for(config)
    assert rules_for(config) is first  # the two screens and the inbox share one compile
    rules_file.write_text(rules_file.read_text().replace("x = 280", "x = 270"))
    os.utime(rules_file, ns=(1, 2_000_000_000_000_000_000))
    assert rules_for(config).limits["x"] == 270  # an edit is picked up
