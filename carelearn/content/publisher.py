"""Load checked module folders into the database as new versions, only when their files changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select

from ..core.audit import record_event
from ..extensions import db
from ..models import HuddleCard, Lesson, Module, ModuleVersion, Option, Question
from .loader import ModuleSource, Problem, load_module, module_folders
from .markdown import render_lesson


@dataclass
class ModulePublished:
    """A valid module, published as a new version or unchanged since its current one."""

    slug: str
    status: Literal["published", "unchanged"]
    version: ModuleVersion


@dataclass
class ModuleInvalid:
    """A module with problems: skipped, so its last version stays."""

    slug: str
    problems: list[Problem]
    status: Literal["invalid"] = "invalid"


PublishOutcome = ModulePublished | ModuleInvalid

# How long people have to redo a module after a major new version, unless module.yml says.
DEFAULT_GRACE_DAYS = 30


def check_content(content_dir: Path) -> tuple[list[ModuleSource], list[Problem]]:
    sources = [load_module(folder) for folder in module_folders(content_dir)]
    problems = [p for s in sources for p in s.problems]
    return sources, problems


def publish_content(content_dir: Path, actor_id: int | None = None) -> list[PublishOutcome]:
    """Publish every valid, changed module; an invalid one is skipped and its last version stays."""
    outcomes: list[PublishOutcome] = []
    for source in check_content(content_dir)[0]:
        if source.problems:
            outcomes.append(ModuleInvalid(source.slug, source.problems))
            continue
        outcomes.append(_publish_module(source, actor_id))
    db.session.commit()
    return outcomes


def _publish_module(source: ModuleSource, actor_id: int | None) -> ModulePublished:
    module = db.session.scalar(select(Module).where(Module.slug == source.slug))
    if module is None:
        module = Module(slug=source.slug)
        db.session.add(module)
        db.session.flush()
    elif module.current_version and module.current_version.content_hash == source.content_hash:
        return ModulePublished(source.slug, "unchanged", module.current_version)

    latest = db.session.scalar(
        select(func.max(ModuleVersion.number)).where(ModuleVersion.module_id == module.id)
    )
    meta = source.meta
    version = ModuleVersion(
        module=module,
        number=(latest or 0) + 1,
        label=meta["version"],
        content_hash=source.content_hash,
        title=meta["title"],
        summary=meta["summary"],
        audience=meta["audience"],
        estimated_minutes=meta["estimated_minutes"],
        pass_mark=meta["pass_mark"],
        questions_per_attempt=meta["questions_per_attempt"],
        recertify_after_months=meta.get("recertify_after_months"),
        change_kind=meta.get("change", "minor"),
        grace_days=meta.get("grace_days", DEFAULT_GRACE_DAYS),
        test_out_mark=meta.get("test_out_mark"),
        themes=meta.get("themes", []),
        practice_checklist=meta.get("practice", {}).get("checklist", []),
        practice_required=meta.get("practice", {}).get("required", False),
    )
    db.session.add(version)
    for position, lesson in enumerate(source.lessons, start=1):
        db.session.add(
            Lesson(
                module_version=version,
                position=position,
                title=lesson.title,
                minutes=lesson.minutes,
                body_html=render_lesson(lesson.markdown),
            )
        )
    for q in source.questions:
        db.session.add(_build_question(version, q))
    for position, card in enumerate(source.huddles, start=1):
        db.session.add(
            HuddleCard(
                module_version=version,
                key=card["id"],
                position=position,
                title=card["title"],
                situation=card["situation"],
                prompts=card["prompts"],
                remember=card["remember"],
            )
        )
    db.session.flush()
    module.current_version = version
    record_event(
        "content.publish",
        "module",
        module.id,
        actor_id=actor_id,
        slug=source.slug,
        version=version.number,
        label=version.label,
    )
    return ModulePublished(source.slug, "published", version)


def _build_question(version: ModuleVersion, q: dict) -> Question:
    if q["type"] == "true_false":
        options = [
            {"text": "True", "correct": q["answer"] is True, "feedback": q["explanation"]},
            {"text": "False", "correct": q["answer"] is False, "feedback": q["explanation"]},
        ]
    else:
        options = q.get("options", [])
    return Question(
        module_version=version,
        key=q["id"],
        kind=q["type"],
        scenario=q.get("scenario"),
        prompt=q["prompt"],
        explanation=q["explanation"],
        roles=q.get("roles", []),
        steps=q.get("steps"),
        options=[
            Option(
                position=i,
                text=o["text"],
                is_correct=bool(o.get("correct")),
                feedback=o["feedback"],
            )
            for i, o in enumerate(options, start=1)
        ],
    )
