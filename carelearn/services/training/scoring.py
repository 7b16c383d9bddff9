"""Turning answers into a score and a pass or fail."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    correct: int
    scored: int
    percent: int
    passed: bool


def score_results(results: list[bool | None], pass_mark: int) -> Score:
    """Score graded answers (None for unscored ones) against a pass mark in percent.

    The percent shown is rounded down, and passing compares exact fractions, so 7 of 9 (77.8%)
    fails a pass mark of 78 and a learner is never told they scored more than they did.
    """
    graded = [r for r in results if r is not None]
    correct = sum(graded)
    scored = len(graded)
    if scored == 0:
        return Score(0, 0, 0, False)
    return Score(correct, scored, correct * 100 // scored, correct * 100 >= pass_mark * scored)
