"""The public feedback form's wording in each language: one YAML file per language in
carelearn/content/feedback_forms/, read once when the app starts and checked there, so a
missing or extra key in any language, or English that strays from the Friends and Family
Test's own words, stops the app starting rather than showing a gap to a patient."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..config import PROJECT_ROOT
from ..core.identifiers import Identifier
from ..models.feedback import ASPECTS, FFT_ANSWERS

FORMS_DIR = PROJECT_ROOT / "carelearn" / "content" / "feedback_forms"
DEFAULT_LANGUAGE = "en"

# The Friends and Family Test's question and answers, word for word: they may not be reworded.
FFT_QUESTION = "Overall, how was your experience of our service?"
FFT_ANSWER_WORDS = {
    "very_good": "Very good",
    "good": "Good",
    "neither": "Neither good nor poor",
    "poor": "Poor",
    "very_poor": "Very poor",
    "dont_know": "Don't know",
}

Wording = dict[str, Any]


class WordingError(ValueError):
    """The language files disagree, or one is not as the form needs."""


def _keys(data: Any, prefix: str = "") -> set[str]:
    if not isinstance(data, dict):
        return {prefix}
    return {key for name, value in data.items() for key in _keys(value, f"{prefix}{name}.")}


def check_wordings(wordings: dict[str, Wording]) -> list[str]:
    """Every problem with the language files, as `file: message`; none when all is well."""
    english = wordings.get(DEFAULT_LANGUAGE)
    if english is None:
        return [f"{DEFAULT_LANGUAGE}.yml: missing: English is the language every other follows"]
    problems = []
    if english.get("question") != FFT_QUESTION:
        problems.append(f"en.yml: question must be exactly {FFT_QUESTION!r}")
    if english.get("answers") != FFT_ANSWER_WORDS:
        problems.append("en.yml: answers must be the six Friends and Family Test answers, exactly")
    expected = _keys(english)
    for language, wording in sorted(wordings.items()):
        found = _keys(wording)
        for key in sorted(expected - found):
            problems.append(f"{language}.yml: missing {key.rstrip('.')}")
        for key in sorted(found - expected):
            problems.append(f"{language}.yml: {key.rstrip('.')} is not in en.yml")
        if set(wording.get("answers") or {}) != set(FFT_ANSWERS):
            problems.append(f"{language}.yml: answers must name each of {', '.join(FFT_ANSWERS)}")
        if set(wording.get("aspects") or {}) != set(ASPECTS):
            problems.append(f"{language}.yml: aspects must name each of {', '.join(ASPECTS)}")
        if len(wording.get("months") or []) != 12:
            problems.append(f"{language}.yml: months must list the twelve months")
    return problems


def load_wordings(folder: Path = FORMS_DIR) -> dict[str, Wording]:
    """Each language's wording by its code (the file's name), checked."""
    wordings = {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.yml"))
    }
    problems = check_wordings(wordings)
    if problems:
        raise WordingError("The feedback form's wording is not ready:\n" + "\n".join(problems))
    return wordings


def identifiers_message(wording: Wording, found: list[Identifier]) -> str:
    """What to take out of a comment, in the form's language."""
    kinds = wording["identifier_kinds"]
    listed = "; ".join(f"{kinds.get(i.kind, i.kind)} ({i.text})" for i in found[:5])
    return wording["errors"]["comment_identifies"].format(found=listed)


def day_words(wording: Wording, day) -> str:
    """A date as people write it in the language: 2 December 2026, 2 Rhagfyr 2026."""
    return f"{day.day} {wording['months'][day.month - 1]} {day.year}"
