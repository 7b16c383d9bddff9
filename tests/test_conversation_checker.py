"""The content checker on branching conversations: a sound one-way map, feedback on every
choice, lengths that give nothing away, and a non-reader's ending counted in the pass chance."""

from __future__ import annotations

import copy
from fractions import Fraction

import pytest

from carelearn.content.conversation import Conversation
from carelearn.content.guessing import no_reading_pass_probability
from carelearn.content.loader import load_module
from tests.content_files import line_of, module_meta, question_bank, write_module
from tests.factories import CONVERSATION_STEPS

QUESTIONS = "modules/greeting/questions.yml"


def conversation(steps=None, **fields) -> dict:
    return {
        "id": "q-talk",
        "type": "conversation",
        "scenario": "An evening in the emergency department.",
        "prompt": "Talk with the daughter.",
        "steps": copy.deepcopy(steps if steps is not None else CONVERSATION_STEPS),
        "explanation": "Say sorry, find out, and come back when you said.",
        **fields,
    }


@pytest.fixture
def problems(tmp_path, monkeypatch):
    """The problems of the sample module with this conversation added, as the checker prints."""
    monkeypatch.chdir(tmp_path)

    def check(talk: dict) -> list[str]:
        folder = write_module(tmp_path / "modules", questions=[*question_bank(), talk])
        return [str(p) for p in load_module(folder).problems]

    return check


def at(tmp_path, text: str) -> str:
    return f"{QUESTIONS}:{line_of(tmp_path / QUESTIONS, text)}"


def test_a_sound_conversation_passes(problems):
    assert problems(conversation()) == []


def test_a_next_that_names_no_step(problems, tmp_path):
    talk = conversation()
    talk["steps"][0]["choices"][0]["next"] = "nowhere"
    assert problems(talk) == [
        f"{at(tmp_path, 'next: nowhere')}: next names no step of this conversation: nowhere"
    ]


def test_a_step_id_used_twice(problems, tmp_path):
    talk = conversation()
    talk["steps"][1]["id"] = "start"
    lines = problems(talk)
    ids = [
        n
        for n, line in enumerate((tmp_path / QUESTIONS).read_text().splitlines(), 1)
        if "- id: start" in line
    ]
    assert f"{QUESTIONS}:{ids[1]}: step id start is used more than once" in lines


def test_a_loop_back_to_an_earlier_step(problems, tmp_path):
    talk = conversation()
    talk["steps"][1]["choices"][1] = {
        **talk["steps"][1]["choices"][1],
        "next": "start",
    }
    del talk["steps"][1]["choices"][1]["outcome"]
    assert problems(talk) == [
        f"{at(tmp_path, 'next: start')}: this choice leads back to step start: a conversation "
        "must always move on, so every path ends"
    ]


def test_a_step_nobody_can_reach(problems, tmp_path):
    talk = conversation()
    talk["steps"].append(copy.deepcopy(talk["steps"][1]) | {"id": "lost"})
    assert problems(talk) == [
        f"{at(tmp_path, '- id: lost')}: step lost cannot be reached from the first step"
    ]


def test_a_choice_with_both_next_and_outcome_or_neither(problems, tmp_path):
    talk = conversation()
    talk["steps"][0]["choices"][0]["outcome"] = "best"
    del talk["steps"][0]["choices"][1]["outcome"]
    lines = problems(talk)
    assert len(lines) == 2
    assert all("a choice needs either next or outcome, not both" in line for line in lines)


def test_no_poor_ending(problems, tmp_path):
    talk = conversation()
    talk["steps"][0]["choices"][1]["outcome"] = "acceptable"
    assert problems(talk) == [
        f"{at(tmp_path, 'steps:')}: no path ends poor: give at least one choice outcome: poor"
    ]


def test_a_choice_without_feedback_or_reaction_is_refused(problems):
    talk = conversation()
    del talk["steps"][0]["choices"][0]["feedback"]
    del talk["steps"][1]["choices"][0]["reaction"]
    lines = problems(talk)
    assert any("'feedback' is a required property" in line for line in lines)
    assert any("'reaction' is a required property" in line for line in lines)


def test_choices_of_very_different_lengths(problems, tmp_path):
    talk = conversation()
    talk["steps"][1]["choices"][1]["text"] = "Soon."
    assert [line for line in problems(talk) if "this choice has" in line] == [
        f"{at(tmp_path, 'text: Soon.')}: this choice has 5 characters, less than half the "
        "longest choice's 55: write the choices of step update at similar lengths so length "
        "gives nothing away"
    ]


def test_lesson_words_in_a_step_are_recognition(problems, tmp_path):
    talk = conversation()
    talk["steps"][0]["says"] = '"Ask what they like to be called, please."'
    lines = problems(talk)
    assert any(
        "a step of q-talk repeats 7 words of lessons/02-names.md:3" in line for line in lines
    )


def test_a_placeholder_name_in_a_reaction(problems):
    talk = conversation()
    talk["steps"][0]["choices"][0]["reaction"] = "Mr X nods and sits down."
    assert any('"Mr X" is a placeholder name' in line for line in problems(talk))


def test_options_on_a_conversation_or_steps_on_another_type(problems):
    talk = conversation(options=[{"text": "A", "feedback": "B"}, {"text": "C", "feedback": "D"}])
    assert any("a conversation has steps, not options" in line for line in problems(talk))
    bank_question = question_bank()[0] | {"steps": CONVERSATION_STEPS}
    assert any("only a conversation question has steps" in line for line in problems(bank_question))


def test_the_map_walks_scores_and_knows_its_best_path():
    talk = Conversation.from_steps(CONVERSATION_STEPS)
    assert talk.walk([0, 1]).outcome == "acceptable"
    assert talk.walk([0]).current.id == "update"
    assert [t.index for t in talk.best_path().taken] == [0, 0]
    assert sorted(outcome for _, outcome in talk.paths()) == ["acceptable", "best", "poor"]
    # The longest thing at each step: the first at the start, the second at "update".
    assert talk.longest_choice_outcome() == "acceptable"


def test_a_non_readers_conversation_ending_counts_in_their_pass_chance():
    never_right = {
        "id": "q",
        "type": "single",
        "prompt": "Which?",
        "options": [
            {"text": "Short.", "correct": True, "feedback": "Yes."},
            {"text": "A longer one.", "feedback": "No."},
        ],
        "explanation": "Why.",
    }
    # Each quiz is the conversation and the question, which the non-reader gets wrong. Saying the
    # longest thing ends the conversation acceptable: half a mark of 2, 25 %.
    bank = [never_right, conversation()]
    for pass_mark, chance in ((25, 1), (26, 0)):
        meta = module_meta(questions_per_attempt=2, pass_mark=pass_mark)
        assert no_reading_pass_probability(meta, bank, "nurse") == chance
    # When the longest thing at each step leads to the best ending, it is a whole mark.
    best_longest = conversation()
    best_longest["steps"][1]["choices"][0]["text"] += " I promise."
    best_longest["steps"][1]["choices"][1]["text"] = '"He is being looked after."'
    meta = module_meta(questions_per_attempt=2, pass_mark=50)
    assert no_reading_pass_probability(meta, [never_right, best_longest], "nurse") == Fraction(1)
    # A conversation written for other roles is not drawn for a nurse.
    other_roles = conversation(roles=["porter"])
    assert no_reading_pass_probability(meta, [never_right, other_roles], "nurse") == 0
