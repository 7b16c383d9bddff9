"""Published content as learners' pages need it, read once per worker and then kept.

A published version never changes: publishing changed files makes a new version. So a version's
lessons, questions and options are cached by version id for the life of the process, and pages
stop reading (and rebuilding objects from) the same rows on every request. Which version of a
module is current does change, in any worker, at any time; that mapping is one small query that
pages run every time, so a publish is seen by the very next request everywhere.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Lesson, Module, ModuleVersion, Option, Question

MAX_CACHED_VERSIONS = 200  # current ones plus older ones that attempts still point at


@dataclass(frozen=True)
class PublishedLesson:
    id: int
    position: int
    title: str
    minutes: int
    body_html: str


@dataclass(frozen=True)
class PublishedOption:
    id: int
    position: int
    text: str
    is_correct: bool
    feedback: str


@dataclass(frozen=True)
class PublishedQuestion:
    id: int
    key: str
    kind: str
    scenario: str | None
    prompt: str
    explanation: str
    roles: tuple[str, ...]
    options: tuple[PublishedOption, ...]

    @property
    def is_scored(self) -> bool:
        return self.kind != "reflection"

    def fits_role(self, role_slug: str) -> bool:
        return not self.roles or role_slug in self.roles


@dataclass(frozen=True, eq=False)
class PublishedVersion:
    """What a ModuleVersion row holds, with its module's slug, lessons and question bank."""

    id: int
    module_id: int
    slug: str
    number: int
    label: str
    title: str
    summary: str
    audience: tuple[str, ...]
    estimated_minutes: int
    pass_mark: int
    questions_per_attempt: int
    recertify_after_months: int | None
    lessons: tuple[PublishedLesson, ...]
    questions: tuple[PublishedQuestion, ...]

    def lesson_at(self, position: int) -> PublishedLesson | None:
        return self.lessons[position - 1] if 1 <= position <= len(self.lessons) else None


def _cache() -> dict[int, PublishedVersion]:
    # Kept on the app, so each app (and each test's app and database) has its own.
    return current_app.extensions.setdefault("carelearn.published", {})


def current_versions() -> list[PublishedVersion]:
    """Every module's current version, by title."""
    ids = db.session.scalars(
        select(Module.current_version_id).where(Module.current_version_id.is_not(None))
    ).all()
    return sorted(versions(ids), key=lambda v: (v.title, v.id))


def current_version(slug: str) -> PublishedVersion | None:
    version_id = db.session.scalar(select(Module.current_version_id).where(Module.slug == slug))
    return versions([version_id])[0] if version_id else None


def version(version_id: int) -> PublishedVersion:
    return versions([version_id])[0]


def versions(version_ids: Iterable[int]) -> list[PublishedVersion]:
    """The versions with these ids, in the same order; reads only those not cached yet."""
    version_ids = list(version_ids)
    cache = _cache()
    missing = [v for v in dict.fromkeys(version_ids) if v not in cache]
    if missing:
        if len(cache) + len(missing) > MAX_CACHED_VERSIONS:
            cache.clear()
        cache.update(_load(missing))
    return [cache[v] for v in version_ids]


def _load(version_ids: list[int]) -> dict[int, PublishedVersion]:
    lessons: dict[int, list[PublishedLesson]] = {v: [] for v in version_ids}
    for version_id, *fields in db.session.execute(
        select(Lesson.module_version_id, Lesson.id, Lesson.position, Lesson.title, Lesson.minutes,
               Lesson.body_html)
        .where(Lesson.module_version_id.in_(version_ids))
        .order_by(Lesson.module_version_id, Lesson.position)
    ):
        lessons[version_id].append(PublishedLesson(*fields))
    options: dict[int, list[PublishedOption]] = {}
    for question_id, *fields in db.session.execute(
        select(Option.question_id, Option.id, Option.position, Option.text, Option.is_correct,
               Option.feedback)
        .join(Question, Question.id == Option.question_id)
        .where(Question.module_version_id.in_(version_ids))
        .order_by(Option.question_id, Option.position)
    ):
        options.setdefault(question_id, []).append(PublishedOption(*fields))
    questions: dict[int, list[PublishedQuestion]] = {v: [] for v in version_ids}
    for q in db.session.execute(
        select(Question.module_version_id, Question.id, Question.key, Question.kind, Question.scenario,
               Question.prompt, Question.explanation, Question.roles)
        .where(Question.module_version_id.in_(version_ids))
        .order_by(Question.id)
    ):
        questions[q.module_version_id].append(PublishedQuestion(
            q.id, q.key, q.kind, q.scenario, q.prompt, q.explanation, tuple(q.roles or ()),
            tuple(options.get(q.id, ())),
        ))
    loaded = {}
    for v, slug in db.session.execute(
        select(ModuleVersion, Module.slug).join(Module, Module.id == ModuleVersion.module_id)
        .where(ModuleVersion.id.in_(version_ids))
    ):
        loaded[v.id] = PublishedVersion(
            id=v.id, module_id=v.module_id, slug=slug, number=v.number, label=v.label,
            title=v.title, summary=v.summary, audience=tuple(v.audience or ()),
            estimated_minutes=v.estimated_minutes, pass_mark=v.pass_mark,
            questions_per_attempt=v.questions_per_attempt,
            recertify_after_months=v.recertify_after_months,
            lessons=tuple(lessons[v.id]), questions=tuple(questions[v.id]),
        )
    return loaded
