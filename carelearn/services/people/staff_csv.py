"""Reading an HR spreadsheet saved as CSV into rows of text, as Excel writes it: UTF-8 with
or without a byte order mark, or Windows-1252; comma or semicolon; quoted fields."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from ...core.text import clean_text

MAX_IMPORT_BYTES = 1024 * 1024  # 1 MB: about 10,000 staff

COLUMNS = {
    "email": ("email", "email address", "e mail"),
    "name": ("name", "full name"),
    "preferred_name": ("preferred name", "known as"),
    "job_role": ("job role",),
    "team": ("team", "team name"),
    "start_date": ("start date",),
    "manager": ("manager flag", "manager"),
}
REQUIRED_COLUMNS = ("email", "name", "job_role", "team")
COLUMN_TITLES = {
    "email": "email",
    "name": "name",
    "preferred_name": "preferred name",
    "job_role": "job role",
    "team": "team",
    "start_date": "start date",
    "manager": "manager flag",
}

TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0", ""}

DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass
class SourceRow:
    line: int  # the spreadsheet's row number: the header is row 1
    cells: dict[str, str]


@dataclass
class ParsedFile:
    rows: list[SourceRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # problems with the file as a whole
    ignored_columns: list[str] = field(default_factory=list)
    text: str = ""


def decode(data: bytes) -> str:
    """Text from the bytes Excel writes: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _header_key(title: str) -> str:
    return " ".join(re.sub(r"[\s_\-]+", " ", title).strip().lower().split())


def _delimiter(text: str) -> str:
    """Semicolon when the header row has more semicolons than commas (Excel in many locales)."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def parse_staff_csv(data: bytes | str) -> ParsedFile:
    text = decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    parsed = ParsedFile(text=text)
    if not text.strip():
        parsed.problems.append("The file is empty. Save the spreadsheet as CSV and try again.")
        return parsed
    if "\x00" in text:
        parsed.problems.append(
            "This does not look like a CSV file. In Excel, choose "
            "File > Save As > CSV UTF-8, then upload that file."
        )
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        records = list(reader)
    except csv.Error as error:
        parsed.problems.append(f"The file could not be read as CSV: {error}.")
        return parsed
    header, *body = records
    aliases = {alias: key for key, names in COLUMNS.items() for alias in names}
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        key = aliases.get(_header_key(title))
        if key is None:
            if title.strip():
                parsed.ignored_columns.append(title.strip())
        elif key in positions:
            parsed.problems.append(
                f"The header row has two {COLUMN_TITLES[key]} columns. Keep one."
            )
        else:
            positions[key] = index
    missing = [COLUMN_TITLES[k] for k in REQUIRED_COLUMNS if k not in positions]
    if missing:
        parsed.problems.append(
            "The first row must name the columns. Missing: "
            + ", ".join(missing)
            + ". Expected: email, name, job role, team, and if you like start date, manager flag, "
            "preferred name."
        )
        return parsed
    for number, record in enumerate(body, start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank rows, as spreadsheets often leave at the end
        # Cleaned as form fields are (core/text.py): no control or bidirectional characters.
        cells = {
            key: (clean_text(record[i]).strip() if i < len(record) else "")
            for key, i in positions.items()
        }
        parsed.rows.append(SourceRow(number, cells))
    if not parsed.rows:
        parsed.problems.append("The file has a header row but no staff in it.")
    return parsed


def parse_date(value: str) -> date | None:
    """dd/mm/yyyy (also with - or .) or ISO yyyy-mm-dd; None when blank. Raises ValueError."""
    value = value.strip()
    if not value:
        return None
    if match := ISO_DATE.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := DAY_FIRST.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueError(f"bad date {value!r}: use dd/mm/yyyy, like 06/01/2025")
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(f"bad date {value!r}: there is no such day") from error


def parse_flag(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"manager flag {value!r} is not one of yes, no, y, n, true, false, 1, 0")
