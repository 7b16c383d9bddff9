"""Assessment-quality rules for a module: questions that test understanding, not test-taking.

Each rule is one function returning the Problems it finds, placed at the offending question,
option or lesson line. The limits are the constants below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from statistics import fmean

from .bank import (
    CHOICE_TYPES,
    OPTION_TYPES,
    Locate,
    QualityReport,
    fits_role,
    is_scored,
    options_of,
    percent,
    question_texts,
    text_length,
)
from .conversation import conversation_texts
from .guessing import no_reading_pass
from .loader import KeyPath, LessonSource, Problem
from .readability import reading_ease

# 1. The right option may be strictly the longest this much more often than chance.
LONGEST_RIGHT_MARGIN = Fraction(10, 100)
# 2. The shortest option must be at least this share of the longest one's length.
SHORTEST_OPTION_SHARE = Fraction(1, 2)
# 3. This many consecutive lesson words in a question is recognition, not understanding.
RECOGNITION_RUN_WORDS = 7
# 4. Largest share of a module's questions that may be true_false.
TRUE_FALSE_MAX_SHARE = Fraction(15, 100)
# 5. Each role's scored pool must hold this many times questions_per_attempt ...
POOL_DEPTH_FACTOR = 3
# ... and a module for doctors this many questions written for doctors and not shared with nurses.
DOCTOR_ONLY_MIN = 4

# Question text a learner reads before answering: where lesson wording would give the answer away.
ANSWERED_FIELDS = ("scenario", "prompt")
# A title then one capital letter: "Mr X", "Dr. Z", "Patient A". Left alone: "I" ("as a Nurse I
# ..."), "A&E", and a sentence that starts after a title word ("ask the Nurse. A ...").
PLACEHOLDER_NAME = re.compile(
    r"\b(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof)\.?|Miss|Doctor|Professor|Nurse|Sister|Patient)"
    r"\s+[A-HJ-Z](?![\w&])"
)

PLACEHOLDER_ADVICE = (
    '"{}" is a placeholder name: use an invented ordinary name (Mrs Patel) or a role (the patient)'
)

# A word as the recognition rule compares it: letters and digits, apostrophes inside it.
WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def quality_problems(
    meta: dict,
    questions: list[dict],
    lessons: list[LessonSource],
    locate: Locate,
) -> tuple[list[Problem], QualityReport]:
    """Every rule's problems for a module whose files are otherwise well formed, and its figures."""
    report = QualityReport()
    problems = [
        *answer_length_cue(questions, locate),
        *option_length_spread(questions, locate),
        *lesson_recognition(questions, lessons, locate),
        *true_false_share(questions, locate),
        *pool_depth(meta, questions, locate),
        *no_reading_pass(meta, questions, locate, report),
        *placeholder_names(questions, lessons, locate),
        *reading_ease(questions, lessons, locate, report),
    ]
    return problems, report


def _right_is_longest(question: dict) -> bool:
    right = [text_length(o["text"]) for o in options_of(question) if o.get("correct")]
    wrong = [text_length(o["text"]) for o in options_of(question) if not o.get("correct")]
    return bool(right and wrong) and max(right) > max(wrong)


def answer_length_cue(questions: list[dict], locate: Locate) -> list[Problem]:
    """Rule 1: the right option is the longest no more often than chance allows, or picking
    the longest answer would pass."""
    choice = [
        (i, q) for i, q in enumerate(questions) if q["type"] in CHOICE_TYPES and options_of(q)
    ]
    if not choice:
        return []
    longest = [(i, q) for i, q in choice if _right_is_longest(q)]
    share = Fraction(len(longest), len(choice))
    chance = sum((Fraction(1, len(options_of(q))) for _, q in choice), Fraction(0)) / len(choice)
    limit = chance + LONGEST_RIGHT_MARGIN
    if share <= limit:
        return []
    allowed = int(limit * len(choice))
    return [
        locate(
            ["questions", longest[0][0]],
            f"the right option is the longest in {len(longest)} of {len(choice)} single and "
            f"scenario questions ({percent(share)}); at most {percent(limit)} ({allowed}) may "
            "be, or picking the longest answer passes: shorten the right option or lengthen a "
            f"wrong one in {len(longest) - allowed} of these: "
            f"{', '.join(q['id'] for _, q in longest)}",
        )
    ]


def option_length_spread(questions: list[dict], locate: Locate) -> list[Problem]:
    """Rule 2: a question's options are of comparable length, so length gives nothing away."""
    problems = []
    for index, q in enumerate(questions):
        lengths = (
            [text_length(o["text"]) for o in options_of(q)] if q["type"] in OPTION_TYPES else []
        )
        if lengths and min(lengths) < SHORTEST_OPTION_SHARE * max(lengths):
            problems.append(
                locate(
                    ["questions", index, "options", lengths.index(min(lengths))],
                    f"this option has {min(lengths)} characters, less than half the longest "
                    f"option's {max(lengths)}: write the options of {q['id']} at similar lengths "
                    "so length gives nothing away",
                )
            )
    return problems


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("\u2019", "'"))


@dataclass(frozen=True)
class _LessonWords:
    lesson: LessonSource
    words: list[str]  # compared
    written: list[str]  # as the lesson writes them, to quote
    lines: list[int]  # the lesson line of each word


def _lesson_words(lesson: LessonSource) -> _LessonWords:
    text = _LessonWords(lesson, [], [], [])
    for number, line in enumerate(lesson.markdown.splitlines(), start=1):
        for token in line.split():
            if word := "".join(_words(token)):
                text.words.append(word)
                text.written.append(token.strip("*_`[]()>|#-"))
                text.lines.append(number)
    return text


def lesson_recognition(
    questions: list[dict],
    lessons: list[LessonSource],
    locate: Locate,
) -> list[Problem]:
    """Rule 3: questions ask in their own words, so recognising a lesson's sentence is no help."""
    runs: dict[tuple[str, ...], tuple[_LessonWords, int]] = {}
    for text in map(_lesson_words, lessons):
        for start in range(len(text.words) - RECOGNITION_RUN_WORDS + 1):
            runs.setdefault(tuple(text.words[start : start + RECOGNITION_RUN_WORDS]), (text, start))
    problems = []
    for index, q in enumerate(questions):
        fields: list[tuple[KeyPath, str, str]] = [
            ([name], f"the {name}", q[name]) for name in ANSWERED_FIELDS if name in q
        ]
        fields += [
            (["options", i, "text"], "an option", o["text"]) for i, o in enumerate(options_of(q))
        ]
        fields += [
            (keys, "a step", text)
            for keys, text in conversation_texts(q)
            if keys[-1] in ("says", "situation", "text")
        ]
        for keys, label, value in fields:
            for length, quote, lesson, line in _shared_runs(_words(value), runs):
                problems.append(
                    locate(
                        ["questions", index, *keys],
                        f"{label} of {q['id']} repeats {length} words of {lesson.file}:{line} "
                        f'("{quote}"): put it in new words, so the question tests '
                        "understanding rather than recognising the lesson's sentence",
                    )
                )
    return problems


def _shared_runs(words: list[str], runs: dict) -> list[tuple[int, str, LessonSource, int]]:
    """Each longest run of words shared with a lesson: its length, the lesson's wording of it, the
    lesson and the run's first line there."""
    found, start = [], 0
    while start <= len(words) - RECOGNITION_RUN_WORDS:
        hit = runs.get(tuple(words[start : start + RECOGNITION_RUN_WORDS]))
        if hit is None:
            start += 1
            continue
        text, at = hit
        length = RECOGNITION_RUN_WORDS
        while (
            start + length < len(words)
            and at + length < len(text.words)
            and words[start + length] == text.words[at + length]
        ):
            length += 1
        quote = " ".join(text.written[at : at + length]).strip("\"'“”‘’,;:")
        found.append((length, quote, text.lesson, text.lines[at]))
        start += length
    return found


def true_false_share(questions: list[dict], locate: Locate) -> list[Problem]:
    """Rule 4: true_false questions are few, since half of them are answered by guessing."""
    true_false = [i for i, q in enumerate(questions) if q["type"] == "true_false"]
    share = Fraction(len(true_false), len(questions) or 1)
    if share <= TRUE_FALSE_MAX_SHARE:
        return []
    allowed = int(TRUE_FALSE_MAX_SHARE * len(questions))
    return [
        locate(
            ["questions", true_false[0]],
            f"{len(true_false)} of {len(questions)} questions ({percent(share)}) are true_false; "
            f"at most {percent(TRUE_FALSE_MAX_SHARE)} ({allowed}) may be, as a guess gets half of "
            f"them right: turn {len(true_false) - allowed} of them into single or scenario "
            "questions",
        )
    ]


def pool_depth(meta: dict, questions: list[dict], locate: Locate) -> list[Problem]:
    """Rule 5: each role's pool is deep enough that one attempt differs from the next."""
    per_attempt = meta["questions_per_attempt"]
    needed = POOL_DEPTH_FACTOR * per_attempt
    pools = {
        role: sum(1 for q in questions if is_scored(q) and fits_role(q, role))
        for role in meta["audience"]
    }
    problems = [
        locate(
            ["questions"],
            f"role {role} can get {pool} scored questions; at least {needed} ({POOL_DEPTH_FACTOR} "
            f"x questions_per_attempt {per_attempt}) are needed so attempts differ: add "
            f"{needed - pool} scored questions this role can get",
        )
        for role, pool in pools.items()
        if pool < needed
    ]
    for_doctors = sum(
        1
        for q in questions
        if is_scored(q) and "doctor" in q.get("roles", []) and "nurse" not in q["roles"]
    )
    if "doctor" in meta["audience"] and for_doctors < DOCTOR_ONLY_MIN:
        problems.append(
            locate(
                ["questions"],
                f"{for_doctors} scored questions are written for doctors (roles with doctor and "
                f"without nurse); at least {DOCTOR_ONLY_MIN} are needed: add "
                f"{DOCTOR_ONLY_MIN - for_doctors} on situations doctors meet",
            )
        )
    return problems


def placeholder_names(
    questions: list[dict],
    lessons: list[LessonSource],
    locate: Locate,
) -> list[Problem]:
    """Rule 7: people in examples have ordinary names or roles, not "Mr X"."""
    advice = PLACEHOLDER_ADVICE
    problems = [
        locate(["questions", index, *keys], advice.format(match.group(0)))
        for index, q in enumerate(questions)
        for keys, text in question_texts(q)
        for match in PLACEHOLDER_NAME.finditer(text)
    ]
    return problems + [
        Problem(lesson.path, number, advice.format(match.group(0)))
        for lesson in lessons
        for number, line in enumerate(lesson.markdown.splitlines(), start=1)
        for match in PLACEHOLDER_NAME.finditer(line)
    ]


def summary_lines(slug: str, report: QualityReport) -> list[str]:
    """The checker's summary for one module: no-reading pass chances and reading ease."""
    chances = ", ".join(f"{role} {percent(p, 2)}" for role, p in report.pass_probability.items())
    lines = [f"{slug}: a learner who reads nothing passes {chances}"]
    if report.lesson_ease and report.question_ease:
        lesson = min(report.lesson_ease, key=report.lesson_ease.__getitem__)
        question = min(report.question_ease, key=report.question_ease.__getitem__)
        mean = fmean([*report.lesson_ease.values(), *report.question_ease.values()])
        lines.append(
            f"{slug}: reading ease lowest lesson {report.lesson_ease[lesson]:.1f} ({lesson}), "
            f"lowest question {report.question_ease[question]:.1f} ({question}), "
            f"mean {mean:.1f}"
        )
    return lines
