"""Each audit entry as a sentence a training lead can read and hand to an inspector:
"Grace Okafor assigned Active listening to Outpatients (12 people), due 5 Jan 2027".

One describer per kind of entry (in audit_kinds.py), registered with `@describes`, says the
sentence and which of the entry's details name something (a team, a module, a person).
`load_names` reads every name a page of entries needs in a fixed number of queries (one per
kind of thing, whatever the number of entries); an entry of a kind without a describer still
reads as a line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select

from ...core.dates import format_day, format_moment
from ...extensions import db
from ...models import (
    AuditEvent,
    JobRole,
    LearningPath,
    Module,
    ModuleVersion,
    QuizAttempt,
    Team,
    User,
)

PERSON, TEAM, MODULE, SLUG, PATH, ROLE, ATTEMPT = (
    "person",
    "team",
    "module",
    "slug",
    "path",
    "role",
    "attempt",
)
# What an entry's subject is, by its subject_type.
SUBJECT_KINDS = {
    "user": PERSON,
    "team": TEAM,
    "module": MODULE,
    "learning_path": PATH,
    "quiz_attempt": ATTEMPT,
}
SYSTEM = "CareLearn"  # the actor of what CareLearn did by itself (daily jobs, commands)
MISSING = {
    PERSON: "someone no longer in CareLearn",
    TEAM: "a team no longer in CareLearn",
    MODULE: "a module no longer in CareLearn",
    SLUG: "a module no longer in CareLearn",
    PATH: "a learning path no longer in CareLearn",
    ROLE: "an unknown job role",
    ATTEMPT: "a module",
}


@dataclass
class Names:
    """The names of everything a page of entries mentions, by kind and id (or slug)."""

    found: dict[str, dict] = field(default_factory=lambda: defaultdict(dict))

    def of(self, kind: str, key) -> str:
        return self.found[kind].get(key) or MISSING[kind]


Sentence = Callable[["Said"], str]
_DESCRIBERS: dict[str, tuple[Sentence, dict[str, str]]] = {}
ACTION_LABELS: dict[str, str] = {}  # for the filter, in the order they are registered


def describes(action: str, label: str, **refs: str):
    """Register the sentence for `action`. `refs` names the details that hold ids (or a list
    of ids) of a kind of thing, e.g. team_id=TEAM, so their names are read with the page."""

    def register(sentence: Sentence) -> Sentence:
        _DESCRIBERS[action] = (sentence, refs)
        ACTION_LABELS[action] = label
        return sentence

    return register


class Said:
    """What a describer reads: the entry, its details and the names."""

    def __init__(self, event: AuditEvent, names: Names):
        self.event, self.names = event, names
        self.d: dict = event.details if isinstance(event.details, dict) else {}

    @property
    def actor(self) -> str:
        if self.event.actor_id is None:
            return SYSTEM
        return self.names.of(PERSON, self.event.actor_id)

    @property
    def subject(self) -> str:
        kind = SUBJECT_KINDS.get(self.event.subject_type)
        if kind is None or self.event.subject_id is None:
            return ""
        return self.names.of(kind, self.event.subject_id)

    def name(self, kind: str, key) -> str:
        return self.names.of(kind, key)

    def day(self, key: str) -> str:
        return self.day_of(self.d.get(key))

    @staticmethod
    def day_of(value) -> str:
        """An ISO date as people read it ("" for none)."""
        if not value:
            return ""
        try:
            return format_day(date.fromisoformat(str(value)[:10]))
        except ValueError:
            return str(value)

    def moment(self, key: str) -> str:
        try:
            return format_moment(datetime.fromisoformat(str(self.d.get(key))))
        except ValueError:
            return str(self.d.get(key) or "–")

    def count(self, key: str, one: str, many: str) -> str:
        n = self.d.get(key) or 0
        return f"{n} {one if n == 1 else many}"


def describe(event: AuditEvent, names: Names) -> str:
    said = Said(event, names)
    described = _DESCRIBERS.get(event.action)
    if described is None:
        return _fallback(said)
    try:
        return described[0](said)
    except (KeyError, TypeError, ValueError, AttributeError):
        return _fallback(said)  # details of an older shape: still a readable line


def _fallback(said: Said) -> str:
    words = said.event.action.replace(".", " ").replace("_", " ")
    subject = said.subject
    return f"{said.actor}: {words}" + (f" ({subject})" if subject else "")


def load_names(events: Sequence[AuditEvent]) -> Names:
    """Every name the entries mention, in at most one query per kind of thing."""
    wanted: dict[str, set] = defaultdict(set)
    for event in events:
        if event.actor_id is not None:
            wanted[PERSON].add(event.actor_id)
        kind = SUBJECT_KINDS.get(event.subject_type)
        if kind and event.subject_id is not None:
            wanted[kind].add(event.subject_id)
        details = event.details if isinstance(event.details, dict) else {}
        for key, ref_kind in _DESCRIBERS.get(event.action, (None, {}))[1].items():
            value = details.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, int | str) and not isinstance(item, bool):
                    wanted[ref_kind].add(item)
        if event.action == "user.update" and "job_role_id" in details.get("changes", {}):
            wanted[ROLE].update(i for i in details["changes"]["job_role_id"] if i is not None)
    names = Names()
    for kind, query in _name_queries(wanted):
        names.found[kind].update((key, name) for key, name in db.session.execute(query))
    if wanted[MODULE] or wanted[SLUG]:
        for module_id, slug, title in db.session.execute(
            select(Module.id, Module.slug, ModuleVersion.title)
            .outerjoin(ModuleVersion, ModuleVersion.id == Module.current_version_id)
            .where(or_(Module.id.in_(_ints(wanted[MODULE])), Module.slug.in_(wanted[SLUG])))
        ):
            names.found[MODULE][module_id] = names.found[SLUG][slug] = title or slug
    return names


def _ints(values: Iterable) -> list[int]:
    return sorted(v for v in values if isinstance(v, int))


def _name_queries(wanted: dict[str, set]):
    tables = {
        PERSON: (User.id, User.name),
        TEAM: (Team.id, Team.name),
        PATH: (LearningPath.id, LearningPath.name),
        ROLE: (JobRole.id, JobRole.name),
    }
    for kind, (id_column, name_column) in tables.items():
        if ids := _ints(wanted[kind]):
            yield kind, select(id_column, name_column).where(id_column.in_(ids))
    if ids := _ints(wanted[ATTEMPT]):
        yield (
            ATTEMPT,
            select(QuizAttempt.id, ModuleVersion.title)
            .join(ModuleVersion, ModuleVersion.id == QuizAttempt.module_version_id)
            .where(QuizAttempt.id.in_(ids)),
        )


def listed(items: Sequence[str], most: int = 3) -> str:
    """ "A", "A and B", "A, B and C", "A, B, C and 2 more"."""
    items = list(items)
    if len(items) > most:
        items = items[:most] + [f"{len(items) - most} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
