"""Read one module folder, checking every file, and say exactly where each problem is."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from .markdown import markdown_problems
from .schema import MODULE_SCHEMA, QUESTIONS_SCHEMA, SLUG_PATTERN

HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{_display(self.path)}:{self.line}: {self.message}"


@dataclass
class LessonSource:
    title: str
    minutes: int
    markdown: str


@dataclass
class ModuleSource:
    slug: str
    meta: dict
    lessons: list[LessonSource]
    questions: list[dict]
    content_hash: str
    problems: list[Problem] = field(default_factory=list)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def module_folders(content_dir: Path) -> list[Path]:
    """The module folders under content_dir, or content_dir itself when it is one module."""
    if (content_dir / "module.yml").exists():
        return [content_dir]
    return sorted(
        p for p in content_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )


class _YamlFile:
    """A parsed YAML file that can tell the line of any value in it."""

    def __init__(self, path: Path):
        self.path = path
        self.data = None
        self.root = None
        self.problems: list[Problem] = []
        if not path.exists():
            self.problems.append(Problem(path, 1, f"missing file {path.name}"))
            return
        text = path.read_text(encoding="utf-8")
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
            self.data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            reason = getattr(exc, "problem", None) or str(exc)
            self.problems.append(Problem(path, line, f"not valid YAML: {reason}"))

    def line_of(self, *keys) -> int:
        """The line of the deepest key or list item on the path that exists."""
        node, line = self.root, 1
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == key), None)
                if pair is None:
                    break
                line, node = pair[0].start_mark.line + 1, pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def problem(self, keys, message: str) -> Problem:
        return Problem(self.path, self.line_of(*keys), message)

    def validate(self, schema: dict) -> bool:
        if self.data is None and not self.problems:
            self.problems.append(Problem(self.path, 1, "the file is empty"))
        if self.problems:
            return False
        for error in sorted(Draft202012Validator(schema).iter_errors(self.data), key=lambda e: list(e.absolute_path)):
            keys = list(error.absolute_path)
            where = ".".join(str(k) for k in keys)
            self.problems.append(self.problem(keys, f"{where + ': ' if where else ''}{error.message}"))
        return not self.problems

    def html_problems(self) -> None:
        """Flag markup in any text: learners would see it raw, or worse."""
        def walk(value, keys):
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(v, keys + [k])
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(v, keys + [i])
            elif isinstance(value, str) and HTML_TAG.search(value):
                self.problems.append(self.problem(keys, "unsafe HTML: write plain text, not markup"))
        walk(self.data, [])


def content_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_module(folder: Path) -> ModuleSource:
    problems: list[Problem] = []
    if not re.match(SLUG_PATTERN, folder.name):
        problems.append(Problem(folder, 1, "folder name must be lower case letters, digits and hyphens"))

    meta_file = _YamlFile(folder / "module.yml")
    meta_ok = meta_file.validate(MODULE_SCHEMA)
    if meta_ok:
        meta_file.html_problems()
    meta = meta_file.data if meta_ok else {}
    lessons = _load_lessons(folder, meta_file) if meta_ok else []
    problems += meta_file.problems

    questions_file = _YamlFile(folder / "questions.yml")
    questions = []
    if questions_file.validate(QUESTIONS_SCHEMA):
        questions_file.html_problems()
        questions = questions_file.data["questions"]
        _check_questions(questions_file, questions, meta)
    problems += questions_file.problems

    return ModuleSource(
        slug=folder.name, meta=meta, lessons=lessons, questions=questions,
        content_hash=content_hash(folder), problems=problems,
    )


def _load_lessons(folder: Path, meta_file: _YamlFile) -> list[LessonSource]:
    lessons = []
    seen = set()
    for index, entry in enumerate(meta_file.data["lessons"]):
        path = (folder / entry["file"]).resolve()
        if entry["file"] in seen:
            meta_file.problems.append(meta_file.problem(["lessons", index, "file"], f"lesson {entry['file']} is listed twice"))
            continue
        seen.add(entry["file"])
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            meta_file.problems.append(meta_file.problem(["lessons", index, "file"], f"lesson file {entry['file']} does not exist"))
            continue
        text = path.read_text(encoding="utf-8")
        for line, message in markdown_problems(text):
            meta_file.problems.append(Problem(path, line, message))
        lessons.append(LessonSource(entry["title"], entry["minutes"], text))
    return lessons


def _check_questions(file: _YamlFile, questions: list[dict], meta: dict) -> None:
    ids = Counter(q["id"] for q in questions)
    seen = set()
    for index, q in enumerate(questions):
        at = ["questions", index]
        if ids[q["id"]] > 1 and q["id"] in seen:
            file.problems.append(file.problem(at + ["id"], f"question id {q['id']} is used more than once"))
        seen.add(q["id"])
        for message, keys in _question_rule_breaks(q):
            file.problems.append(file.problem(at + keys, message))
        outside = [r for r in q.get("roles", []) if meta and r not in meta["audience"]]
        if outside:
            file.problems.append(file.problem(at + ["roles"], f"roles {', '.join(outside)} are not in the module's audience"))
    if meta:
        _check_enough_questions(file, questions, meta)


def _question_rule_breaks(q: dict) -> list[tuple[str, list]]:
    kind = q["type"]
    options = q.get("options")
    correct = sum(1 for o in options or [] if o.get("correct"))
    breaks = []
    if kind in ("single", "multiple", "scenario") and options is None:
        breaks.append((f"a {kind} question needs options", []))
    if kind in ("true_false", "reflection") and options is not None:
        breaks.append((f"a {kind} question has no options", ["options"]))
    if kind == "true_false" and "answer" not in q:
        breaks.append(("a true_false question needs answer: true or answer: false", []))
    if kind != "true_false" and "answer" in q:
        breaks.append(("only a true_false question has an answer", ["answer"]))
    if kind == "scenario" and "scenario" not in q:
        breaks.append(("a scenario question needs a scenario", []))
    if kind in ("single", "scenario") and options is not None and correct != 1:
        breaks.append((f"a {kind} question needs exactly one correct option, not {correct}", ["options"]))
    if kind == "multiple" and options is not None and correct < 1:
        breaks.append(("a multiple question needs at least one correct option", ["options"]))
    return breaks


def _check_enough_questions(file: _YamlFile, questions: list[dict], meta: dict) -> None:
    needed = meta["questions_per_attempt"]
    for role in meta["audience"]:
        available = sum(
            1 for q in questions
            if q["type"] != "reflection" and (not q.get("roles") or role in q["roles"])
        )
        if available < needed:
            file.problems.append(file.problem(
                ["questions"],
                f"role {role} can get only {available} scored questions; "
                f"questions_per_attempt is {needed}",
            ))
