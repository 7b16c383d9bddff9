"""Learning a module: published content, lesson progress, quizzes, scoring and status."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import completions, published, requirement

    published.init_app(app)
    requirement.init_app(app)
    # How each completion was earned, in the same words on every page.
    app.jinja_env.globals["method_words"] = completions.METHOD_WORDS
