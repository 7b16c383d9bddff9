"""What the assessment rules share about a question bank: the shape of a report, where a
problem goes, and how a question's options and texts are read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from .conversation import conversation_texts
from .loader import KeyPath, Problem

CHOICE_TYPES = ("single", "scenario")
OPTION_TYPES = ("single", "scenario", "multiple")

# Places a problem at a key path in questions.yml.
Locate = Callable[[KeyPath, str], Problem]


@dataclass
class QualityReport:
    """The figures the checker's summary prints, besides the problems."""

    pass_probability: dict[str, float] = field(default_factory=dict)  # role -> probability
    lesson_ease: dict[str, float] = field(default_factory=dict)  # lesson file -> reading ease
    question_ease: dict[str, float] = field(default_factory=dict)  # question id -> reading ease


def text_length(text: str) -> int:
    return len(" ".join(text.split()))


def options_of(question: dict) -> list[dict]:
    return question.get("options") or []


def is_scored(question: dict) -> bool:
    return question["type"] != "reflection"


def fits_role(question: dict, role: str) -> bool:
    return not question.get("roles") or role in question["roles"]


def question_texts(question: dict) -> list[tuple[KeyPath, str]]:
    """(key path, text) of everything a learner reads in a question."""
    texts: list[tuple[KeyPath, str]] = [
        ([name], question[name]) for name in ("scenario", "prompt") if name in question
    ]
    for i, option in enumerate(options_of(question)):
        texts += [
            (["options", i, "text"], option["text"]),
            (["options", i, "feedback"], option["feedback"]),
        ]
    return texts + conversation_texts(question) + [(["explanation"], question["explanation"])]


def as_sentence(text: str) -> str:
    """A heading, list item or option without a full stop still reads as a sentence of its own."""
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?:;" else text + "."


def percent(share: Fraction | float, decimals: int = 1) -> str:
    """Chances get two decimals, so one just over the limit does not read as the limit itself."""
    return f"{float(share) * 100:.{decimals}f} %"
