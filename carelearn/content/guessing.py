"""Rule 6 of the assessment rules: a learner who reads nothing must not pass.

Such a learner picks the longest option, guesses true or false, gets every multiple-answer
question wrong and, in a conversation, says the longest thing at every step. The chance of
passing is computed exactly, for quizzes drawn as the app draws them (`questions_per_attempt`
scored questions: one of the role's conversations if it has any, the rest from the role's other
scored questions, topped up from other roles').
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import comb

from .bank import (
    CHOICE_TYPES,
    Locate,
    QualityReport,
    fits_role,
    is_scored,
    options_of,
    percent,
    text_length,
)
from .conversation import OUTCOME_MARKS, Conversation, graph_problems
from .loader import Problem

# 6. A learner who reads nothing must pass with a probability below this.
NO_READING_PASS_MAX = Fraction(5, 100)


def no_reading_chance(question: dict) -> Fraction:
    """The chance that a learner who has read nothing gets this question right."""
    if question["type"] == "true_false":
        return Fraction(1, 2)
    if question["type"] not in CHOICE_TYPES or not options_of(question):
        return Fraction(0)  # multiple is all or nothing: a blind pick is taken as wrong
    longest = max(text_length(o["text"]) for o in options_of(question))
    ties = [o for o in options_of(question) if text_length(o["text"]) == longest]
    return Fraction(sum(1 for o in ties if o.get("correct")), len(ties))


def correct_count_distribution(chances: Sequence[Fraction], drawn: int) -> list[Fraction]:
    """P(exactly c right) for c = 0..drawn, drawing `drawn` of the questions without replacement.

    ways[j][c] sums, over every set of j questions seen so far, the chance of exactly c right;
    every set of `drawn` is equally likely, so the last row divided by their number is the answer.
    """
    ways = [[Fraction(0)] * (drawn + 1) for _ in range(drawn + 1)]
    ways[0][0] = Fraction(1)
    for chance in chances:
        for size in range(drawn, 0, -1):
            row, smaller = ways[size], ways[size - 1]
            for right in range(size, -1, -1):
                row[right] += smaller[right] * (1 - chance)
                if right:
                    row[right] += smaller[right - 1] * chance
    return [value / comb(len(chances), drawn) for value in ways[drawn]]


def no_reading_pass_probability(meta: dict, questions: list[dict], role: str) -> Fraction:
    """The chance that a learner in `role` who reads nothing passes, drawn as quizzes are: one
    conversation for the role when there is one, the rest from the other scored questions."""
    scored = [q for q in questions if is_scored(q)]
    endings = [
        OUTCOME_MARKS[Conversation.from_steps(q["steps"]).longest_choice_outcome()]
        for q in scored
        if q["type"] == "conversation" and fits_role(q, role) and not graph_problems(q)
    ]
    ordinary = [q for q in scored if q["type"] != "conversation"]
    fitting = [no_reading_chance(q) for q in ordinary if fits_role(q, role)]
    others = [no_reading_chance(q) for q in ordinary if not fits_role(q, role)]
    per_attempt = meta["questions_per_attempt"]
    conversations = 1 if endings else 0
    from_fitting = min(per_attempt - conversations, len(fitting))
    # A short pool is topped up from the questions for other roles.
    from_others = min(per_attempt - conversations - from_fitting, len(others))
    drawn = conversations + from_fitting + from_others
    if drawn == 0:
        return Fraction(0)
    fitting_counts = correct_count_distribution(fitting, from_fitting)
    others_counts = correct_count_distribution(others, from_others)
    # Each of the role's conversations is as likely to be drawn; without one, it adds nothing.
    ending_marks = [(m, Fraction(1, len(endings))) for m in endings] or [(Fraction(0), Fraction(1))]
    return sum(
        (
            p * q * chance
            for a, p in enumerate(fitting_counts)
            for b, q in enumerate(others_counts)
            for marks, chance in ending_marks
            if (a + b + marks) * 100 >= meta["pass_mark"] * drawn
        ),
        Fraction(0),
    )


def no_reading_pass(
    meta: dict,
    questions: list[dict],
    locate: Locate,
    report: QualityReport,
) -> list[Problem]:
    """Rule 6: picking the longest option and guessing true or false does not pass the quiz."""
    chances = {
        role: no_reading_pass_probability(meta, questions, role) for role in meta["audience"]
    }
    report.pass_probability.update((role, float(chance)) for role, chance in chances.items())
    return [
        locate(
            ["questions"],
            f"a learner in role {role} who reads nothing passes {percent(chance, 2)} of attempts "
            f"by picking the longest option and guessing true or false; it must be under "
            f"{percent(NO_READING_PASS_MAX, 2)}: make the right option less often the longest "
            "and use fewer true_false questions",
        )
        for role, chance in chances.items()
        if chance >= NO_READING_PASS_MAX
    ]
