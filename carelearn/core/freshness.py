"""Caching what managers see, and knowing exactly when it has gone out of date.

Counting the figures of a directorate of 2,000 people takes tens of milliseconds, and managers
look at the same figures again and again. So each worker keeps what it computed, under a key
that includes a *stamp* read from the database first, on every request:

- `team_version` holds a counter per team, raised in the same transaction as any change to the
  training records, completions, details or memberships of that team's members (row NO_TEAM
  for people in no team), and a counter for the STRUCTURE of the organisation (teams, who
  manages them, job roles, learning paths) and of what is published (modules and their
  versions: a publish changes the matrix's columns), raised by any change to it;
- a viewer's stamp is the structure counter and the sum of the counters of every team they
  see (every counter, for an admin). Counters only go up, so any change within the viewer's
  view gives a new stamp and the old entry is never used again; a change elsewhere leaves
  their stamp, and their cached pages, alone.

The counters are raised by triggers in the database (see models/versions.py), so every
writer is covered without remembering to do it: the app's services, a plain SQL statement, a
migration, psql or another program. No worker needs another's cache: each can always compute
afresh, and every worker reads the same counters.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import TypeVar

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import bindparam, event, func, select, true

from ..extensions import db
from ..models import AppRole, Team, TeamManager, TeamVersion, User
from ..models.versions import STRUCTURE
from .clock import today
from .database import run
from .id_lists import InIdList

MAX_ENTRIES = 256  # per worker; the biggest entry (a whole-organisation matrix) is ~80 kB
_STAMPS = "carelearn_stamps"
_STRUCTURE_SEEN = "carelearn_structure_seen"
_SUBTREES = "carelearn.subtrees"  # per worker: manager id -> (structure counter, team ids)

T = TypeVar("T")


# -- reading: the stamp and the cache ----------------------------------------------------------

_VERSIONS = TeamVersion.__table__.c
_STRUCTURE_VERSION = (
    select(_VERSIONS.version).where(_VERSIONS.team_id == STRUCTURE).scalar_subquery()
)
# For the query that loads the logged-in person at the start of every request: read with it,
# the structure counter costs no query of its own (see `structure_seen`).
STRUCTURE_VERSION = _STRUCTURE_VERSION.label("structure_version")


def note_structure(version: int | None) -> None:
    g.setdefault(_STRUCTURE_SEEN, version or 0)


def structure_seen() -> int | None:
    """The structure counter as this request first read it (None if it has not, or if the
    request has changed the structure since): caches of things that change only with the
    structure, like which module versions are published, can be checked against it for free."""
    return g.get(_STRUCTURE_SEEN) if has_request_context() else None


# An admin sees everything: every counter.
_ADMIN_STAMP = select(
    _STRUCTURE_VERSION, select(func.coalesce(func.sum(_VERSIONS.version), 0)).scalar_subquery()
)
# A manager's teams are known (see below): the structure counter and the sum of theirs.
_TEAMS_STAMP = select(
    _STRUCTURE_VERSION,
    select(func.coalesce(func.sum(_VERSIONS.version), 0))
    .where(InIdList(_VERSIONS.team_id, "team_ids"))
    .scalar_subquery(),
)


def _subtree_query():
    """The structure counter, and each team the viewer manages or that is below one, with its
    counter: one statement, so all of it comes from the same moment."""
    tree = (
        select(TeamManager.team_id.label("id"))
        .where(TeamManager.user_id == bindparam("viewer_id"))
        .cte("managed", recursive=True)
    )
    tree = tree.union(select(Team.id).join(tree, Team.parent_id == tree.c.id))
    structure = select(_STRUCTURE_VERSION.label("structure")).subquery()
    return select(structure.c.structure, tree.c.id, _VERSIONS.version).select_from(
        structure.outerjoin(tree, true()).outerjoin(
            TeamVersion.__table__, _VERSIONS.team_id == tree.c.id
        )
    )


_SUBTREE = _subtree_query()


def stamp(viewer: User) -> tuple:
    """Changes whenever anything the viewer may see changes (and only rarely otherwise).

    Read once per request (again after the request itself writes something). Which teams a
    manager sees changes only with the structure, so each worker remembers them with the
    structure counter they were read at, and sums their counters without walking the tree again.
    """
    memo = g.setdefault(_STAMPS, {}) if has_request_context() else {}
    if viewer.id not in memo:
        memo[viewer.id] = (
            _admin_stamp() if viewer.app_role == AppRole.ADMIN else _manager_stamp(viewer)
        )
    return memo[viewer.id]


# For the query that loads the logged-in person: with the teams this worker remembers a manager
# seeing, the sum of their counters, so that a manager's stamp costs no query of its own.
TEAMS_TOTAL = (
    select(func.coalesce(func.sum(_VERSIONS.version), 0))
    .where(InIdList(_VERSIONS.team_id, "stamp_team_ids"))
    .scalar_subquery()
    .label("teams_total")
)


def remembered_teams(user_id: int) -> tuple[int, list[int]] | None:
    """The structure counter and the teams this worker last found the person seeing, if any."""
    return current_app.extensions.get(_SUBTREES, {}).get(user_id)


def note_manager_stamp(
    viewer: User, remembered: tuple[int, list[int]], structure: int | None, total: int
) -> None:
    """The stamp read with the person (`TEAMS_TOTAL`), kept for this request when the structure
    is still the one the teams were remembered at (otherwise `stamp` walks the tree again)."""
    if viewer.app_role != AppRole.ADMIN and (structure or 0) == remembered[0]:
        g.setdefault(_STAMPS, {})[viewer.id] = (remembered[0], total)


def _admin_stamp() -> tuple:
    structure, total = run(_ADMIN_STAMP).one()
    return structure or 0, total


def _manager_stamp(viewer: User) -> tuple:
    subtrees = current_app.extensions.setdefault(_SUBTREES, {})
    known = subtrees.get(viewer.id)
    if known is not None:
        structure, team_ids = known
        now, total = run(_TEAMS_STAMP, team_ids=team_ids).one()
        if (now or 0) == structure:  # the same structure: the same teams
            return structure, total
    rows = run(_SUBTREE, viewer_id=viewer.id).all()
    structure = rows[0].structure or 0
    if len(subtrees) > 10_000:
        subtrees.clear()
    subtrees[viewer.id] = (structure, [r.id for r in rows if r.id is not None])
    return structure, sum(r.version or 0 for r in rows if r.id is not None)


def cached(
    viewer: User,
    name: str,
    params: Hashable,
    compute: Callable[[], T],
    on: date | None = None,
    rendered: bool = False,
) -> T:
    """`compute()`, or what it gave before for this viewer, `params` and day if nothing the
    viewer sees has changed since. What it returns must not be changed by the caller.

    `rendered`: the value holds HTML from templates, so it is computed afresh while templates
    auto-reload (debug), and a template edit shows at once."""
    if rendered and current_app.jinja_env.auto_reload:
        return compute()
    key = (name, viewer.id, viewer.app_role, on or today(), stamp(viewer), params)
    entries: OrderedDict = current_app.extensions.setdefault("carelearn.freshness", OrderedDict())
    try:
        entries.move_to_end(key)
        return entries[key]
    except KeyError:
        pass
    value = compute()
    entries[key] = value
    while len(entries) > MAX_ENTRIES:
        entries.popitem(last=False)
    return value


# -- writing: the database raises the counters ----------------------------------------------------


def _forget_stamps(_connection, _cursor, statement: str, _parameters, _context, _many) -> None:
    """A request that writes must read its stamps again: the triggers have raised the counters
    (for any statement that writes: the ORM's, `run`'s or plain SQL)."""
    if has_request_context() and statement.lstrip()[:6].upper() in _WRITES:
        g.pop(_STAMPS, None)
        g.pop(_STRUCTURE_SEEN, None)


_WRITES = frozenset({"INSERT", "UPDATE", "DELETE"})


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if not event.contains(engine, "after_cursor_execute", _forget_stamps):
        event.listen(engine, "after_cursor_execute", _forget_stamps)
