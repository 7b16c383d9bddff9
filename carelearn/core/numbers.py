"""Reading an id or an index from text a browser sent, where anything may arrive."""

from __future__ import annotations

import re

# ASCII digits only ("²" and "٣" are digits to str.isdigit, but not to int() or the database),
# and few enough to fit a 64-bit database integer.
_ID = re.compile(r"[0-9]{1,18}")


def parse_id(text: str | None) -> int | None:
    """The whole number the text holds, or None when it holds anything else."""
    if text is None or not _ID.fullmatch(text):
        return None
    return int(text)
