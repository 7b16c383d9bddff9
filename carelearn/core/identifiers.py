"""Finding what could identify a patient in free text, before anything is stored.

People write feedback, comments and notes in a hurry and sometimes paste in a patient's details.
CareLearn must never keep them, so every free-text field is checked here first and refused with
what to remove. The checks aim at the forms these details take in the NHS and leave everyday
numbers alone: "bay 10", "2 hours", "room 101", "4 out of 5" pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .clock import today


@dataclass(frozen=True)
class Identifier:
    """Something in the text that looks like it identifies a person: what kind, and the text."""

    kind: str
    text: str

    @property
    def advice(self) -> str:
        return f"{self.kind} ({self.text})"


_NHS_NUMBER = re.compile(r"(?<![\w-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w-])")
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# UK numbers: 01, 02, 03, 07 and 08 numbers of 10 or 11 digits, or +44 and the number without
# its 0; spaces, dashes, dots and brackets are how people write them.
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?|\(?0)[1-9][\d\s().-]{7,14}\d(?!\w)")
# A full UK postcode: outward code (A9, A99, AA9, AA99, A9A, AA9A), a space or not, inward 9AA.
_POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])\s?[0-9][ABD-HJLNP-UW-Z]{2}\b",
    re.IGNORECASE,
)
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")
_WORDED_DATE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTHS})\.?,?\s+(\d{{4}})\b", re.IGNORECASE
)
_BIRTH_WORDS = re.compile(r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\b", re.IGNORECASE)
# Hospital and record numbers: a keyword and a code with digits, or the common letter-and-digits
# shape of local numbers (one to three letters, then six to nine digits: RX1234567, K123456).
_RECORD_WORDS = re.compile(
    r"\b(?:mrn|hospital (?:number|no\.?)|hosp(?:ital)? no\.?|patient (?:number|no\.?|id)"
    r"|unit (?:number|no\.?)|case (?:number|no\.?)|record number|rtx)[\s:#.-]*([A-Z]*\d[\w-]{3,})",
    re.IGNORECASE,
)
_LOCAL_NUMBER = re.compile(r"\b[A-Z]{1,3}\d{6,9}\b")
# A date this many years ago or more is more likely a birthday than an appointment.
_BIRTHDAY_YEARS = 2


def nhs_number_is_valid(digits: str) -> bool:
    """The modulus 11 check of a 10-digit NHS number: weights 10 down to 2 on the first nine."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def find_identifiers(text: str, on: date | None = None) -> list[Identifier]:
    """Everything in `text` that looks like a patient's details, in the order found."""
    on = on or today()
    found: list[tuple[int, Identifier]] = []

    def add(start: int, kind: str, matched: str) -> None:
        found.append((start, Identifier(kind, matched.strip())))

    for match in _EMAIL.finditer(text):
        add(match.start(), "an email address", match.group())
    for match in _NHS_NUMBER.finditer(text):
        if nhs_number_is_valid("".join(match.groups())):
            add(match.start(), "an NHS number", match.group())
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        national = digits[2:] if digits.startswith("44") else digits.lstrip("0")
        if 9 <= len(national) <= 10:
            add(match.start(), "a phone number", match.group())
    for match in _POSTCODE.finditer(text):
        add(match.start(), "a postcode", match.group())
    for match in _RECORD_WORDS.finditer(text):
        add(match.start(), "a hospital number", match.group())
    for match in _LOCAL_NUMBER.finditer(text):
        add(match.start(), "a hospital number", match.group())
    for start, matched, year in _dates(text):
        birthday_words = _BIRTH_WORDS.search(text[max(0, start - 20) : start])
        if birthday_words or year <= on.year - _BIRTHDAY_YEARS:
            add(start, "a date of birth", matched)
    found.sort(key=lambda item: item[0])
    unique: list[Identifier] = []
    for _start, identifier in found:
        if not any(identifier.text in u.text or u.text in identifier.text for u in unique):
            unique.append(identifier)
    return unique


def _dates(text: str):
    for match in _NUMERIC_DATE.finditer(text):
        day, month, year = (int(g) for g in match.groups())
        if 1 <= day <= 31 and 1 <= month <= 12:
            full_year = year if year >= 100 else _century(year)
            yield match.start(), match.group(), full_year
    for match in _WORDED_DATE.finditer(text):
        if 1 <= int(match.group(1)) <= 31:
            yield match.start(), match.group(), int(match.group(3))


def _century(two_digits: int) -> int:
    """ "85" is 1985, "12" is 2012: a two-digit year is read as the latest year it can be."""
    this_year = today().year
    year = this_year - this_year % 100 + two_digits
    return year if year <= this_year else year - 100


def identifier_problem(text: str | None, what: str = "This") -> str | None:
    """A friendly message naming what to remove, or None when the text is fine to keep."""
    if not text:
        return None
    found = find_identifiers(text)
    if not found:
        return None
    listed = "; ".join(i.advice for i in found[:5])
    return (
        f"{what} looks like it holds details that could identify someone: {listed}. "
        "Please take them out and try again. Nothing has been saved."
    )
