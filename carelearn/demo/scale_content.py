"""The large demo's modules: the real ones as published, and generated practice modules."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select, update

from ..extensions import db
from ..models import (
    Lesson,
    Module,
    ModuleVersion,
    Option,
    Question,
)
from .scale_data import (
    ALL_ROLES,
    PRACTICE_MODULES,
)
from .scale_rows import (
    IdAllocator,
    ScaleModule,
)


class ContentBuilder:
    """The part of the builder that sets up the modules (see scale.py)."""

    # Set by the builder before it adds modules.
    rng: random.Random
    today: date
    now: datetime
    ids: IdAllocator
    admin_id: int | None

    def _modules(self) -> list[ScaleModule]:
        self._add_practice_modules()
        versions = db.session.scalars(
            select(ModuleVersion)
            .join(Module, Module.current_version_id == ModuleVersion.id)
            .order_by(Module.id)
        ).all()
        lessons: dict[int, list[tuple[int, int]]] = {}
        for lesson_id, version_id, minutes in db.session.execute(
            select(Lesson.id, Lesson.module_version_id, Lesson.minutes)
            .where(Lesson.module_version_id.in_([v.id for v in versions]))
            .order_by(Lesson.module_version_id, Lesson.position)
        ):
            lessons.setdefault(version_id, []).append((lesson_id, minutes))
        options: dict[int, list[tuple[int, bool]]] = {}
        for option_id, question_id, correct in db.session.execute(
            select(Option.id, Option.question_id, Option.is_correct)
            .join(Question, Question.id == Option.question_id)
            .where(Question.module_version_id.in_([v.id for v in versions]))
            .order_by(Option.question_id, Option.position)
        ):
            options.setdefault(question_id, []).append((option_id, correct))
        questions = db.session.execute(
            select(Question.id, Question.module_version_id, Question.kind, Question.roles)
            .where(
                Question.module_version_id.in_([v.id for v in versions]),
                # The history's answers pick options; conversations are walked in the demo's
                # own attempts instead.
                Question.kind.not_in(["reflection", "conversation"]),
            )
            .order_by(Question.id)
        ).all()
        result = []
        for i, version in enumerate(versions):
            module = ScaleModule(
                module_id=version.module_id,
                version_id=version.id,
                lessons=lessons.get(version.id, []),
                pass_mark=version.pass_mark,
                per_attempt=version.questions_per_attempt,
                recertify=version.recertify_after_months,
                practice_required=version.practice_required,
                # Rolled out one after another, from 19 months to 2 months ago.
                rollout=self.today - timedelta(days=580 - 520 * i // max(1, len(versions) - 1)),
            )
            mine = [q for q in questions if q.module_version_id == version.id]
            for role in ALL_ROLES:
                module.questions[role] = [
                    # (id, kind, options, how likely people get it right)
                    (q.id, q.kind, options.get(q.id, []), 0.55 + 0.4 * self.rng.random())
                    for q in mine
                    if not q.roles or role in q.roles
                ]
            if module.lessons:
                result.append(module)
        return result

    def _add_practice_modules(self) -> None:
        """Seven generated modules, published as data: clearly practice content, not training."""
        existing = set(db.session.scalars(select(Module.slug)))
        published = self.now - timedelta(days=1000)
        for slug, topic, audience, lesson_count, question_count, recertify in PRACTICE_MODULES:
            if slug in existing:
                continue
            module_id, version_id = self.ids.take(Module), self.ids.take(ModuleVersion)
            db.session.execute(
                insert(Module.__table__),
                [{"id": module_id, "slug": slug, "current_version_id": None}],
            )
            db.session.execute(
                insert(ModuleVersion.__table__),
                [
                    {
                        "id": version_id,
                        "module_id": module_id,
                        "number": 1,
                        "label": "1.0",
                        "content_hash": f"generated-{slug}",
                        "title": f"Practice: {topic}",
                        "summary": f"Generated practice module about {topic.lower()}, for "
                        "trying CareLearn with a large organisation. It is placeholder content, "
                        "not training.",
                        "audience": audience,
                        "estimated_minutes": 5 * lesson_count,
                        "pass_mark": 80,
                        "questions_per_attempt": 5,
                        "recertify_after_months": recertify,
                        "published_at": published,
                    }
                ],
            )
            db.session.execute(
                insert(Lesson.__table__),
                [
                    {
                        "id": self.ids.take(Lesson),
                        "module_version_id": version_id,
                        "position": n,
                        "title": f"{topic}: part {n}",
                        "minutes": 5,
                        "body_html": f"<p>Practice lesson {n} of {lesson_count} about "
                        f"{topic.lower()}. "
                        "This text is generated so that the demo has many modules; "
                        "it is not training content.</p>"
                        "<ul><li>Greet the person.</li><li>Listen first.</li>"
                        "<li>Say what happens next.</li></ul>",
                    }
                    for n in range(1, lesson_count + 1)
                ],
            )
            question_rows, option_rows = [], []
            for n in range(1, question_count + 1):
                question_id = self.ids.take(Question)
                kind = ("single", "scenario", "true_false", "multiple")[n % 4]
                question_rows.append(
                    {
                        "id": question_id,
                        "module_version_id": version_id,
                        "key": f"practice-q{n}",
                        "kind": kind,
                        "scenario": "A generated practice situation."
                        if kind == "scenario"
                        else None,
                        "prompt": f"Practice question {n} about {topic.lower()}: which is best?",
                        "explanation": "Generated practice question: the first option is "
                        "the right one.",
                        "roles": [],
                    }
                )
                choices = (
                    [("True", True), ("False", False)]
                    if kind == "true_false"
                    else [
                        ("Option A (right)", True),
                        ("Option B (also right)", kind == "multiple"),
                        ("Option C", False),
                    ]
                )
                option_rows += [
                    {
                        "id": self.ids.take(Option),
                        "question_id": question_id,
                        "position": p,
                        "text": label,
                        "is_correct": correct,
                        "feedback": "Practice feedback.",
                    }
                    for p, (label, correct) in enumerate(choices, start=1)
                ]
            db.session.execute(insert(Question.__table__), question_rows)
            db.session.execute(insert(Option.__table__), option_rows)
            db.session.execute(
                update(Module.__table__)
                .where(Module.__table__.c.id == module_id)
                .values(current_version_id=version_id)
            )
