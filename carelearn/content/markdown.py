"""Lesson Markdown to safe HTML. Raw HTML is refused by the checker and escaped here anyway.

One placeholder is known: a line holding only `{{ organisation vision }}` becomes a marker
element, which the lesson page replaces with the organisation's own service vision (or with
nothing, when it has none: see services/site/vision.py).
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

VISION_PLACEHOLDER = "{{ organisation vision }}"
VISION_MARKER = '<div data-organisation-vision=""></div>'  # as the sanitiser writes it
PLACEHOLDER = re.compile(r"\{\{.*?\}\}")
UNSAFE_LINK = re.compile(r"\]\(\s*<?\s*(javascript|vbscript|data):", re.IGNORECASE)
_parser = MarkdownIt("commonmark", {"html": False}).enable("table")

_ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
    "hr",
    "br",
    "a",
}


_ALLOWED_ATTRIBUTES = {**nh3.ALLOWED_ATTRIBUTES, "div": {"data-organisation-vision"}}


def render_lesson(markdown_text: str) -> str:
    tokens = _parser.parse(markdown_text)
    for start in sorted(_vision_paragraphs(tokens), reverse=True):
        # The paragraph (open, text, close) becomes the marker; raw HTML stays refused.
        tokens[start : start + 3] = [Token("html_block", "", 0, content=VISION_MARKER + "\n")]
    html = _parser.renderer.render(tokens, _parser.options, {})
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS | {"div"},
        attributes=_ALLOWED_ATTRIBUTES,
        link_rel="noopener noreferrer",
    )


def _vision_paragraphs(tokens: list[Token]) -> list[int]:
    """Where a paragraph of its own, outside lists and quotes, holds only the placeholder."""
    return [
        i
        for i, token in enumerate(tokens[:-2])
        if token.type == "paragraph_open"
        and token.level == 0
        and tokens[i + 1].content.strip() == VISION_PLACEHOLDER
    ]


def markdown_problems(markdown_text: str) -> list[tuple[int, str]]:
    """(line, message) for each thing a lesson must not contain."""
    problems = []
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(markdown_text)
    for token in tokens:
        line = _first_line(token)
        if token.type == "html_block":
            problems.append(
                (line, f"unsafe HTML: raw HTML is not allowed ({token.content.strip()[:40]})")
            )
        elif token.type == "heading_open" and token.tag == "h1":
            problems.append((line, "use '##' or lower for headings: the page supplies the title"))
        elif token.type == "inline":
            for child in token.children or []:
                if child.type == "html_inline":
                    problems.append(
                        (line, f"unsafe HTML: raw HTML is not allowed ({child.content[:40]})")
                    )
    alone = {_first_line(tokens[i]) for i in _vision_paragraphs(tokens)}
    for number, text in enumerate(markdown_text.splitlines(), start=1):
        if UNSAFE_LINK.search(text):
            problems.append((number, "unsafe link: only http, https and mailto links are allowed"))
        problems.extend((number, message) for message in _placeholder_problems(text))
        if VISION_PLACEHOLDER in text and number not in alone:
            problems.append(
                (
                    number,
                    f"put {VISION_PLACEHOLDER} on a line of its own, with a blank line before "
                    "and after it (not in a list, a quote or a table)",
                )
            )
    if not markdown_text.strip():
        problems.append((1, "the lesson is empty"))
    return problems


def _first_line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1


def _placeholder_problems(line: str) -> list[str]:
    return [
        f"unknown placeholder {found}: the only one a lesson can use is {VISION_PLACEHOLDER}, "
        "written exactly so"
        for found in PLACEHOLDER.findall(line)
        if found != VISION_PLACEHOLDER
    ]
