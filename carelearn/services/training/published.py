"""Published content as learners' pages need it, read once per worker and then kept.

A published version never changes: publishing changed files makes a new version. So a version's
lessons, questions and options are cached by version id for the life of the process, and pages
stop reading (and rebuilding objects from) the same rows on every request. Which version of a
module is current does change, in any worker, at any time; that mapping is one small query that
pages run every time, so a publish is seen by the very next request everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event, select

from ...content.conversation import Conversation
from ...core.database import run
from ...core.freshness import structure_seen
from ...extensions import db
from ...models import Lesson, Module, ModuleVersion, Option, Question

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
    conversation: Conversation | None = None

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
    change_kind: str
    grace_days: int
    test_out_mark: int | None
    practice_checklist: tuple[str, ...]
    practice_required: bool
    lessons: tuple[PublishedLesson, ...]

    @property
    def questions(self) -> tuple[PublishedQuestion, ...]:
        """The question bank, read the first time a quiz of this version needs it."""
        banks = current_app.extensions.setdefault("carelearn.published.questions", {})
        if self.id not in banks:
            if len(banks) >= MAX_CACHED_VERSIONS:
                banks.clear()
            banks[self.id] = _load_questions(self.id)
        return banks[self.id]

    def lesson_at(self, position: int) -> PublishedLesson | None:
        return self.lessons[position - 1] if 1 <= position <= len(self.lessons) else None


def _cache() -> dict[int, PublishedVersion]:
    # Kept on the app, so each app (and each test's app and database) has its own.
    return current_app.extensions.setdefault("carelearn.published", {})


_CURRENT = "carelearn_current_versions"
_LATEST = "carelearn.published.current"  # per worker: (structure counter, slug -> version id)
_CURRENT_IDS = select(Module.slug, Module.current_version_id).where(
    Module.current_version_id.is_not(None)
)


def _current_ids() -> dict[str, int]:
    """slug -> current version id: once per request at most, and not at all when the
    organisation's structure counter (which a publish raises) is the same as when this worker
    last read them."""
    if has_request_context() and _CURRENT in g:
        return g.get(_CURRENT)
    structure = structure_seen()
    latest = current_app.extensions.get(_LATEST)
    if structure is not None and latest is not None and latest[0] == structure:
        ids = latest[1]
    else:
        ids = dict(run(_CURRENT_IDS).all())
        if structure is not None:
            current_app.extensions[_LATEST] = (structure, ids)
    if has_request_context():
        setattr(g, _CURRENT, ids)
    return ids


def _forget_current(session, _context) -> None:
    if has_request_context() and any(isinstance(o, Module) for o in (*session.new, *session.dirty)):
        g.pop(_CURRENT, None)


def init_app(_app: Flask) -> None:
    if not event.contains(db.session, "after_flush", _forget_current):
        event.listen(db.session, "after_flush", _forget_current)


def current_versions() -> list[PublishedVersion]:
    """Every module's current version, by title."""
    return sorted(versions(_current_ids().values()), key=lambda v: (v.title, v.id))


def current_version(slug: str) -> PublishedVersion | None:
    version_id = _current_ids().get(slug)
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
    """The versions and their lessons, in one query."""
    v, lesson = ModuleVersion.__table__.c, Lesson.__table__.c
    loaded: dict[int, PublishedVersion] = {}
    lessons: dict[int, list[PublishedLesson]] = {}
    for row in db.session.execute(
        select(
            v.id,
            v.module_id,
            Module.slug,
            v.number,
            v.label,
            v.title,
            v.summary,
            v.audience,
            v.estimated_minutes,
            v.pass_mark,
            v.questions_per_attempt,
            v.recertify_after_months,
            v.change_kind,
            v.grace_days,
            v.test_out_mark,
            v.practice_checklist,
            v.practice_required,
            lesson.id.label("lesson_id"),
            lesson.position,
            lesson.title.label("lesson_title"),
            lesson.minutes,
            lesson.body_html,
        )
        .join(Module, Module.id == v.module_id)
        .outerjoin(Lesson.__table__, lesson.module_version_id == v.id)
        .where(v.id.in_(version_ids))
        .order_by(v.id, lesson.position)
    ):
        if row.id not in lessons:
            lessons[row.id] = []
            loaded[row.id] = PublishedVersion(
                id=row.id,
                module_id=row.module_id,
                slug=row.slug,
                number=row.number,
                label=row.label,
                title=row.title,
                summary=row.summary,
                audience=tuple(row.audience or ()),
                estimated_minutes=row.estimated_minutes,
                pass_mark=row.pass_mark,
                questions_per_attempt=row.questions_per_attempt,
                recertify_after_months=row.recertify_after_months,
                change_kind=row.change_kind,
                grace_days=row.grace_days,
                test_out_mark=row.test_out_mark,
                practice_checklist=tuple(row.practice_checklist or ()),
                practice_required=row.practice_required,
                lessons=(),
            )
        if row.lesson_id is not None:
            lessons[row.id].append(
                PublishedLesson(
                    row.lesson_id, row.position, row.lesson_title, row.minutes, row.body_html
                )
            )
    for version_id, version in loaded.items():
        object.__setattr__(version, "lessons", tuple(lessons[version_id]))
    return loaded


def _load_questions(version_id: int) -> tuple[PublishedQuestion, ...]:
    """A version's question bank with every option, in one query."""
    q, o = Question.__table__.c, Option.__table__.c
    questions: dict[int, PublishedQuestion] = {}  # without their options, until the end
    options: dict[int, list[PublishedOption]] = {}
    for row in db.session.execute(
        select(
            q.id,
            q.key,
            q.kind,
            q.scenario,
            q.prompt,
            q.explanation,
            q.roles,
            q.steps,
            o.id.label("option_id"),
            o.position,
            o.text,
            o.is_correct,
            o.feedback,
        )
        .outerjoin(Option.__table__, o.question_id == q.id)
        .where(q.module_version_id == version_id)
        .order_by(q.id, o.position)
    ):
        if row.id not in questions:
            questions[row.id] = PublishedQuestion(
                row.id,
                row.key,
                row.kind,
                row.scenario,
                row.prompt,
                row.explanation,
                tuple(row.roles or ()),
                options=(),
                conversation=Conversation.from_steps(row.steps) if row.steps else None,
            )
            options[row.id] = []
        if row.option_id is not None:
            options[row.id].append(
                PublishedOption(row.option_id, row.position, row.text, row.is_correct, row.feedback)
            )
    return tuple(
        replace(question, options=tuple(options[qid])) for qid, question in questions.items()
    )
