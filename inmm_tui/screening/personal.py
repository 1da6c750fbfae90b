"""Personal information ("No personal information is to be shared via INMM accounts"):
e-mail addresses, phone numbers (found by the phonenumbers library), street addresses and
identity numbers (US social security numbers, payment card numbers, passport numbers)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import phonenumbers

if TYPE_CHECKING:
    from inmm_tui.screening.engine import Finding
    from inmm_tui.screening.rules import Rules

EMAIL = re.compile(r"(?<![@\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
STREET = re.compile(
    r"(?<![\w])\d{1,6}\s+(?:[A-Z][\w.'-]*\s+){1,4}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Court|Ct|Way|Place|Pl|"
    r"Terrace|Circle|Parkway|Pkwy|Highway|Hwy|Square|Sq|Strasse|Straße)\b\.?"
)
SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
CARD = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")
PASSPORT = re.compile(r"passport\s*(?:no\.?|number|#)\s*:?\s*[A-Z0-9]{6,9}\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d")
# A North American number written without a country code, 555-867-5309 or (865) 574-1000:
# phonenumbers' VALID leniency refuses numbers in unassigned or fictional ranges (555), but
# a number in this shape is a phone number to a reader whether or not it is assigned.
NANP = re.compile(r"(?<![\w+()-])(?:\(\d{3}\)\s?|\d{3}[-.\s])?\d{3}[-.]\d{4}(?![\w-])")
# Toll-free lines (800, 888...) belong to organisations (a helpline, a clinic's booking
# line), not to a person.
_TOLL_FREE_NANP = ("800", "833", "844", "855", "866", "877", "888")
_ISBN_BEFORE = re.compile(r"(?:ISBN|ISSN|DOI)[\s:-]*(?:1[03])?[\s:-]*$", re.IGNORECASE)


def _luhn(digits: str) -> bool:
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = int(ch)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def find(text: str, masked: str, emails: list[re.Match[str]], rules: Rules) -> list[Finding]:
    from inmm_tui.screening.engine import Finding, _host_in

    message = rules.sections["personal_info"].message
    findings: list[Finding] = []
    for match in emails:
        mailbox, domain = match.group(0).lower().rsplit("@", 1)
        if _host_in(domain, rules.society_domains) or \
                mailbox.split("+", 1)[0] in rules.role_mailboxes:
            continue
        findings.append(Finding("personal_info.email", "personal_info",
                                f"{message} (e-mail address {match.group(0)})", match.span()))

    if len(_DIGITS.findall(masked)) >= 7:
        taken: list[tuple[int, int]] = []
        for match in SSN.finditer(masked):
            taken.append(match.span())
            findings.append(Finding("personal_info.identity_number", "personal_info",
                                    f"{message} (what looks like a social security number)",
                                    match.span()))
        for match in CARD.finditer(masked):
            number = re.sub(r"\D", "", match.group(0))
            if (13 <= len(number) <= 19 and _luhn(number)
                    and not _ISBN_BEFORE.search(masked[: match.start()])):
                taken.append(match.span())
                findings.append(Finding("personal_info.identity_number", "personal_info",
                                        f"{message} (what looks like a payment card number)",
                                        match.span()))
        for region in rules.phone_regions:
            matcher = phonenumbers.PhoneNumberMatcher(masked, region,
                                                      leniency=phonenumbers.Leniency.VALID)
            for phone in matcher:
                span = (phone.start, phone.end)
                if any(a < span[1] and span[0] < b for a, b in taken):
                    continue
                if _ISBN_BEFORE.search(masked[: phone.start]):
                    continue
                parsed = phone.number
                e164 = f"{parsed.country_code}{parsed.national_number}"
                if e164 in rules.allowed_numbers or str(parsed.national_number) in \
                        rules.allowed_numbers:
                    continue
                taken.append(span)
                if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE:
                    continue
                findings.append(Finding("personal_info.phone", "personal_info",
                                        f"{message} (phone number {phone.raw_string})", span))
        for shaped in NANP.finditer(masked):
            if any(a < shaped.end() and shaped.start() < b for a, b in taken):
                continue
            digits = re.sub(r"\D", "", shaped.group(0))
            if len(digits) != 10 or digits in rules.allowed_numbers or \
                    "1" + digits in rules.allowed_numbers or digits.startswith(_TOLL_FREE_NANP):
                continue
            if _ISBN_BEFORE.search(masked[: shaped.start()]):
                continue
            taken.append(shaped.span())
            findings.append(Finding("personal_info.phone", "personal_info",
                                    f"{message} (phone number {shaped.group(0)})",
                                    shaped.span()))
    for match in PASSPORT.finditer(masked):
        findings.append(Finding("personal_info.identity_number", "personal_info",
                                f"{message} (a passport number)", match.span()))
    if _DIGITS.search(masked):
        allow = rules.sections["personal_info"].allow
        allowed = [m.span() for m in allow.finditer(masked)] if allow else []
        for match in STREET.finditer(masked):
            if any(a <= match.start() and match.end() <= b for a, b in allowed):
                continue
            findings.append(Finding("personal_info.street_address", "personal_info",
                                    f"{message} (a street address: {match.group(0)})",
                                    match.span()))
    return findings
