"""Which questions the viewer's people get wrong, and how they answer one question.

Questions are matched by their id in the content (their key), so the answers to every version
of a module count. Only the answers of people the viewer may see are counted; the questions
themselves are those any learner of the module sees now. A figure from fewer than TOO_FEW
answers is marked as too few to judge.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from ...content.conversation import OUTCOME_WORDS, OUTCOMES, Conversation, Step
from ...extensions import db
from ...models import AttemptQuestion, ModuleVersion, Option, Question, QuizAttempt, User
from ..training import published
from ..training.published import PublishedQuestion
from .permissions import visible_user_ids_query

TOO_FEW = 5  # answers: fewer cannot say what a team finds hard


@dataclass(frozen=True)
class QuestionStat:
    key: str
    scenario: str | None
    prompt: str
    answered: int
    correct: int
    in_bank: bool  # still asked: the current version has it

    @property
    def too_few(self) -> bool:
        return self.answered < TOO_FEW

    @property
    def percent_correct(self) -> int:
        return self.correct * 100 // self.answered if self.answered else 0


def _answers(viewer: User, module_id: int, key: str | None = None):
    """The conditions that pick the viewer's people's scored answers to the module's questions."""
    conditions = [
        ModuleVersion.module_id == module_id,
        QuizAttempt.submitted_at.is_not(None),
        AttemptQuestion.is_correct.is_not(None),
        QuizAttempt.user_id.in_(visible_user_ids_query(viewer)),
    ]
    if key is not None:
        conditions.append(Question.key == key)
    return conditions


def _joined(query):
    return (
        query.select_from(Question)
        .join(AttemptQuestion, AttemptQuestion.question_id == Question.id)
        .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
        .join(ModuleVersion, ModuleVersion.id == Question.module_version_id)
    )


def question_analysis(viewer: User, module_id: int) -> list[QuestionStat]:
    """Share of right answers per question, most-missed first; those with too few answers to
    judge come last."""
    rows = db.session.execute(
        _joined(
            select(
                Question.key,
                func.count(AttemptQuestion.id),
                func.sum(case((AttemptQuestion.is_correct.is_(True), 1), else_=0)),
            )
        )
        .where(*_answers(viewer, module_id))
        .group_by(Question.key)
    ).all()
    current = current_questions(module_id)
    stats = []
    for key, answered, correct in rows:
        question = current.get(key)
        stats.append(
            QuestionStat(
                key,
                question.scenario if question else None,
                question.prompt if question else "(no longer in the question bank)",
                int(answered),
                int(correct or 0),
                question is not None,
            )
        )
    return sorted(stats, key=lambda s: (s.too_few, s.correct / s.answered, -s.answered, s.key))


def current_questions(module_id: int) -> dict[str, PublishedQuestion]:
    """key -> question, as the module's current version asks them (none if not published)."""
    version = next((v for v in published.current_versions() if v.module_id == module_id), None)
    return {q.key: q for q in version.questions} if version else {}


@dataclass(frozen=True)
class OptionStat:
    text: str
    is_correct: bool
    feedback: str
    chosen: int  # answers that picked it


@dataclass(frozen=True)
class ChoiceStat:
    text: str
    feedback: str
    leads_to: str  # "The next step", or the ending it leads to in words
    taken: int  # answers that took it


@dataclass(frozen=True)
class StepStat:
    """One step of a conversation: how many answers reached it, and took each choice."""

    step: Step
    reached: int
    choices: list[ChoiceStat]


@dataclass(frozen=True)
class QuestionDetail:
    module_id: int
    module_title: str
    question: PublishedQuestion
    options: list[OptionStat]
    answered: int
    correct: int  # for a conversation: answers that ended best
    steps: list[StepStat] = field(default_factory=list)
    endings: dict[str, int] = field(default_factory=dict)  # a conversation's, by outcome

    @property
    def too_few(self) -> bool:
        return self.answered < TOO_FEW

    @property
    def percent_correct(self) -> int:
        return self.correct * 100 // self.answered if self.answered else 0

    @property
    def most_chosen_wrong(self) -> OptionStat | None:
        wrong = [o for o in self.options if not o.is_correct and o.chosen]
        return max(wrong, key=lambda o: o.chosen) if wrong else None


def question_detail(viewer: User, module_id: int, key: str) -> QuestionDetail | None:
    """A published, scored question as learners see it, with how the viewer's people answered:
    None when the module or the question is not published now."""
    version = next((v for v in published.current_versions() if v.module_id == module_id), None)
    question = next((q for q in version.questions if q.key == key), None) if version else None
    if version is None or question is None or not question.is_scored:
        return None
    if question.conversation is not None:
        return _conversation_detail(
            viewer, module_id, version.title, question, question.conversation
        )
    answers = db.session.execute(
        _joined(select(AttemptQuestion.selected_option_ids, AttemptQuestion.is_correct)).where(
            *_answers(viewer, module_id, key)
        )
    ).all()
    # Options are matched by their text: each version has options of its own.
    texts = dict(
        db.session.execute(
            select(Option.id, Option.text)
            .join(Question, Question.id == Option.question_id)
            .join(ModuleVersion, ModuleVersion.id == Question.module_version_id)
            .where(ModuleVersion.module_id == module_id, Question.key == key)
        ).all()
    )
    chosen: Counter[str] = Counter()
    for selected, _ in answers:
        chosen.update({texts[i] for i in selected or [] if i in texts})
    options = [
        OptionStat(o.text, o.is_correct, o.feedback, chosen[o.text]) for o in question.options
    ]
    correct = sum(1 for _, is_correct in answers if is_correct)
    return QuestionDetail(module_id, version.title, question, options, len(answers), correct)


def _conversation_detail(
    viewer: User, module_id: int, title: str, question: PublishedQuestion, current: Conversation
) -> QuestionDetail:
    """How the viewer's people went through a conversation: each path is walked on the map of
    the version it was taken in, and counted against today's steps by step id and choice text."""
    rows = db.session.execute(
        _joined(select(Question.id, Question.steps, AttemptQuestion.path, AttemptQuestion.outcome))
        .where(*_answers(viewer, module_id, question.key))
        .where(AttemptQuestion.outcome.is_not(None))
    ).all()
    maps: dict[int, Conversation] = {}
    reached: Counter[str] = Counter()
    taken: Counter[tuple[str, str]] = Counter()
    for question_id, steps, path, _outcome in rows:
        conversation = maps.get(question_id)
        if conversation is None:
            conversation = maps[question_id] = Conversation.from_steps(steps)
        for choice in conversation.walk(path or []).taken:
            reached[choice.step.id] += 1
            taken[(choice.step.id, choice.choice.text)] += 1
    stats = [
        StepStat(
            step,
            reached[step.id],
            [
                ChoiceStat(
                    c.text,
                    c.feedback,
                    OUTCOME_WORDS[c.outcome] if c.outcome else "The next step",
                    taken[(step.id, c.text)],
                )
                for c in step.choices
            ],
        )
        for step in current.steps.values()
    ]
    endings = Counter(outcome for *_, outcome in rows)
    return QuestionDetail(
        module_id,
        title,
        question,
        [],
        len(rows),
        endings["best"],
        stats,
        {outcome: endings[outcome] for outcome in OUTCOMES},
    )
