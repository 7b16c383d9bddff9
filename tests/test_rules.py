"""Scoring for every question type, progress status, completion and expiry dates."""

from datetime import date

import pytest

from carelearn.core.dates import add_months, expiry_date
from carelearn.services.training.question_types import QUESTION_TYPES
from carelearn.services.training.scoring import score_results


@pytest.mark.parametrize("kind", ["single", "scenario", "true_false"])
@pytest.mark.parametrize(
    "selected,expected", [({1}, True), ({2}, False), (set(), False), ({1, 2}, False)]
)
def test_one_answer_types(kind, selected, expected):
    assert QUESTION_TYPES[kind].grade({1}, selected) is expected


@pytest.mark.parametrize(
    "selected,expected",
    [
        ({1, 2}, True),  # every right option
        ({1}, False),  # one missing
        ({1, 2, 3}, False),  # a wrong one added
        (set(), False),  # nothing ticked
        ({3}, False),
    ],
)
def test_multiple_is_all_or_nothing(selected, expected):
    assert QUESTION_TYPES["multiple"].grade({1, 2}, selected) is expected


def test_reflection_is_not_scored():
    assert QUESTION_TYPES["reflection"].grade(set(), set()) is None
    assert QUESTION_TYPES["reflection"].scored is False


def test_score_ignores_reflections_and_rounds_down():
    score = score_results([True, True, False, None], pass_mark=60)
    assert (score.correct, score.scored, score.percent, score.passed) == (2, 3, 66, True)


@pytest.mark.parametrize(
    "correct,total,pass_mark,passed",
    [
        (8, 10, 80, True),  # exactly the pass mark passes
        (7, 9, 78, False),  # 77.8% is below 78 even though it would round up
        (4, 5, 80, True),
        (0, 4, 0, True),  # a pass mark of 0 always passes
        (4, 4, 100, True),
        (3, 4, 100, False),
    ],
)
def test_pass_mark_boundaries(correct, total, pass_mark, passed):
    results = [True] * correct + [False] * (total - correct)
    assert score_results(results, pass_mark).passed is passed


def test_no_scored_questions_never_passes():
    assert score_results([None], pass_mark=0).passed is False


@pytest.mark.parametrize(
    "start,months,expected",
    [
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_expiry_date_without_recertification_is_none():
    assert expiry_date(date(2026, 1, 1), None) is None
