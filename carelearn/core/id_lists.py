"""A list of ids bound as one parameter: `column IN (the list)` without a parameter per id.

SQLAlchemy's expanding `IN` renders and binds one parameter per id on every execution, which
costs more than the query itself for a statement run on every request with tens of ids. Here
the whole list is one value: a PostgreSQL array, or a JSON array that SQLite reads with
`json_each`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Boolean, String, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator


class IdList(TypeDecorator):
    """Whole numbers, sent as one text value each database reads as a list."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Sequence[int] | None, dialect) -> str | None:
        if value is None:
            return None
        ids = [int(v) for v in value]
        if dialect.name == "postgresql":
            return "{" + ",".join(map(str, ids)) + "}"
        return json.dumps(ids)


class InIdList(ColumnElement):
    """`column IN (ids)`, the ids bound as one `IdList` parameter named `name`."""

    inherit_cache = True
    type = Boolean()
    # What the statement cache keys on: the column and the parameter, as for any expression.
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement, name: str):
        self.column = column
        self.ids = bindparam(name, type_=IdList())


@compiles(InIdList)
def _in_json_array(element: InIdList, compiler, **kw) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(InIdList, "postgresql")
def _in_array(element: InIdList, compiler, **kw) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} = ANY(CAST({ids} AS INTEGER[]))"
