"""Hostile input for the property tests, and the checks that what was stored is still sound.

What a careless or malicious browser can send: huge strings, control and bidirectional
characters, lone surrogates and bytes that are not UTF-8, digits that are not ASCII, numbers no
id column holds, dates that do not exist, keys sent twice, missing or unexpected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, String, Text, select, text

settings.register_profile(
    "hostile",
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def examples(count: int) -> settings:
    """The hostile profile with `count` examples: few where each costs a page and a login."""
    return settings(settings.get_profile("hostile"), max_examples=count)


CONTROLS = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
BIDI = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
NOT_ASCII_DIGITS = ["²", "٣", "١٢", "߃", "໓", "𝟗", "Ⅻ", "½", "３"]
NUMBERS = [
    *(str(n) for n in (2**31, 2**63 - 1, 2**63, 2**64, -1, -(2**63) - 1, 0)),
    "9" * 30,
    "1e9",
    "0x10",
    " 1 ",
    "1.5",
    "+3",
    "NaN",
    "inf",
]
DATES = ["31/02/2026", "2026-02-31", "2026-13-01", "0000-00-00", "29/02/2025", "99999-01-01"]
DATES += ["0001-01-01", "9999-12-31", "12/31/2026", "2026-1-1", "yesterday", "2026-02-28T25:00"]
# Bytes that are not UTF-8: a stray continuation byte, an overlong form, an encoded surrogate.
NOT_UTF8 = [b"\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"caf\xe9", b"\xf8\x88\x80\x80"]
SHORT = ["", " ", "None", "null", "true", "[]", "{}", "' OR 1=1 --", "<script>x</script>", "%00"]

_awkward = st.sampled_from([*CONTROLS, *BIDI, *SURROGATES, *"²٣߃໓𝟗Ⅻ½３", "\n", "\r", "é"])
_letters = st.characters(codec="utf-8", categories=["L", "N", "Zs"])
_short = st.text(st.one_of(_awkward, _letters), max_size=30)
_known = st.sampled_from(NOT_ASCII_DIGITS + NUMBERS + DATES + SHORT)
# Long strings made by repetition: Hypothesis would take far too long to draw 100,000 chars.
_long = st.builds(
    lambda c, n: c * n,
    st.sampled_from(["a", "é", "9", "\u202e", "\x00", "😀", " ", "\n", "a\x01"]),
    st.sampled_from([61, 121, 201, 255, 1001, 2001, 100_000]),
)
# Mostly short, so that a form with many fields still gets some that its size limit lets in.
hostile_text = st.one_of(_short, _known, _short, _known, _long)
hostile_value = st.one_of(hostile_text, st.sampled_from(NOT_UTF8))
hostile_file = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b"", b"\x00" * 5000, b"%PDF-1.4\n" + b"\xff" * 64, b"\xef\xbb\xbf"]),
)


def as_bytes(value: str | bytes) -> bytes:
    # "surrogatepass" sends a lone surrogate as the bytes a broken encoder would produce.
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


# -- Forms as a page shows them ----------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select" or "textarea"
    values: list[str] = field(default_factory=list)  # what the page offers or holds


@dataclass
class PageForm:
    action: str | None
    multipart: bool
    fields: dict[str, FormField] = field(default_factory=dict)


class FormsOnPage(HTMLParser):
    """Every POST form of a page, with each field's name and the values the page offers."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: FormField | None = None
        self.feed(html)

    def _field(self, name: str, kind: str) -> FormField:
        assert self._form is not None
        return self._form.fields.setdefault(name, FormField(name, kind))

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            multipart = a.get("enctype") == "multipart/form-data"
            self._form = PageForm(a.get("action"), multipart)
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._select.values.append(a.get("value", ""))
        elif tag in ("input", "button"):
            self._field(a["name"], a.get("type", "text")).values.append(a.get("value", ""))
        elif tag in ("select", "textarea"):
            self._select = self._field(a["name"], tag) if tag == "select" else None
            self._field(a["name"], tag)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


_HOW = ["fair", "hostile", "hostile", "hostile", "repeated", "fair, then hostile", "missing"]
_KEPT = ["fair"] * 30 + _HOW


@st.composite
def form_data(draw, fields: dict[str, FormField], keep: tuple[str, ...] = ("csrf_token",)):
    """(name, value) pairs for a form: each field as the page had it, hostile, repeated or left
    out, and a few fields the form never asked for. Fields in `keep` are mostly left as they
    are, so that most examples reach the form's own checks."""
    pairs: list[tuple[str, str | bytes]] = []
    for f in fields.values():
        fair = st.sampled_from(f.values) if f.values else hostile_text
        # The first choice is the one Hypothesis draws most and shrinks towards: as the page had it.
        how = draw(st.sampled_from(_KEPT if f.name in keep else _HOW))
        if how == "fair":
            pairs.append((f.name, draw(fair)))
        elif how == "hostile":
            pairs.append((f.name, draw(hostile_value)))
        elif how == "repeated":
            for value in draw(st.lists(st.one_of(fair, hostile_value), min_size=2, max_size=3)):
                pairs.append((f.name, value))
        elif how == "fair, then hostile":
            pairs += [(f.name, draw(fair)), (f.name, draw(hostile_value))]
    names = st.one_of(st.sampled_from(["id", "user_id", "team_id", "q-1", "next"]), hostile_text)
    pairs += draw(st.lists(st.tuples(names, hostile_value), max_size=2))
    return pairs


def urlencoded(pairs) -> bytes:
    return b"&".join(
        quote_from_bytes(as_bytes(k)).encode() + b"=" + quote_from_bytes(as_bytes(v)).encode()
        for k, v in pairs
    )


BOUNDARY = "hostile-boundary-7d1f"


def multipart(pairs, files: dict[str, tuple[str | bytes, bytes]]) -> bytes:
    """A multipart body written by hand, so that names and values may hold any bytes."""
    parts = []
    for name, value in pairs:
        head = b'Content-Disposition: form-data; name="' + as_bytes(name) + b'"'
        parts.append(head + b"\r\n\r\n" + as_bytes(value))
    for name, (filename, content) in files.items():
        head = b'Content-Disposition: form-data; name="%s"; filename="%s"' % (
            as_bytes(name),
            as_bytes(filename),
        )
        parts.append(head + b"\r\nContent-Type: application/octet-stream\r\n\r\n" + content)
    sep = b"--" + BOUNDARY.encode()
    return b"".join(sep + b"\r\n" + p + b"\r\n" for p in parts) + sep + b"--\r\n"


# -- What the database holds -----------------------------------------------------------------

_NEVER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NOT_ON_ONE_LINE = re.compile("[\t\n]")
# Columns of limited length that hold text written in a text area, line breaks and all: every
# other VARCHAR holds one line (a name, a title, a code).
FREE_TEXT_VARCHARS = {"you_said_we_did.you_said", "you_said_we_did.we_did"}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def broken_rows(db) -> list[str]:
    """Every stored text that holds a control, bidirectional or surrogate character, a line
    break in a one-line column, or more characters than its column declares; and every
    foreign key that points at no row."""
    db.session.rollback()
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                one_line = isinstance(column.type, String) and not isinstance(column.type, Text)
                one_line = one_line and f"{table.name}.{column.name}" not in FREE_TEXT_VARCHARS
                length = getattr(column.type, "length", None)
                for each in _strings(value):
                    where = f"{table.name}.{column.name} = {each[:60]!r}"
                    if _NEVER.search(each):
                        found.append(f"{where}: a control, bidirectional or surrogate character")
                    if one_line and _NOT_ON_ONE_LINE.search(each):
                        found.append(f"{where}: a tab or line break in a one-line column")
                    if length and isinstance(column.type, String) and len(each) > length:
                        found.append(f"{where}: {len(each)} characters, more than {length}")
    if db.engine.dialect.name == "sqlite":
        for table, rowid, parent, _fk in db.session.execute(text("PRAGMA foreign_key_check")):
            found.append(f"{table} row {rowid} points at no {parent} row")
    return found


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


_email = st.builds("new{}@example.org".format, st.integers(0, 10**6))
_row = st.tuples(
    st.one_of(_email, _email, hostile_text),
    st.one_of(hostile_text, st.just("Zoë Ball")),
    st.one_of(hostile_text, st.just("")),
    st.one_of(st.sampled_from(["Receptionist", "Nurse"]), hostile_text),
    st.one_of(st.sampled_from(["Ward 7", "New team"]), hostile_text),
    st.one_of(st.sampled_from(DATES + ["06/01/2025", ""]), hostile_text),
    st.sampled_from(["yes", "no", "", "²", "maybe"]),
)
_HEADER = "email,name,preferred name,job role,team,start date,manager flag"
hostile_csv = st.builds(
    lambda rows, extra: as_bytes(
        "\r\n".join([_HEADER + extra, *(",".join(map(_quoted, row)) for row in rows)])
    ),
    st.lists(_row, min_size=1, max_size=3),
    st.one_of(st.just(""), hostile_text.map(lambda t: "," + _quoted(t))),
)
