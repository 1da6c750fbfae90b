"""What installing inmm-tui brings in: the phone-number parsing without the 48 MB of
geocoder, carrier and time-zone data that screening never uses."""

from __future__ import annotations

import tomllib
from pathlib import Path

import phonenumbers


def test_phone_numbers_come_from_the_lite_package() -> None:
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    names = {dep.split(">")[0].split("=")[0].split(";")[0].strip().lower()
             for dep in project["project"]["dependencies"]}
    assert "phonenumberslite" in names and "phonenumbers" not in names
    # what screening uses is all there
    found = list(phonenumbers.PhoneNumberMatcher("Call +1 202 555 0143 today", "US",
                                                 leniency=phonenumbers.Leniency.VALID))
    assert len(found) == 1 and "US" in phonenumbers.SUPPORTED_REGIONS
