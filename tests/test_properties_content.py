"""Module folders with hostile files: the checker and the publisher report every problem as
`path:line: message` and never fail with an error; a module with problems is never published,
and a module that is published stores nothing broken."""

from __future__ import annotations

import itertools
import re
import shutil

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from carelearn.config import PROJECT_ROOT
from carelearn.content.publisher import check_content, publish_content
from carelearn.models import ModuleVersion
from tests.content_files import write_module
from tests.hostile import CONTROLS, NOT_UTF8, broken_rows, examples, hostile_text

FILES = ["module.yml", "questions.yml", "huddles.yml", "lessons/01-hello.md"]
# Where a change lands: indexes into keys in sorted order (module.yml's title, label, summary;
# the first question's prompt).
TITLE, VERSION, SUMMARY, PROMPT = 7, 8, 6, 3
PROBLEM_LINE = re.compile(r"[^\n]+:[0-9]+: [^\n]+")

# Values of any YAML type, of the wrong type where a file expects another.
yaml_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True),
        hostile_text,
        st.dates(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(hostile_text, inner, max_size=3)
    ),
    max_leaves=6,
)
# Whole files no author meant to write: too deep, an alias bomb kept small, not YAML at all.
odd_files = st.sampled_from(
    [
        b"[" * 3000 + b"]" * 3000,
        b"a: " + b"{b: " * 1500 + b"}" * 1500,
        b"a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c, *c]\n",
        b"title: !!python/object/apply:os.system [echo]\n",
        b"questions: !!binary aGVsbG8=\n",
        b"\xef\xbb\xbftitle: with a byte order mark\n",
        b"- just\n- a list\n",
        b"%YAML 9.9\n---\n",
        b"",
    ]
)
_change = st.one_of(
    st.tuples(st.just("set"), st.lists(st.integers(0, 30), min_size=1, max_size=5), yaml_values),
    st.tuples(st.just("drop"), st.lists(st.integers(0, 30), min_size=1, max_size=5), st.none()),
    st.tuples(
        st.just("add"),
        st.lists(st.integers(0, 30), max_size=4),
        st.tuples(hostile_text, yaml_values),
    ),
)
_damage = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.sampled_from(NOT_UTF8 + CONTROLS)),
    st.tuples(st.just("replace"), st.none(), odd_files),
    st.tuples(st.just("remove"), st.none(), st.none()),
)
# For some files: changes to what the file holds, then (sometimes) damage to its bytes.
plans = st.dictionaries(
    st.sampled_from(FILES),
    st.tuples(st.lists(_change, max_size=3), st.none() | _damage),
    min_size=1,
)
_folders = itertools.count()


def _changed(data, plan):
    """The file's data with each change made at the place its indexes lead to."""
    for how, indexes, value in plan:
        parent, key, node = None, None, data
        for n in indexes:
            if isinstance(node, dict) and node:
                parent, key = node, sorted(node, key=str)[n % len(node)]
            elif isinstance(node, list) and node:
                parent, key = node, n % len(node)
            else:
                break
            node = parent[key]
        if how == "add" and isinstance(node, dict):
            node[value[0]] = value[1]
        elif how == "set" and parent is not None:
            parent[key] = value
        elif how == "drop" and parent is not None:
            del parent[key]
    return data


def hostile_module(root, plans) -> None:
    folder = write_module(root)
    shutil.copy(PROJECT_ROOT / "modules/active-listening/huddles.yml", folder / "huddles.yml")
    for name, (changes, damage) in plans.items():
        path = folder / name
        if name.endswith(".yml"):
            data = _changed(yaml.safe_load(path.read_text()), changes)
            path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        else:
            # A lesson gets the values as lines of Markdown; a lone surrogate as broken bytes.
            text = path.read_text() + "".join(f"{value}\n" for _how, _at, value in changes)
            path.write_text(text, errors="surrogatepass")
        if damage is None:
            continue
        how, where, what = damage
        if how == "remove":
            path.unlink()
        elif how == "replace":
            path.write_bytes(what)
        else:
            raw = path.read_bytes()
            at = where % (len(raw) + 1)
            path.write_bytes(
                raw[:at] + (what if isinstance(what, bytes) else what.encode()) + raw[at:]
            )


def test_hostile_module_folders_are_reported_and_never_published(app, db, tmp_path):
    @examples(60)
    @given(plans=plans)
    def check_and_publish(plans):
        root = tmp_path / f"content-{next(_folders)}"
        hostile_module(root, plans)
        _sources, problems = check_content(root)
        for problem in problems:
            assert PROBLEM_LINE.fullmatch(str(problem)), str(problem)
        before = db.session.scalar(select(func.count(ModuleVersion.id)))
        (outcome,) = publish_content(root)
        after = db.session.scalar(select(func.count(ModuleVersion.id)))
        if problems:
            assert (outcome.status, after) == ("invalid", before)
        else:
            assert outcome.status in ("published", "unchanged")
            assert broken_rows(db) == []

    check_and_publish()


# Each was once published as it was, or failed with an error: a title over two lines, a label
# ending in a line break, characters forms take out (a right-to-left override, a NUL, a lone
# surrogate), bytes that are not UTF-8, and nesting deeper than the YAML reader's recursion.
@pytest.mark.parametrize(
    "plan,where",
    [
        ({"module.yml": ([("set", [TITLE], "Greeting\npatients")], None)}, "module.yml:"),
        ({"module.yml": ([("set", [VERSION], "1.0\n")], None)}, "module.yml:"),
        ({"module.yml": ([("set", [TITLE], "Invoice\u202etxt.exe")], None)}, "module.yml:"),
        ({"module.yml": ([("set", [SUMMARY], "Saying\x00 hello")], None)}, "module.yml:"),
        ({"questions.yml": ([("set", [0, 0, PROMPT], "Why\ud800?")], None)}, "questions.yml:"),
        ({"lessons/01-hello.md": ([], ("insert", 3, b"\xff"))}, "01-hello.md:1:"),
        ({"lessons/01-hello.md": ([("add", [], "Say \x1c hi")], None)}, "01-hello.md:4:"),
        ({"questions.yml": ([], ("replace", None, b"[" * 3000 + b"]" * 3000))}, "questions.yml:1:"),
    ],
)
def test_what_once_got_through_is_reported_where_it_is(app, db, tmp_path, plan, where):
    hostile_module(tmp_path, plan)
    _sources, problems = check_content(tmp_path)
    assert [str(p) for p in problems if where in str(p)], [str(p) for p in problems]
    (outcome,) = publish_content(tmp_path)
    assert outcome.status == "invalid"
    assert db.session.scalar(select(func.count(ModuleVersion.id))) == 0
