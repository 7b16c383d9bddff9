"""Branching conversations: steps of what a person says, choices that lead on or end, endings
scored best, acceptable or poor.

The same rules serve the checker (is the map a sound one-way graph?) and the quiz (where has a
learner got to, what did they score, which way was best), so both read one shape: the steps as
written in questions.yml, the first step being the start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .loader import KeyPath

OUTCOMES = ("best", "acceptable", "poor")
# How an ending counts in the quiz score: one question's worth for the best, half for acceptable.
OUTCOME_MARKS = {"best": Fraction(1), "acceptable": Fraction(1, 2), "poor": Fraction(0)}
OUTCOME_WORDS = {
    "best": "The best ending",
    "acceptable": "An acceptable ending",
    "poor": "A poor ending",
}
# At each step the shortest choice is at least this share of the longest one's length.
SHORTEST_CHOICE_SHARE = Fraction(1, 2)


@dataclass(frozen=True)
class Choice:
    text: str
    reaction: str
    feedback: str
    next: str | None
    outcome: str | None


@dataclass(frozen=True)
class Step:
    id: str
    says: str | None
    situation: str | None
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Taken:
    """One choice made: the step it was made at and which of its choices (by written order)."""

    step: Step
    index: int

    @property
    def choice(self) -> Choice:
        return self.step.choices[self.index]


@dataclass(frozen=True)
class Walk:
    """Where a path of choices leads: what was taken, then the step reached or the ending."""

    taken: tuple[Taken, ...]
    current: Step | None
    outcome: str | None


class InvalidPath(ValueError):
    """The choices do not follow the map (a choice that a step does not have)."""


@dataclass(frozen=True)
class Conversation:
    steps: dict[str, Step]
    start: str

    @classmethod
    def from_steps(cls, steps: list[dict]) -> Conversation:
        """From the steps as questions.yml writes them (and the database keeps them)."""
        built = {
            s["id"]: Step(
                s["id"],
                s.get("says"),
                s.get("situation"),
                tuple(
                    Choice(c["text"], c["reaction"], c["feedback"], c.get("next"), c.get("outcome"))
                    for c in s["choices"]
                ),
            )
            for s in steps
        }
        return cls(built, steps[0]["id"])

    def walk(self, path: list[int]) -> Walk:
        step: Step | None = self.steps[self.start]
        taken: list[Taken] = []
        outcome = None
        for index in path:
            if step is None or not 0 <= index < len(step.choices):
                raise InvalidPath(f"choice {index} does not follow the map")
            taken.append(Taken(step, index))
            choice = step.choices[index]
            step, outcome = (
                (self.steps[choice.next], None) if choice.next else (None, choice.outcome)
            )
        return Walk(tuple(taken), step, outcome)

    def paths(self) -> Iterator[tuple[list[int], str]]:
        """Every path from the start to an ending, with its ending (the map has no loops)."""

        def from_step(step: Step, before: list[int]) -> Iterator[tuple[list[int], str]]:
            for index, choice in enumerate(step.choices):
                if choice.next:
                    yield from from_step(self.steps[choice.next], [*before, index])
                else:
                    yield [*before, index], choice.outcome or "poor"

        return from_step(self.steps[self.start], [])

    def best_path(self) -> Walk:
        """The shortest path that ends best (the checker makes sure there is one)."""
        best = [path for path, outcome in self.paths() if outcome == "best"]
        return self.walk(min(best, key=len) if best else [])

    def longest_choice_outcome(self) -> str:
        """Where a learner who reads nothing ends: the longest choice at every step."""
        step: Step | None = self.steps[self.start]
        outcome: str | None = None
        while step is not None:
            choice = max(step.choices, key=lambda c: len(" ".join(c.text.split())))
            step, outcome = (
                (self.steps[choice.next], None) if choice.next else (None, choice.outcome)
            )
        return outcome or "poor"


def graph_problems(question: dict) -> list[tuple[str, KeyPath]]:
    """What is wrong with a conversation's map, each with the key path it is at."""
    steps: list[dict] = question.get("steps") or []
    if not steps:
        return [("a conversation question needs steps", [])]
    problems: list[tuple[str, KeyPath]] = []
    counts = Counter(s["id"] for s in steps)
    index_of: dict[str, int] = {}
    for i, step in enumerate(steps):
        if counts[step["id"]] > 1 and step["id"] in index_of:
            problems.append((f"step id {step['id']} is used more than once", ["steps", i, "id"]))
        index_of.setdefault(step["id"], i)
        if "says" not in step and "situation" not in step:
            problems.append(("a step needs says, situation or both", ["steps", i]))
        for j, choice in enumerate(step["choices"]):
            at: KeyPath = ["steps", i, "choices", j]
            if ("next" in choice) == ("outcome" in choice):
                problems.append(("a choice needs either next or outcome, not both", at))
            elif "next" in choice and choice["next"] not in counts:
                problems.append(
                    (f"next names no step of this conversation: {choice['next']}", [*at, "next"])
                )
    if problems:
        return problems
    return _shape_problems(steps, index_of)


def _shape_problems(steps: list[dict], index_of: dict[str, int]) -> list[tuple[str, KeyPath]]:
    """Loops, unreachable steps and missing endings, on a map whose links all resolve."""
    problems: list[tuple[str, KeyPath]] = []
    state: dict[str, str] = {}  # "open" while its paths are being followed, then "done"
    outcomes: set[str] = set()

    def visit(step_id: str) -> None:
        state[step_id] = "open"
        i = index_of[step_id]
        for j, choice in enumerate(steps[i]["choices"]):
            target = choice.get("next")
            if target is None:
                outcomes.add(choice["outcome"])
            elif state.get(target) == "open":
                problems.append(
                    (
                        f"this choice leads back to step {target}: a conversation must always "
                        "move on, so every path ends",
                        ["steps", i, "choices", j, "next"],
                    )
                )
            elif target not in state:
                visit(target)
        state[step_id] = "done"

    visit(steps[0]["id"])
    problems += [
        (f"step {s['id']} cannot be reached from the first step", ["steps", i])
        for i, s in enumerate(steps)
        if s["id"] not in state
    ]
    problems += [
        (f"no path ends {outcome}: give at least one choice outcome: {outcome}", ["steps"])
        for outcome in ("best", "poor")
        if outcome not in outcomes
    ]
    return problems


def choice_length_problems(question: dict) -> list[tuple[str, KeyPath]]:
    """At each step the choices are of comparable length, so length gives nothing away."""
    problems: list[tuple[str, KeyPath]] = []
    for i, step in enumerate(question.get("steps") or []):
        lengths = [len(" ".join(c["text"].split())) for c in step["choices"]]
        if min(lengths) < SHORTEST_CHOICE_SHARE * max(lengths):
            problems.append(
                (
                    f"this choice has {min(lengths)} characters, less than half the longest "
                    f"choice's {max(lengths)}: write the choices of step {step['id']} at similar "
                    "lengths so length gives nothing away",
                    ["steps", i, "choices", lengths.index(min(lengths))],
                )
            )
    return problems


def conversation_texts(question: dict) -> list[tuple[KeyPath, str]]:
    """(key path, text) of everything a learner reads in a conversation's steps."""
    texts: list[tuple[KeyPath, str]] = []
    for i, step in enumerate(question.get("steps") or []):
        texts += [(["steps", i, k], step[k]) for k in ("situation", "says") if k in step]
        for j, choice in enumerate(step["choices"]):
            texts += [
                (["steps", i, "choices", j, k], choice[k]) for k in ("text", "reaction", "feedback")
            ]
    return texts
