"""Rule 8 of the assessment rules: lessons and questions in plain English, by Flesch reading
ease (textstat, which works offline)."""

from __future__ import annotations

import textstat
from markdown_it import MarkdownIt

from .bank import Locate, QualityReport, as_sentence, question_texts
from .loader import LessonSource, Problem

# 8. Lowest Flesch reading ease for a lesson or a question.
READING_EASE_MIN = 60.0

_markdown = MarkdownIt("commonmark").enable("table")
# Inline Markdown tokens that carry a lesson's words, and those that stand for a space.
WORDS = ("text", "code_inline")
LINE_BREAKS = ("softbreak", "hardbreak")


def lesson_plain_text(markdown: str) -> list[tuple[int, str]]:
    """(line, text) of each block of a lesson with the Markdown markup removed."""
    blocks = []
    for token in (t for t in _markdown.parse(markdown) if t.type == "inline"):
        text = "".join(
            " " if child.type in LINE_BREAKS else child.content
            for child in token.children or []
            if child.type in (*LINE_BREAKS, *WORDS)
        )
        if text.strip():
            blocks.append((token.map[0] + 1 if token.map else 1, as_sentence(text)))
    return blocks


def flesch_ease(text: str) -> float:
    """Flesch reading ease of a text (higher is easier; 60-70 is plain English)."""
    return float(textstat.flesch_reading_ease(text))


def reading_ease(
    questions: list[dict],
    lessons: list[LessonSource],
    locate: Locate,
    report: QualityReport,
) -> list[Problem]:
    """Rule 8: lessons and questions are in plain English (Flesch reading ease)."""
    problems = []
    for lesson in lessons:
        blocks = lesson_plain_text(lesson.markdown)
        if not blocks:
            continue
        ease = flesch_ease(" ".join(text for _, text in blocks))
        report.lesson_ease[lesson.file] = ease
        if ease < READING_EASE_MIN:
            hardest_line, hardest = min(blocks, key=lambda block: flesch_ease(block[1]))
            problems.append(
                Problem(
                    lesson.path,
                    hardest_line,
                    f"the lesson's reading ease is {ease:.1f}; it must be at least "
                    f"{READING_EASE_MIN:.0f}: use shorter sentences and everyday words, starting "
                    f"with this passage (reading ease {flesch_ease(hardest):.1f})",
                )
            )
    for index, q in enumerate(questions):
        ease = flesch_ease(" ".join(as_sentence(text) for _, text in question_texts(q)))
        report.question_ease[q["id"]] = ease
        if ease < READING_EASE_MIN:
            problems.append(
                locate(
                    ["questions", index],
                    f"the reading ease of {q['id']} (scenario, prompt, options, feedback and "
                    f"explanation together) is {ease:.1f}; it must be at least "
                    f"{READING_EASE_MIN:.0f}: use shorter sentences and everyday words",
                )
            )
    return problems
