"""Every replay fixture says where its shape comes from, is listed in SOURCES.md, and is
served by some test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.replay.server import FIXTURES

HERE = Path(__file__).parent
NAMES = sorted(f"{p.parent.name}/{p.stem}" for p in FIXTURES.glob("*/*.json"))


def test_there_are_fixtures_for_both_platforms() -> None:
    assert {name.split("/")[0] for name in NAMES} == {"x", "mastodon"}


@pytest.mark.parametrize("name", NAMES)
def test_fixture_names_its_provenance_and_sources(name: str) -> None:
    fixture = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    assert fixture["provenance"].startswith(("Spec-built:", "Recorded:"))
    assert fixture["source"] and all(s.startswith("https://") for s in fixture["source"])
    assert f"`{name}`" in (HERE / "SOURCES.md").read_text(encoding="utf-8")
    tests = "".join(p.read_text(encoding="utf-8") for p in HERE.glob("test_*_replay.py"))
    assert f'"{name}"' in tests, f"{name} is served by no test"
