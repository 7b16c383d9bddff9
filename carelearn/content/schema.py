"""JSON Schemas for module.yml and questions.yml (documented for authors in modules/README.md)."""

from .conversation import OUTCOMES
from .roles import JOB_ROLES
from .themes import FEEDBACK_THEMES

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_role_list = {"type": "array", "items": {"enum": list(JOB_ROLES)}, "uniqueItems": True}
_text = {"type": "string", "minLength": 1}
# Names, titles and checklist items are shown and stored on one line. (Not a "$" pattern:
# Python's "$" also matches before a final line break.)
_line = {"not": {"pattern": "[\t\n\r]"}}

MODULE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "title",
        "summary",
        "version",
        "audience",
        "estimated_minutes",
        "pass_mark",
        "questions_per_attempt",
        "lessons",
    ],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200, **_line},
        "summary": _text,
        "version": {"type": "string", "pattern": r"^[0-9A-Za-z.\-]{1,20}$", **_line},
        "audience": {**_role_list, "minItems": 1},
        "estimated_minutes": {"type": "integer", "minimum": 1, "maximum": 240},
        "pass_mark": {"type": "integer", "minimum": 0, "maximum": 100},
        "questions_per_attempt": {"type": "integer", "minimum": 1, "maximum": 50},
        "recertify_after_months": {"type": "integer", "minimum": 1, "maximum": 120},
        # Against the version before: minor carries completions over, major has people redo it.
        "change": {"enum": ["minor", "major"]},
        "grace_days": {"type": "integer", "minimum": 0, "maximum": 365},
        # The feedback themes (content/themes.py) this module's training answers.
        "themes": {
            "type": "array",
            "items": {"enum": list(FEEDBACK_THEMES)},
            "uniqueItems": True,
            "maxItems": 4,
        },
        "test_out_mark": {"type": "integer", "minimum": 1, "maximum": 100},
        "practice": {
            "type": "object",
            "additionalProperties": False,
            "required": ["checklist"],
            "properties": {
                "required": {"type": "boolean"},
                "checklist": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 12,
                    "uniqueItems": True,
                    "items": {"type": "string", "minLength": 1, "maxLength": 200, **_line},
                },
            },
        },
        "lessons": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["file", "title", "minutes"],
                "properties": {
                    "file": {"type": "string", "pattern": r"^[A-Za-z0-9_./-]+\.md$", **_line},
                    "title": {"type": "string", "minLength": 1, "maxLength": 200, **_line},
                    "minutes": {"type": "integer", "minimum": 1, "maximum": 30},
                },
            },
        },
    },
}

_option = {
    "type": "object",
    "additionalProperties": False,
    "required": ["text", "feedback"],
    "properties": {"text": _text, "correct": {"type": "boolean"}, "feedback": _text},
}

_choice = {
    "type": "object",
    "additionalProperties": False,
    "required": ["text", "reaction", "feedback"],
    "properties": {
        "text": _text,
        "reaction": _text,
        "feedback": _text,
        "next": {"type": "string", "pattern": SLUG_PATTERN, **_line},
        "outcome": {"enum": list(OUTCOMES)},
    },
}
_step = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "choices"],
    "properties": {
        "id": {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 40, **_line},
        "says": _text,
        "situation": _text,
        "choices": {"type": "array", "minItems": 2, "maxItems": 4, "items": _choice},
    },
}

QUESTIONS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["questions"],
    "properties": {
        "questions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "type", "prompt", "explanation"],
                "properties": {
                    "id": {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 80, **_line},
                    "type": {
                        "enum": [
                            "single",
                            "multiple",
                            "true_false",
                            "scenario",
                            "reflection",
                            "conversation",
                        ]
                    },
                    "roles": {**_role_list, "minItems": 1},
                    "scenario": _text,
                    "prompt": _text,
                    "options": {"type": "array", "minItems": 2, "maxItems": 6, "items": _option},
                    "answer": {"type": "boolean"},
                    "steps": {"type": "array", "minItems": 2, "maxItems": 8, "items": _step},
                    "explanation": _text,
                },
            },
        }
    },
}

HUDDLES_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["huddles"],
    "properties": {
        "huddles": {
            "type": "array",
            "minItems": 2,
            "maxItems": 4,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "situation", "prompts", "remember"],
                "properties": {
                    "id": {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 80, **_line},
                    "title": {"type": "string", "minLength": 1, "maxLength": 80, **_line},
                    "situation": _text,
                    "prompts": {"type": "array", "minItems": 3, "maxItems": 3, "items": _text},
                    "remember": _text,
                },
            },
        }
    },
}
