"""Writing small module folders to disk, for the content checker and publisher tests."""

from __future__ import annotations

from pathlib import Path

import yaml

ALL_ROLES = [
    "receptionist",
    "admin-staff",
    "nurse",
    "doctor",
    "healthcare-assistant",
    "porter",
    "cleaner",
]


def module_meta(**changes) -> dict:
    meta = {
        "title": "Greeting patients",
        "summary": "Saying hello well.",
        "version": "1.0",
        "audience": ALL_ROLES,
        "estimated_minutes": 10,
        "pass_mark": 80,
        "questions_per_attempt": 2,
        "recertify_after_months": 12,
        "lessons": [
            {"file": "lessons/01-hello.md", "title": "Hello", "minutes": 5},
            {"file": "lessons/02-names.md", "title": "Names", "minutes": 5},
        ],
    }
    meta.update(changes)
    return meta


def choice(
    qid: str,
    prompt: str,
    right: str,
    *wrong: str,
    kind: str = "single",
    roles: list[str] | None = None,
) -> dict:
    """A single (or scenario) question with one right option and the given wrong ones."""
    question = {"id": qid, "type": kind, **({"roles": roles} if roles else {}), "prompt": prompt}
    question["options"] = [{"text": right, "correct": True, "feedback": "Yes, this helps."}]
    question["options"] += [{"text": text, "feedback": "This can wait."} for text in wrong]
    return {**question, "explanation": "Keep it short and kind."}


def question_bank() -> list[dict]:
    """Seven scored questions for everyone and four for doctors alone, so every job role has a
    pool three times questions_per_attempt and the bank passes the assessment-quality rules."""
    return [
        {
            "id": "q-desk",
            "type": "scenario",
            "scenario": "A queue forms while the phone rings.",
            "prompt": "What do you do first?",
            "options": [
                {
                    "text": "Smile at the queue and answer the phone.",
                    "correct": True,
                    "feedback": "Both feel seen.",
                },
                {
                    "text": "Let it ring until the queue has gone down.",
                    "feedback": "The caller may be unwell.",
                },
            ],
            "explanation": "Let all who wait know you see them.",
        },
        {
            "id": "q-name",
            "type": "single",
            "prompt": "What do you say first?",
            "options": [
                {
                    "text": "Your name and role.",
                    "correct": True,
                    "feedback": "People want to know who you are.",
                },
                {"text": "Their date of birth.", "feedback": "Introduce yourself first."},
            ],
            "explanation": "Hello, my name is.",
        },
        {
            "id": "q-signs",
            "type": "multiple",
            "prompt": "Which show you are listening?",
            "options": [
                {"text": "Eye contact.", "correct": True, "feedback": "Yes."},
                {"text": "Nodding.", "correct": True, "feedback": "Yes."},
                {"text": "Typing.", "feedback": "No."},
            ],
            "explanation": "Show it with your body.",
        },
        {
            "id": "q-tf",
            "type": "true_false",
            "prompt": "A smile can be heard on the phone.",
            "answer": True,
            "explanation": "Tone carries.",
        },
        {
            "id": "q-reflect",
            "type": "reflection",
            "prompt": "What will you try tomorrow?",
            "explanation": "Pick one small thing.",
        },
        choice(
            "q-lift",
            "A man looks lost by the lift. What do you do?",
            "Ask where he needs to go.",
            "Point to the desk and walk on.",
        ),
        choice(
            "q-wait",
            "The clinic runs late. What do you tell people?",
            "How long it may be.",
            "That it will not be long.",
        ),
        choice(
            "q-doc-news",
            "You have bad news to give. Where do you start?",
            "Ask what they know.",
            "Give the facts at once.",
            roles=["doctor"],
        ),
        choice(
            "q-doc-tears",
            "Your clinic is full and a patient starts to cry. What now?",
            "Pause and let them talk.",
            "Book a new slot for them.",
            roles=["doctor"],
        ),
        choice(
            "q-doc-plan",
            "What helps a patient take in a plan?",
            "Short, plain words.",
            "Long, full medical terms.",
            roles=["doctor"],
        ),
        choice(
            "q-doc-ward",
            "How do you greet a patient on the ward?",
            "Say your name and role.",
            "Read out their notes first.",
            roles=["doctor"],
        ),
    ]


def write_module(
    root: Path,
    slug: str = "greeting",
    meta: dict | None = None,
    questions: list[dict] | None = None,
    lessons: dict[str, str] | None = None,
) -> Path:
    folder = root / slug
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    meta = meta if meta is not None else module_meta()
    (folder / "module.yml").write_text(yaml.safe_dump(meta, sort_keys=False))
    bank = questions if questions is not None else question_bank()
    (folder / "questions.yml").write_text(yaml.safe_dump({"questions": bank}, sort_keys=False))
    default_lessons = {
        "lessons/01-hello.md": "## Say hello\n\nLook up and smile.\n",
        "lessons/02-names.md": "## Use names\n\nAsk what they like to be called.\n",
    }
    for name, body in (lessons if lessons is not None else default_lessons).items():
        (folder / name).write_text(body)
    return folder


def line_of(path: Path, text: str) -> int:
    """The number of the first line of the file that contains text."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)
