"""Huddle cards in the content: 2-4 per module, each a situation, three questions and one thing
to remember, checked for shape, ids, real names and reading ease with path:line messages."""

from __future__ import annotations

import copy

import pytest
import yaml

from carelearn.config import PROJECT_ROOT
from carelearn.content.loader import load_module, module_folders
from tests.content_files import line_of, write_module

HUDDLES = "modules/greeting/huddles.yml"
CARD = {
    "id": "the-long-queue",
    "title": "The long queue at eight",
    "situation": "Every line rings and three people wait at the desk. One of us is off sick.",
    "prompts": [
        "What do we say first to the people who are waiting?",
        "Who picks up the phones when the desk is busy?",
        "What did we try last week, and did it help?",
    ],
    "remember": "Look up, smile and say when you will be with them.",
}


@pytest.fixture
def problems(tmp_path, monkeypatch):
    """The problems of the sample module with these huddle cards, as the checker prints them."""
    monkeypatch.chdir(tmp_path)

    def check(cards) -> list[str]:
        folder = write_module(tmp_path / "modules")
        (folder / "huddles.yml").write_text(yaml.safe_dump({"huddles": cards}, sort_keys=False))
        return [str(p) for p in load_module(folder).problems]

    return check


def cards(count: int = 2) -> list[dict]:
    return [copy.deepcopy(CARD) | {"id": f"card-{n}"} for n in range(count)]


def test_two_to_four_sound_cards_pass_and_are_loaded(problems, tmp_path):
    assert problems(cards(2)) == []
    assert problems(cards(4)) == []
    loaded = load_module(tmp_path / "modules" / "greeting")
    assert [card["id"] for card in loaded.huddles] == [f"card-{n}" for n in range(4)]


def test_a_module_without_a_huddles_file_has_no_cards(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = write_module(tmp_path / "modules")
    module = load_module(folder)
    assert module.problems == [] and module.huddles == []


@pytest.mark.parametrize("count", [1, 5])
def test_too_few_or_too_many_cards(problems, count):
    wanted = "needs at least 2, not 1" if count == 1 else "may hold at most 4, not 5"
    assert problems(cards(count)) == [f"{HUDDLES}:1: huddles: {wanted}"]


def test_exactly_three_prompts(problems, tmp_path):
    two = cards()
    two[1]["prompts"] = two[1]["prompts"][:2]
    lines = problems(two)
    assert len(lines) == 1
    assert lines[0].startswith(f"{HUDDLES}:{line_of(tmp_path / HUDDLES, '- id: card-1') + 4}:")
    assert "huddles.1.prompts" in lines[0]


def test_a_card_id_used_twice(problems, tmp_path):
    twice = cards()
    twice[1]["id"] = "card-0"
    lines = problems(twice)
    second = [
        n
        for n, line in enumerate((tmp_path / HUDDLES).read_text().splitlines(), 1)
        if "- id: card-0" in line
    ][1]
    assert lines == [f"{HUDDLES}:{second}: huddle card id card-0 is used more than once"]


def test_a_hard_to_read_card_and_a_placeholder_name(problems, tmp_path):
    hard = cards()
    hard[0]["situation"] = (
        "Organisational communication deficiencies consistently necessitate comprehensive "
        "interdepartmental reconciliation, notwithstanding considerable administrative "
        "investment."
    )
    hard[1]["remember"] = "Tell Mr X what happens next."
    lines = problems(hard)
    assert any(
        line.startswith(
            f"{HUDDLES}:{line_of(tmp_path / HUDDLES, '- id: card-0')}: the reading "
            "ease of huddle card card-0 is"
        )
        for line in lines
    ), lines
    assert any('"Mr X" is a placeholder name' in line for line in lines)


def test_markup_in_a_card_is_refused(problems):
    marked = cards()
    marked[0]["title"] = "<b>The long queue</b>"
    assert any("unsafe HTML" in line for line in problems(marked))


def test_every_module_we_ship_has_two_to_four_huddle_cards():
    for folder in module_folders(PROJECT_ROOT / "modules"):
        module = load_module(folder)
        assert 2 <= len(module.huddles) <= 4, folder.name


def test_publishing_keeps_the_cards_with_their_version_and_a_changed_card_makes_a_new_one(
    app, db, tmp_path
):
    from sqlalchemy import select

    from carelearn.models import HuddleCard

    folder = write_module(tmp_path / "modules")
    (folder / "huddles.yml").write_text(yaml.safe_dump({"huddles": cards(3)}, sort_keys=False))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "publish"]).exit_code == 0
    stored = db.session.scalars(select(HuddleCard).order_by(HuddleCard.position)).all()
    assert [(c.position, c.key, len(c.prompts)) for c in stored] == [
        (1, "card-0", 3),
        (2, "card-1", 3),
        (3, "card-2", 3),
    ]
    first_version = stored[0].module_version_id
    changed = cards(2)
    changed[0]["remember"] = "Say when you will be back, and come back."
    (folder / "huddles.yml").write_text(yaml.safe_dump({"huddles": changed}, sort_keys=False))
    assert runner.invoke(args=["content", "publish"]).exit_code == 0
    newest = db.session.scalars(
        select(HuddleCard).where(HuddleCard.module_version_id != first_version)
    ).all()
    assert [c.remember for c in newest][0] == "Say when you will be back, and come back."
    # The first version keeps its three cards, for the huddles already held with them.
    assert (
        len(
            [
                c
                for c in db.session.scalars(select(HuddleCard))
                if c.module_version_id == first_version
            ]
        )
        == 3
    )
