"""Read one module folder, checking every file, and say exactly where each problem is."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from jsonschema import Draft202012Validator, ValidationError

from ..core.text import clean_text
from .conversation import choice_length_problems, graph_problems
from .markdown import markdown_problems
from .schema import HUDDLES_SCHEMA, MODULE_SCHEMA, QUESTIONS_SCHEMA, SLUG_PATTERN

if TYPE_CHECKING:
    from .quality import QualityReport

HUDDLES_FILE = "huddles.yml"
HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>")
SURROGATE = re.compile("[\ud800-\udfff]")
# Keys and list indexes leading to a value in a YAML file, e.g. ["questions", 3, "options", 1].
KeyPath = list[str | int]


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
    file: str  # as module.yml lists it, e.g. lessons/01-hello.md
    path: Path


@dataclass
class ModuleSource:
    slug: str
    meta: dict
    lessons: list[LessonSource]
    questions: list[dict]
    content_hash: str
    problems: list[Problem] = field(default_factory=list)
    quality: QualityReport | None = None  # None when the files are too broken to judge
    huddles: list[dict] = field(default_factory=list)  # huddle cards, from huddles.yml if any


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
        text = _read_text(path, self.problems)
        if text is None:
            return
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
            self.data = yaml.safe_load(text)
        except yaml.reader.ReaderError as exc:  # a character YAML does not allow, at a position
            line = text.count("\n", 0, exc.position) + 1
            self.problems.append(Problem(path, line, f"not valid YAML: {exc.reason}"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.problems.append(Problem(path, line, f"not valid YAML: {reason}"))
        except RecursionError:  # PyYAML reads nested lists and mappings recursively
            self.problems.append(Problem(path, 1, "not valid YAML: nested too deeply"))

    def line_of(self, *keys: str | int) -> int:
        """The line of the deepest key or list item on the path that exists."""
        node, line = self.root, 1
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == key), None)
                if pair is None:
                    break
                line, node = pair[0].start_mark.line + 1, pair[1]
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(key, int)
                and key < len(node.value)
            ):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def problem(self, keys: KeyPath, message: str) -> Problem:
        return Problem(self.path, self.line_of(*keys), message)

    def validated(self, schema: dict) -> dict | None:
        """The file's data if it matches the schema (a mapping at the top), else None."""
        if self.data is None and not self.problems:
            self.problems.append(Problem(self.path, 1, "the file is empty"))
        if self.problems:
            return None
        for error in sorted(
            Draft202012Validator(schema).iter_errors(self.data), key=lambda e: list(e.absolute_path)
        ):
            keys = list(error.absolute_path)
            where = ".".join(str(k) for k in keys)
            self.problems.append(
                self.problem(keys, f"{where + ': ' if where else ''}{_schema_message(error)}")
            )
        return None if self.problems else self.data

    def html_problems(self) -> None:
        """Flag markup in any text (learners would see it raw, or worse), and characters that
        have no place in it (see unwanted_character)."""

        def walk(value, keys):
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(v, keys + [k])
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(v, keys + [i])
            elif isinstance(value, str):
                if HTML_TAG.search(value):
                    self.problems.append(
                        self.problem(keys, "unsafe HTML: write plain text, not markup")
                    )
                if found := unwanted_character(value):
                    self.problems.append(self.problem(keys, found))

        walk(self.data, [])


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    """The file's text, or None with a problem at the line of the first byte that is not UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(
            Problem(path, line, f"not UTF-8 text (byte {data[error.start]:#04x}): save as UTF-8")
        )
        return None


def unwanted_character(text: str) -> str | None:
    """What to take out of the text, if it holds a control character (other than a tab or line
    break), a bidirectional control or a lone surrogate: what forms and imports remove too."""
    if clean_text(text) == text.replace("\r\n", "\n").replace("\r", "\n"):
        surrogate = SURROGATE.search(text)
        if surrogate is None:
            return None
        return f"a lone surrogate (U+{ord(surrogate.group()):04X}): take it out"
    character = next(c for c in text if c not in "\r\n" and not clean_text(c))
    return f"a control or bidirectional character (U+{ord(character):04X}): take it out"


def _schema_message(error: ValidationError) -> str:
    """jsonschema's message, except for a list of the wrong length, which it prints whole."""
    if error.validator == "not":  # the one "not" in the schemas: text kept on one line
        return "must be on one line, with no tabs or line breaks"
    if error.validator == "minItems":
        return f"needs at least {error.validator_value}, not {len(error.instance)}"
    if error.validator == "maxItems":
        return f"may hold at most {error.validator_value}, not {len(error.instance)}"
    return error.message


def content_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_module(folder: Path) -> ModuleSource:
    problems: list[Problem] = []
    if not re.fullmatch(SLUG_PATTERN, folder.name):  # "$" would let "name\n" through
        problems.append(
            Problem(folder, 1, "folder name must be lower case letters, digits and hyphens")
        )

    meta_file = _YamlFile(folder / "module.yml")
    meta = meta_file.validated(MODULE_SCHEMA)
    lessons: list[LessonSource] = []
    if meta is None:
        meta = {}
    else:
        meta_file.html_problems()
        lessons = _load_lessons(folder, meta_file, meta["lessons"])
        _check_test_out(meta_file, meta)
    problems += meta_file.problems

    questions_file = _YamlFile(folder / "questions.yml")
    questions: list[dict] = []
    quality: QualityReport | None = None
    quality_breaks: list[Problem] = []
    questions_data = questions_file.validated(QUESTIONS_SCHEMA)
    if questions_data is not None:
        questions_file.html_problems()
        questions = questions_data["questions"]
        _check_questions(questions_file, questions, meta)
        if meta:
            # Imported here: the quality rules build on this module's Problem and LessonSource.
            from .quality import quality_problems

            quality_breaks, quality = quality_problems(
                meta, questions, lessons, questions_file.problem
            )
    problems += questions_file.problems + quality_breaks
    huddles, huddle_breaks = _load_huddles(folder)
    problems += huddle_breaks

    return ModuleSource(
        slug=folder.name,
        meta=meta,
        lessons=lessons,
        questions=questions,
        content_hash=content_hash(folder),
        problems=problems,
        quality=quality,
        huddles=huddles,
    )


def _check_test_out(file: _YamlFile, meta: dict) -> None:
    # Testing out skips the lessons, so it must ask for more than passing after them does.
    if "test_out_mark" in meta and meta["test_out_mark"] <= meta["pass_mark"]:
        file.problems.append(
            file.problem(
                ["test_out_mark"],
                f"test_out_mark must be above the pass mark ({meta['pass_mark']}): testing out "
                "skips the lessons",
            )
        )


def _load_huddles(folder: Path) -> tuple[list[dict], list[Problem]]:
    """The module's huddle cards and their problems: a module may have none (no huddles.yml)."""
    if not (folder / HUDDLES_FILE).exists():
        return [], []
    file = _YamlFile(folder / HUDDLES_FILE)
    data = file.validated(HUDDLES_SCHEMA)
    if data is None:
        return [], file.problems
    file.html_problems()
    # Imported here: the huddle rules build on this module's Problem, like the quality rules.
    from .huddles import huddle_problems

    return data["huddles"], file.problems + huddle_problems(data["huddles"], file.problem)


def _load_lessons(folder: Path, meta_file: _YamlFile, entries: list[dict]) -> list[LessonSource]:
    lessons = []
    seen = set()
    for index, entry in enumerate(entries):
        path = (folder / entry["file"]).resolve()
        if entry["file"] in seen:
            meta_file.problems.append(
                meta_file.problem(
                    ["lessons", index, "file"], f"lesson {entry['file']} is listed twice"
                )
            )
            continue
        seen.add(entry["file"])
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            meta_file.problems.append(
                meta_file.problem(
                    ["lessons", index, "file"], f"lesson file {entry['file']} does not exist"
                )
            )
            continue
        text = _read_text(path, meta_file.problems)
        if text is None:
            continue
        # Not splitlines(): it takes some control characters (\x1c, \x85) for line breaks.
        for line, found in enumerate(text.split("\n"), start=1):
            if message := unwanted_character(found):
                meta_file.problems.append(Problem(path, line, message))
        for line, message in markdown_problems(text):
            meta_file.problems.append(Problem(path, line, message))
        lessons.append(LessonSource(entry["title"], entry["minutes"], text, entry["file"], path))
    return lessons


def _check_questions(file: _YamlFile, questions: list[dict], meta: dict) -> None:
    ids = Counter(q["id"] for q in questions)
    seen = set()
    for index, q in enumerate(questions):
        at: KeyPath = ["questions", index]
        if ids[q["id"]] > 1 and q["id"] in seen:
            file.problems.append(
                file.problem(at + ["id"], f"question id {q['id']} is used more than once")
            )
        seen.add(q["id"])
        for message, keys in _question_rule_breaks(q):
            file.problems.append(file.problem(at + keys, message))
        outside = [r for r in q.get("roles", []) if meta and r not in meta["audience"]]
        if outside:
            file.problems.append(
                file.problem(
                    at + ["roles"], f"roles {', '.join(outside)} are not in the module's audience"
                )
            )
    if meta:
        _check_enough_questions(file, questions, meta)


def _question_rule_breaks(q: dict) -> list[tuple[str, KeyPath]]:
    kind = q["type"]
    options = q.get("options")
    correct = sum(1 for o in options or [] if o.get("correct"))
    breaks: list[tuple[str, KeyPath]] = []
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
        breaks.append(
            (f"a {kind} question needs exactly one correct option, not {correct}", ["options"])
        )
    if kind == "multiple" and options is not None and correct < 1:
        breaks.append(("a multiple question needs at least one correct option", ["options"]))
    if kind == "conversation":
        if options is not None:
            breaks.append(("a conversation has steps, not options", ["options"]))
        if "scenario" not in q:
            breaks.append(("a conversation question needs a scenario: the setting", []))
        breaks += graph_problems(q) + choice_length_problems(q)
    elif "steps" in q:
        breaks.append(("only a conversation question has steps", ["steps"]))
    return breaks


def _check_enough_questions(file: _YamlFile, questions: list[dict], meta: dict) -> None:
    needed = meta["questions_per_attempt"]
    for role in meta["audience"]:
        available = sum(
            1
            for q in questions
            if q["type"] != "reflection" and (not q.get("roles") or role in q["roles"])
        )
        if available < needed:
            file.problems.append(
                file.problem(
                    ["questions"],
                    f"role {role} can get only {available} scored questions; "
                    f"questions_per_attempt is {needed}",
                )
            )
