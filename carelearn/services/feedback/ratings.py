"""Learners' ratings of the modules they completed: how useful each version was, 1 to 5, with an
optional comment. One rating per person and version, which they may change. Admins read them
per module and version without names, so learners can be candid: the audit entry says that a
learner rated a module, but not who, and never the stars or the comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from ...core.audit import record_event
from ...core.clock import utcnow
from ...core.identifiers import identifier_problem
from ...core.numbers import parse_id
from ...extensions import db
from ...models import Completion, ModuleRating, ModuleVersion, User

STARS = (1, 2, 3, 4, 5)
COMMENT_MAX = 1000
COMMENTS_PER_PAGE = 20
QUESTION = "How useful was this module?"


class RatingProblem(ValueError):
    """What to fix, on the field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class RatingProblems(ValueError):
    def __init__(self, problems: list[RatingProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class NotCompleted(LookupError):
    """No such version, or not one this person completed: the same to them (a 404)."""


def completed_version(person: User, version_id: int) -> ModuleVersion | None:
    """The module version, if this person has completed it."""
    return db.session.scalar(
        select(ModuleVersion).where(
            ModuleVersion.id == version_id,
            select(Completion.id)
            .where(Completion.user_id == person.id, Completion.module_version_id == version_id)
            .exists(),
        )
    )


def own_rating(person: User, version_id: int) -> ModuleRating | None:
    return db.session.scalar(
        select(ModuleRating).where(
            ModuleRating.user_id == person.id, ModuleRating.module_version_id == version_id
        )
    )


@dataclass(frozen=True)
class RatingOffer:
    """A completed version's rating form: the person's rating so far, if any."""

    rating: ModuleRating | None


def rating_offer(person: User, version_id: int) -> RatingOffer | None:
    """What the rating form shows for this version, or None if the person has not completed it
    (one query)."""
    row = db.session.execute(
        select(Completion.id, ModuleRating)
        .outerjoin(
            ModuleRating,
            (ModuleRating.user_id == Completion.user_id)
            & (ModuleRating.module_version_id == Completion.module_version_id),
        )
        .where(Completion.user_id == person.id, Completion.module_version_id == version_id)
        .limit(1)
    ).first()
    return None if row is None else RatingOffer(row[1])


def unrated_versions(person: User) -> list[ModuleVersion]:
    """The versions this person completed and has not rated yet, by title (one query)."""
    rated = select(ModuleRating.module_version_id).where(ModuleRating.user_id == person.id)
    done = select(Completion.module_version_id).where(Completion.user_id == person.id)
    return list(
        db.session.scalars(
            select(ModuleVersion)
            .where(ModuleVersion.id.in_(done), ModuleVersion.id.not_in(rated))
            .order_by(func.lower(ModuleVersion.title), ModuleVersion.number)
        )
    )


def parse_rating(stars: str | None, comment: str | None) -> tuple[int, str | None]:
    """The stars as a number and the comment (None when empty); RatingProblems names each
    thing to fix. A comment with a patient's details is refused, and never kept or logged."""
    problems = []
    value = (stars or "").strip()
    number = parse_id(value)  # "²" is a digit to str.isdigit, but no number int() reads
    if not value:
        problems.append(RatingProblem("stars", "Choose how useful the module was, from 1 to 5."))
    elif number not in STARS:
        problems.append(RatingProblem("stars", "Choose a number of stars from 1 to 5."))
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        problems.append(
            RatingProblem(
                "comment",
                f"Write the comment in {COMMENT_MAX} characters or fewer (this is {len(text)}).",
            )
        )
    elif patient_details := identifier_problem(text, "The comment"):
        problems.append(RatingProblem("comment", patient_details))
    if problems:
        raise RatingProblems(problems)
    assert number is not None
    return number, text or None


def save_rating(person: User, version_id: int, stars: str | None, comment: str | None) -> bool:
    """Save this person's rating of a version they completed, or change the one they gave;
    True when it is their first. The caller commits. Raises NotCompleted or RatingProblems."""
    version = completed_version(person, version_id)
    if version is None:
        raise NotCompleted(version_id)
    number, text = parse_rating(stars, comment)
    first = own_rating(person, version_id) is None
    # Race-safe: two saves at once (two tabs) leave one row, holding the later one.
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    values = {"stars": number, "comment": text, "rated_at": utcnow()}
    db.session.execute(
        insert(ModuleRating)
        .values(user_id=person.id, module_version_id=version.id, **values)
        .on_conflict_do_update(index_elements=["user_id", "module_version_id"], set_=values)
    )
    # No actor: "Tom rated it" next to the only comment of the month would name its writer.
    record_event("rating.save", "module", version.module_id, version=version.label, first=first)
    return first


# -- What admins read ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRatings:
    version_id: int
    module_id: int
    title: str
    label: str
    count: int
    distribution: dict[int, int]  # stars → how many

    @property
    def average(self) -> float:
        return round(sum(s * n for s, n in self.distribution.items()) / self.count, 1)

    def percent(self, stars: int) -> int:
        return round(100 * self.distribution[stars] / self.count)


def rating_summaries(version_id: int | None = None) -> list[VersionRatings]:
    """Every rated version (or the one asked for), by module title then newest version first
    (one query)."""
    query = (
        select(
            ModuleVersion.id,
            ModuleVersion.module_id,
            ModuleVersion.title,
            ModuleVersion.label,
            ModuleVersion.number,
            ModuleRating.stars,
            func.count(),
        )
        .join(ModuleRating, ModuleRating.module_version_id == ModuleVersion.id)
        .group_by(ModuleVersion.id, ModuleRating.stars)
    )
    if version_id is not None:
        query = query.where(ModuleVersion.id == version_id)
    rows = db.session.execute(query).all()
    found: dict[int, tuple] = {}
    for version_id, module_id, title, label, number, stars, count in rows:
        entry = found.setdefault(
            version_id, (module_id, title, label, number, dict.fromkeys(STARS, 0))
        )
        entry[4][stars] = count
    summaries = [
        VersionRatings(version_id, module_id, title, label, sum(dist.values()), dist)
        for version_id, (module_id, title, label, _number, dist) in found.items()
    ]
    numbers = {version_id: entry[3] for version_id, entry in found.items()}
    return sorted(summaries, key=lambda v: (v.title.lower(), v.module_id, -numbers[v.version_id]))


def version_summary(version_id: int) -> VersionRatings | None:
    return next(iter(rating_summaries(version_id)), None)


@dataclass(frozen=True)
class Comment:
    stars: int
    text: str
    month: datetime  # the month only: a day and time could be matched with who was on shift


@dataclass(frozen=True)
class CommentsPage:
    comments: list[Comment]
    page: int
    pages: int
    total: int


def version_comments(version_id: int, page: int = 1) -> CommentsPage:
    """A page of a version's comments, newest first, without names (two queries)."""
    with_text = select(ModuleRating).where(
        ModuleRating.module_version_id == version_id, ModuleRating.comment.is_not(None)
    )
    total = db.session.scalar(select(func.count()).select_from(with_text.subquery())) or 0
    pages = max(1, -(-total // COMMENTS_PER_PAGE))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        with_text.order_by(ModuleRating.rated_at.desc(), ModuleRating.id.desc())
        .limit(COMMENTS_PER_PAGE)
        .offset((page - 1) * COMMENTS_PER_PAGE)
    )
    comments = [Comment(r.stars, r.comment or "", r.rated_at.replace(day=1)) for r in rows]
    return CommentsPage(comments, page, pages, total)
