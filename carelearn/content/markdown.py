"""Lesson Markdown to safe HTML. Raw HTML is refused by the checker and escaped here anyway."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

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


def render_lesson(markdown_text: str) -> str:
    html = _parser.render(markdown_text)
    return nh3.clean(html, tags=_ALLOWED_TAGS, link_rel="noopener noreferrer")


def markdown_problems(markdown_text: str) -> list[tuple[int, str]]:
    """(line, message) for each thing a lesson must not contain."""
    problems = []
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(markdown_text)
    for token in tokens:
        line = token.map[0] + 1 if token.map else 1
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
    for number, text in enumerate(markdown_text.splitlines(), start=1):
        if UNSAFE_LINK.search(text):
            problems.append((number, "unsafe link: only http, https and mailto links are allowed"))
    if not markdown_text.strip():
        problems.append((1, "the lesson is empty"))
    return problems
