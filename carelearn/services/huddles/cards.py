"""The huddle cards a manager chooses from, and a card shown a step at a time in presenter mode:
the situation, each of its three questions, then the one thing to remember."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...models import HuddleCard, ModuleVersion
from ..training import published


@dataclass(frozen=True)
class Card:
    id: int
    title: str
    situation: str
    prompts: tuple[str, ...]
    remember: str
    module_title: str


@dataclass(frozen=True)
class ModuleCards:
    """A module's cards, from its current version, in the order the module gives them."""

    module_id: int
    title: str
    cards: list[Card]


def _card(row: HuddleCard, module_title: str) -> Card:
    return Card(row.id, row.title, row.situation, tuple(row.prompts), row.remember, module_title)


def offered_cards() -> list[ModuleCards]:
    """The cards of every module's current version, grouped by module (by title): one query."""
    versions = published.current_versions()
    by_version: dict[int, list[Card]] = {v.id: [] for v in versions}
    titles = {v.id: v.title for v in versions}
    if by_version:
        for row in db.session.scalars(
            select(HuddleCard)
            .where(HuddleCard.module_version_id.in_(list(by_version)))
            .order_by(HuddleCard.module_version_id, HuddleCard.position)
        ):
            by_version[row.module_version_id].append(_card(row, titles[row.module_version_id]))
    return [
        ModuleCards(v.module_id, v.title, by_version[v.id]) for v in versions if by_version[v.id]
    ]


def find_card(card_id: int) -> Card | None:
    """Any published card, current or of an older version (a huddle may have begun with it
    just before a new version was published); None for an id that is no card."""
    row = db.session.execute(
        select(HuddleCard, ModuleVersion.title)
        .join(ModuleVersion, ModuleVersion.id == HuddleCard.module_version_id)
        .where(HuddleCard.id == card_id)
    ).first()
    return _card(row[0], row[1]) if row else None


@dataclass(frozen=True)
class Step:
    number: int  # from 1
    total: int
    label: str  # what the step is: "The situation", "Question 2 of 3", "Remember"
    text: str

    @property
    def is_first(self) -> bool:
        return self.number == 1

    @property
    def is_last(self) -> bool:
        return self.number == self.total


def card_steps(card: Card) -> list[Step]:
    """The card as it is shown to the team, one step at a time."""
    parts = [("The situation", card.situation)]
    parts += [
        (f"Question {n} of {len(card.prompts)}", prompt)
        for n, prompt in enumerate(card.prompts, start=1)
    ]
    parts.append(("Remember", card.remember))
    return [
        Step(number, len(parts), label, text) for number, (label, text) in enumerate(parts, start=1)
    ]


def card_step(card: Card, number: int) -> Step | None:
    steps = card_steps(card)
    return steps[number - 1] if 1 <= number <= len(steps) else None
