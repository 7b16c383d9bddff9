"""Huddle cards: for a manager's ten-minute team huddle, a situation, three questions for the
team to discuss and the one thing to remember. huddles.yml is checked like the rest of the
content: its shape by the schema, then these rules."""

from __future__ import annotations

from collections import Counter

from .bank import Locate, as_sentence
from .loader import KeyPath, Problem
from .quality import PLACEHOLDER_ADVICE, PLACEHOLDER_NAME
from .readability import READING_EASE_MIN, flesch_ease


def card_texts(card: dict) -> list[tuple[KeyPath, str]]:
    """(key path within the card, text) of everything a card shows."""
    prompts: list[tuple[KeyPath, str]] = [
        (["prompts", i], prompt) for i, prompt in enumerate(card["prompts"])
    ]
    return [
        (["title"], card["title"]),
        (["situation"], card["situation"]),
        *prompts,
        (["remember"], card["remember"]),
    ]


def huddle_problems(cards: list[dict], locate: Locate) -> list[Problem]:
    """Ids used once, real names, and plain English (the same reading ease as questions)."""
    problems = []
    counts = Counter(card["id"] for card in cards)
    seen: set[str] = set()
    for index, card in enumerate(cards):
        at: KeyPath = ["huddles", index]
        if counts[card["id"]] > 1 and card["id"] in seen:
            message = f"huddle card id {card['id']} is used more than once"
            problems.append(locate([*at, "id"], message))
        seen.add(card["id"])
        for keys, text in card_texts(card):
            problems += [
                locate([*at, *keys], PLACEHOLDER_ADVICE.format(match.group(0)))
                for match in PLACEHOLDER_NAME.finditer(text)
            ]
        score = flesch_ease(" ".join(as_sentence(text) for _, text in card_texts(card)))
        if score < READING_EASE_MIN:
            problems.append(
                locate(
                    at,
                    f"the reading ease of huddle card {card['id']} is {score:.1f}; it must be at "
                    f"least {READING_EASE_MIN:.0f}, read out across a room: use shorter "
                    "sentences and everyday words",
                )
            )
    return problems
