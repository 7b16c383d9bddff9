"""The HTML check itself: errors come back with their page, line and message; warnings pass."""

from __future__ import annotations

import pytest

from .html_check import HtmlPages

pytestmark = pytest.mark.browser

VALID = (
    '<!doctype html>\n<html lang="en"><head><title>Fine</title></head>'
    "<body><p>Hi</p></body></html>\n"
)
WARNING_ONLY = (
    '<!doctype html>\n<html lang="en"><head><title>Fine</title></head>'
    "<body><section><p>A section with no heading is only a warning.</p></section></body></html>\n"
)
BROKEN = (
    '<!doctype html>\n<html lang="en"><head><title>Broken</title></head><body>\n'
    '<p id="same">One</p>\n<p id="same">Two</p>\n'
    '<input autocomplete="None" name="x">\n</body></html>\n'
)


def test_errors_are_listed_with_page_line_and_message(tmp_path):
    pages = HtmlPages(
        {
            VALID: "GET http://127.0.0.1/fine",
            WARNING_ONLY: "GET http://127.0.0.1/warned",
            BROKEN: "POST http://127.0.0.1/broken",
        }
    )
    problems = pages.problems(tmp_path)
    assert len(problems) == 2, problems
    assert problems[0].startswith("POST http://127.0.0.1/broken, line 4: Duplicate ID “same”.")
    assert problems[1].startswith("POST http://127.0.0.1/broken, line 5: Bad value “None”")


def test_nothing_seen_is_nothing_to_check(tmp_path):
    assert HtmlPages().problems(tmp_path) == []
