"""Patients' details in free text are found, and everyday numbers are left alone."""

from datetime import date

import pytest

from carelearn.core.identifiers import find_identifiers, identifier_problem, nhs_number_is_valid

ON = date(2026, 12, 2)


def kinds(text: str) -> list[str]:
    return [i.kind for i in find_identifiers(text, ON)]


@pytest.mark.parametrize(
    "digits,valid",
    [
        ("9434765919", True),  # a valid test number: the check digit is 9
        ("9434765918", False),  # the same digits with the wrong check digit
        ("4010232137", True),
        ("4010232138", False),
        ("0000000000", True),  # all zeros: remainder 0, check digit 0
        ("1234567881", True),
        ("123456789", False),  # nine digits
        ("94347659190", False),  # eleven
        ("943476591x", False),
        ("١٢٣٤٥٦٧٨٨١", False),  # Arabic-Indic digits are not an NHS number
    ],
)
def test_nhs_number_check_digit(digits, valid):
    assert nhs_number_is_valid(digits) is valid


@pytest.mark.parametrize(
    "text,found",
    [
        ("My NHS number is 943 476 5919", ["an NHS number"]),
        ("number 943-476-5919 please", ["an NHS number"]),
        ("ref 9434765919.", ["an NHS number"]),
        ("Call me on 07700 900123", ["a phone number"]),
        ("ring 020 7946 0958 any time", ["a phone number"]),
        ("+44 7700 900123", ["a phone number"]),
        ("(01632) 960 001", ["a phone number"]),
        ("email sam.jones@example.org", ["an email address"]),
        ("I live at LS1 4AP", ["a postcode"]),
        ("postcode sw1a1aa", ["a postcode"]),
        ("DOB 12/03/2020", ["a date of birth"]),
        ("born on 3 March 2025", ["a date of birth"]),
        ("her birthday 14/07/1956", ["a date of birth"]),
        ("on 4th of May 1948", ["a date of birth"]),
        ("MRN: 1234567", ["a hospital number"]),
        ("hospital number K123456", ["a hospital number"]),
        ("patient RX1234567 in bay 4", ["a hospital number"]),
    ],
)
def test_finds_what_identifies_a_patient(text, found):
    assert kinds(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "We waited 2 hours in bay 10",
        "Room 101 was clean and the nurse in bed 12 was kind",
        "The appointment on 28/11/2026 ran 45 minutes late",  # a recent date, not a birthday
        "Seen on 1 December 2026 at 10:30",
        "4 out of 5, ward 7B, 3 staff, 15 minutes",
        "943 476 5918",  # the same digits as a valid NHS number, failing the check
        "A score of 1234 on level 3",
        "It cost £12.50 and parking was 2-3 hours",
        "I was in A&E from 9 to 5",
        "Ward B12 and theatre 4",
        "",
    ],
)
def test_leaves_everyday_numbers_alone(text):
    assert kinds(text) == []


def test_the_message_shows_what_to_remove():
    message = identifier_problem("Sam, 943 476 5919, rang 07700 900123", "Your comment")
    assert message is not None
    assert message.startswith("Your comment looks like it holds details")
    assert "an NHS number (943 476 5919)" in message
    assert "a phone number (07700 900123)" in message
    assert "Nothing has been saved" in message
    assert identifier_problem("Lovely staff in bay 10") is None
    assert identifier_problem(None) is None
