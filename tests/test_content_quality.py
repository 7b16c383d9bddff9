"""Assessment-quality rules: each names the file and line to fix; publishing refuses a breach."""

from fractions import Fraction
from itertools import combinations, product
from math import prod

import pytest
from sqlalchemy import select

from carelearn.content.guessing import (
    correct_count_distribution,
    no_reading_chance,
    no_reading_pass_probability,
)
from carelearn.content.loader import load_module
from carelearn.content.quality import true_false_share
from carelearn.content.readability import lesson_plain_text
from carelearn.models import Module
from tests.content_files import ALL_ROLES, choice, line_of, module_meta, question_bank, write_module

QUESTIONS = "modules/greeting/questions.yml"


@pytest.fixture
def problems(tmp_path, monkeypatch):
    """The problems of a module written by write_module with these arguments, as printed."""
    monkeypatch.chdir(tmp_path)

    def check(**module) -> list[str]:
        return [str(p) for p in load_module(write_module(tmp_path / "modules", **module)).problems]

    return check


def questions_file(tmp_path):
    return tmp_path / QUESTIONS


def only(lines: list[str], words: str) -> list[str]:
    """The problems that contain words: a broken bank often breaks other rules as well."""
    return [line for line in lines if words in line]


def lengthen_right_option(question: dict) -> None:
    question["options"][0]["text"] += " Then say thanks."


def test_the_sample_module_passes_every_rule(problems):
    assert problems() == []


def test_right_option_longest_too_often(problems, tmp_path):
    bank = question_bank()
    choices = [q for q in bank if q["type"] in ("single", "scenario")]
    for question in choices[:5]:
        lengthen_right_option(question)
    lines = problems(questions=bank)
    at = line_of(questions_file(tmp_path), "- id: q-desk")
    assert only(lines, "the right option is the longest") == [
        f"{QUESTIONS}:{at}: the right option is the longest in 5 of 8 single and scenario "
        "questions (62.5 %); at most 60.0 % (4) may be, or picking the longest answer passes: "
        "shorten the right option or lengthen a wrong one in 1 of these: "
        "q-desk, q-name, q-lift, q-wait, q-doc-news"
    ]


def test_right_option_longest_within_the_margin_passes(problems):
    bank = question_bank()
    for question in [q for q in bank if q["type"] in ("single", "scenario")][:4]:
        lengthen_right_option(question)
    assert only(problems(questions=bank), "the right option is the longest") == []


def test_an_option_under_half_the_longest(problems, tmp_path):
    bank = question_bank()
    bank[1]["options"][1]["text"] = "Age   only."  # 9 characters once spaces are collapsed
    lines = problems(questions=bank)
    at = line_of(questions_file(tmp_path), "- text: Age   only.")
    assert only(lines, "less than half") == [
        f"{QUESTIONS}:{at}: this option has 9 characters, less than half the longest option's 19: "
        "write the options of q-name at similar lengths so length gives nothing away"
    ]


def test_an_option_of_exactly_half_the_longest_passes(problems):
    bank = question_bank()
    bank[1]["options"][1]["text"] = "Their age."  # 10 of 19
    assert problems(questions=bank) == []


def test_lesson_words_in_a_prompt(problems, tmp_path):
    bank = question_bank()
    bank[1]["prompt"] = "Should you ASK what, they like to be called?"
    lines = problems(questions=bank)
    at = line_of(questions_file(tmp_path), "prompt: Should you ASK")
    assert lines == [
        f"{QUESTIONS}:{at}: the prompt of q-name repeats 7 words of lessons/02-names.md:3 "
        '("Ask what they like to be called."): put it in new words, so the question tests '
        "understanding rather than recognising the lesson's sentence"
    ]


def test_lesson_words_in_an_option_across_lesson_lines(problems, tmp_path):
    bank = question_bank()
    bank[5]["options"][1]["text"] = "Say the lift is out and walk on."
    lessons = {
        "lessons/01-hello.md": "## Say hello\n\nIf you say the lift\nis out and walk on.\n",
        "lessons/02-names.md": "## Use names\n\nAsk what they like to be called.\n",
    }
    lines = problems(questions=bank, lessons=lessons)
    at = line_of(questions_file(tmp_path), "- text: Say the lift")
    assert lines == [
        f"{QUESTIONS}:{at}: an option of q-lift repeats 8 words of lessons/01-hello.md:3 "
        '("say the lift is out and walk on."): put it in new words, so the question tests '
        "understanding rather than recognising the lesson's sentence"
    ]


def test_six_lesson_words_or_lesson_words_in_feedback_pass(problems):
    bank = question_bank()
    bank[1]["prompt"] = "Do you know what they like to be called?"
    bank[1]["explanation"] = "Ask what they like to be called."
    bank[1]["options"][0]["feedback"] = "Ask what they like to be called."
    assert problems(questions=bank) == []


def test_too_many_true_false_questions(problems, tmp_path):
    bank = question_bank()
    bank[6] = {
        "id": "q-wait",
        "type": "true_false",
        "prompt": "A late clinic needs no word.",
        "answer": False,
        "explanation": "Tell people how long it may be.",
    }
    lines = problems(questions=bank)
    at = line_of(questions_file(tmp_path), "- id: q-tf")
    assert only(lines, "true_false;") == [
        f"{QUESTIONS}:{at}: 2 of 11 questions (18.2 %) are true_false; at most 15.0 % (1) may be, "
        "as a guess gets half of them right: turn 1 of them into single or scenario questions"
    ]


def test_true_false_at_exactly_the_limit_passes():
    bank = [{"type": "true_false"}] * 3 + [{"type": "single"}] * 17
    assert true_false_share(bank, lambda keys, message: message) == []
    assert true_false_share(bank + [{"type": "true_false"}], lambda keys, message: message)


def test_a_shallow_pool(problems):
    lines = problems(meta=module_meta(questions_per_attempt=3))
    assert only(lines, "so attempts differ") == [
        f"{QUESTIONS}:1: role {role} can get 6 scored questions; at least 9 (3 x "
        "questions_per_attempt 3) are needed so attempts differ: add 3 scored questions this "
        "role can get"
        for role in ALL_ROLES
        if role != "doctor"
    ]


def test_doctors_need_questions_of_their_own(problems):
    bank = question_bank()
    for question in bank:
        if question.get("roles") == ["doctor"]:
            question["roles"] = ["doctor", "nurse"]
    assert only(problems(questions=bank), "written for doctors") == [
        f"{QUESTIONS}:1: 0 scored questions are written for doctors (roles with doctor and "
        "without nurse); at least 4 are needed: add 4 on situations doctors meet"
    ]


def test_a_module_without_doctors_needs_no_doctor_questions(problems):
    bank = [q for q in question_bank() if "roles" not in q]
    meta = module_meta(audience=[role for role in ALL_ROLES if role != "doctor"])
    assert problems(meta=meta, questions=bank) == []


def test_passing_without_reading(problems):
    bank = question_bank()
    for question in bank:
        if question["type"] in ("single", "scenario"):
            lengthen_right_option(question)
    lines = only(problems(questions=bank), "who reads nothing")
    # Of the 15 pairs of everyone's 6 questions, 6 are two with the right option longest and 4
    # pair one of those with the true_false, passed half the time: 8 in 15.
    assert lines[0] == (
        f"{QUESTIONS}:1: a learner in role receptionist who reads nothing passes 53.33 % of "
        "attempts by picking the longest option and guessing true or false; it must be under "
        "5.00 %: make the right option less often the longest and use fewer true_false questions"
    )
    assert len(lines) == len(ALL_ROLES)


def test_what_a_learner_who_reads_nothing_gets_right():
    tie = choice("q", "Which?", "Ten chars.", "Ten chars!", "Five.")
    assert no_reading_chance(tie) == Fraction(1, 2)
    assert no_reading_chance(choice("q", "Which?", "Short.", "A longer one.")) == 0
    assert no_reading_chance(choice("q", "Which?", "A longer one.", "Short.")) == 1
    assert no_reading_chance({"type": "true_false", "answer": True}) == Fraction(1, 2)
    assert no_reading_chance({"type": "multiple", "options": tie["options"]}) == 0


def _brute_force_counts(chances: list[Fraction], drawn: int) -> list[Fraction]:
    """Every draw of `drawn` questions, and every right/wrong outcome of it, one by one."""
    draws = list(combinations(chances, drawn))
    counts = [Fraction(0)] * (drawn + 1)
    for draw in draws:
        for outcome in product([True, False], repeat=drawn):
            p = prod(
                (c if right else 1 - c for c, right in zip(draw, outcome, strict=True)),
                start=Fraction(1),
            )
            counts[sum(outcome)] += p / len(draws)
    return counts


@pytest.mark.parametrize("drawn", [0, 1, 3, 5])
def test_correct_count_distribution_matches_brute_force(drawn):
    chances = [Fraction(1, 2), Fraction(0), Fraction(1), Fraction(1, 3), Fraction(1, 2)]
    assert correct_count_distribution(chances, drawn) == _brute_force_counts(chances, drawn)


def _brute_force_pass(meta: dict, bank: list[dict], role: str) -> Fraction:
    """Every quiz a learner in role can be drawn, as quizzes are drawn, and every outcome of it."""
    scored = [q for q in bank if q["type"] != "reflection"]
    fitting = [q for q in scored if not q.get("roles") or role in q["roles"]]
    others = [q for q in scored if q not in fitting]
    wanted = meta["questions_per_attempt"]
    firsts = list(combinations(fitting, min(wanted, len(fitting))))
    total = Fraction(0)
    for first in firsts:
        top_ups = list(combinations(others, min(wanted - len(first), len(others))))
        for top_up in top_ups:
            quiz = first + top_up
            for outcome in product([True, False], repeat=len(quiz)):
                if sum(outcome) * 100 >= meta["pass_mark"] * len(quiz):
                    chances = (no_reading_chance(q) for q in quiz)
                    total += prod(
                        (c if right else 1 - c for c, right in zip(chances, outcome, strict=True)),
                        start=Fraction(1),
                    ) / (len(firsts) * len(top_ups))
    return total


@pytest.mark.parametrize("role", ["porter", "nurse", "cleaner"])
def test_pass_probability_matches_brute_force(role):
    bank = [
        {"id": "t1", "type": "true_false", "roles": ["porter"]},
        choice("a", "Which?", "A longer one.", "Short.", roles=["porter"]),
        choice("b", "Which?", "Same size", "Same,size"),
        choice("m", "Which?", "A longer one.", "Short.", kind="multiple"),
        {"id": "t2", "type": "true_false", "roles": ["nurse"]},
        choice("c", "Which?", "Short.", "A longer one.", roles=["porter"]),
        {"id": "r", "type": "reflection"},
    ]
    meta = module_meta(questions_per_attempt=4, pass_mark=75)
    # A porter draws 4 of 5; a nurse has 3 and is topped up by 1, a cleaner has 2 and gets 2 more.
    expected = _brute_force_pass(meta, bank, role)
    assert 0 < expected < 1
    assert no_reading_pass_probability(meta, bank, role) == expected


def test_placeholder_names_in_questions_and_lessons(problems, tmp_path):
    bank = question_bank()
    bank[5]["prompt"] = "Mr X looks lost by the lift. What do you do?"
    lessons = {
        "lessons/01-hello.md": "## Say hello\n\nLook up and smile.\n\nDr. Z smiles too.\n",
        "lessons/02-names.md": "## Use names\n\nAsk what they like to be called.\n",
    }
    lines = problems(questions=bank, lessons=lessons)
    at = line_of(questions_file(tmp_path), "prompt: Mr X")
    advice = (
        "is a placeholder name: use an invented ordinary name (Mrs Patel) or a role (the patient)"
    )
    assert lines == [
        f'{QUESTIONS}:{at}: "Mr X" {advice}',
        f'modules/greeting/lessons/01-hello.md:5: "Dr. Z" {advice}',
    ]


def test_ordinary_names_pass(problems):
    bank = question_bank()
    bank[5]["prompt"] = "Mrs Patel looks lost by the lift. What does the patient need?"
    assert problems(questions=bank) == []


HARD = (
    "Interdisciplinary communication necessitates comprehensive organisational "
    "accountability, institutional responsiveness and professional reflexivity."
)


def test_a_hard_to_read_lesson_points_at_its_hardest_passage(problems):
    lessons = {
        "lessons/01-hello.md": f"## Say hello\n\nLook up and smile.\n\n{HARD}\n",
        "lessons/02-names.md": "## Use names\n\nAsk what they like to be called.\n",
    }
    (line,) = problems(lessons=lessons)
    assert line.startswith("modules/greeting/lessons/01-hello.md:5: the lesson's reading ease is ")
    assert (
        "; it must be at least 60: use shorter sentences and everyday words, starting with "
        "this passage (reading ease " in line
    )


def test_a_hard_to_read_question(problems, tmp_path):
    bank = question_bank()
    bank[1]["explanation"] = HARD
    (line,) = problems(questions=bank)
    at = line_of(questions_file(tmp_path), "- id: q-name")
    assert line.startswith(
        f"{QUESTIONS}:{at}: the reading ease of q-name (scenario, prompt, "
        "options, feedback and explanation together) is "
    )
    assert line.endswith("; it must be at least 60: use shorter sentences and everyday words")


def test_lesson_text_is_read_without_its_markup():
    markdown = "## A heading\n\nSome **bold** and [a link](https://example.org).\n\n- one\n- two\n"
    assert lesson_plain_text(markdown) == [
        (1, "A heading."),
        (3, "Some bold and a link."),
        (5, "one."),
        (6, "two."),
    ]


def test_check_prints_the_no_reading_pass_and_reading_ease_summary(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_module(tmp_path / "modules")
    result = app.test_cli_runner().invoke(args=["content", "check", "modules"])
    assert result.exit_code == 0, result.output
    first, second, ok = result.output.splitlines()
    assert first == "greeting: a learner who reads nothing passes " + ", ".join(
        f"{role} 0.00 %" for role in ALL_ROLES
    )
    assert second.startswith("greeting: reading ease lowest lesson ")
    assert " (lessons/01-hello.md), lowest question " in second and " (q-signs), mean " in second
    assert ok.startswith("OK: 1 modules")


def test_publish_refuses_a_module_that_breaks_a_rule(app, db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bank = question_bank()
    bank[5]["prompt"] = "Patient A looks lost by the lift. What do you do?"
    write_module(tmp_path / "modules", questions=bank)
    result = app.test_cli_runner().invoke(args=["content", "publish"])
    assert result.exit_code == 1
    at = line_of(questions_file(tmp_path), "prompt: Patient A")
    assert "not published greeting: 1 problem(s)" in result.output
    assert f'  {QUESTIONS}:{at}: "Patient A" is a placeholder name' in result.output
    assert db.session.scalar(select(Module).where(Module.slug == "greeting")) is None
