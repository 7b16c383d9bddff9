"""Turning answers into a score and a pass or fail."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Score:
    correct: Fraction  # marks: a right answer is one, a conversation's ending one, half or none
    scored: int
    percent: int
    passed: bool


def score_results(results: list[Fraction | bool | None], pass_mark: int) -> Score:
    """Score graded answers (None for unscored ones) against a pass mark in percent.

    The percent shown is rounded down, and passing compares exact fractions, so 7 of 9 (77.8%)
    fails a pass mark of 78 and a learner is never told they scored more than they did.
    """
    graded = [Fraction(r) for r in results if r is not None]
    correct = sum(graded, Fraction(0))
    scored = len(graded)
    if scored == 0:
        return Score(Fraction(0), 0, 0, False)
    return Score(correct, scored, int(correct * 100 // scored), correct * 100 >= pass_mark * scored)


def marks_text(marks: Fraction) -> str:
    """6, 6½ or ½: marks as a learner reads them."""
    whole, half = divmod(marks, 1)
    if not half:
        return str(int(whole))
    return ("" if whole == 0 else str(int(whole))) + "½"
