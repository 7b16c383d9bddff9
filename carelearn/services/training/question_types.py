"""The question types: how each is answered in the form and how it is scored."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionType:
    kind: str
    # "radio", "checkbox" or "text": the form control a learner answers with; "conversation":
    # answered step by step before the rest of the quiz
    input: str
    scored: bool

    def grade(self, correct_ids: set[int], selected_ids: set[int]) -> bool | None:
        """True when right, False when wrong, None when the type is not scored.

        A multiple-answer question is all or nothing: every right option and no wrong one.
        """
        if not self.scored:
            return None
        return bool(selected_ids) and selected_ids == correct_ids


QUESTION_TYPES: dict[str, QuestionType] = {
    t.kind: t
    for t in (
        QuestionType("single", "radio", True),
        QuestionType("scenario", "radio", True),
        QuestionType("true_false", "radio", True),
        QuestionType("multiple", "checkbox", True),
        QuestionType("reflection", "text", False),
        QuestionType("conversation", "conversation", True),
    )
}
