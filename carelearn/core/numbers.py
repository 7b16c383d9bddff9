"""Reading an id or an index from text a browser sent, where anything may arrive."""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, Map

# ASCII digits only ("²" and "٣" are digits to str.isdigit, but not to int() or the database).
_ID = re.compile(r"[0-9]{1,19}")
# The largest id the id columns hold: they are INTEGER, 32 bits in PostgreSQL, so a larger number
# (2^63 or more included) can name no row, and PostgreSQL would refuse it with an error.
MAX_ID = 2**31 - 1


def parse_id(text: str | None) -> int | None:
    """The whole number the text holds, or None when it holds anything else."""
    if text is None or not _ID.fullmatch(text) or int(text) > MAX_ID:
        return None
    return int(text)


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits of a number a database id can be. Anything else,
    "²" or a number past MAX_ID (2^63 and more included) matches no route (404) instead of
    reaching a query that the database would refuse with an error (500)."""

    regex = r"[0-9]{1,19}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = 0,
        max: int | None = MAX_ID,
        signed: bool = False,
    ):
        super().__init__(map, fixed_digits, min, max, signed)
