"""Caching what managers see, and knowing exactly when it has gone out of date.

Counting the figures of a directorate of 2,000 people takes tens of milliseconds, and managers
look at the same figures again and again. So each worker keeps what it computed, under a key
that includes a *stamp* read from the database first, on every request:

- `team_version` holds a counter per team, raised in the same transaction as any change to the
  training records, completions, details or memberships of that team's members (row NO_TEAM
  for people in no team), and a counter for the STRUCTURE of the organisation (teams, who
  manages them, job roles) and of what is published (modules and their versions: a publish
  changes the matrix's columns), raised by any change to it;
- a viewer's stamp is the structure counter and the sum of the counters of every team they
  see (every counter, for an admin). Counters only go up, so any change within the viewer's
  view gives a new stamp and the old entry is never used again; a change elsewhere leaves
  their stamp, and their cached pages, alone.

The counters are raised by session events, so every service is covered without remembering to
do it: ORM changes raise the counters of the teams concerned; a bulk statement on one of these
tables (an INSERT or UPDATE written in SQL) raises the structure counter, which makes every
cached page stale. Changes made outside the app, by hand in the database, are not seen until
the workers restart. No worker needs another's cache: each can always compute afresh.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import bindparam, event, exists, func, inspect, literal, select, true, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..database import run
from ..extensions import db
from ..models import (
    AppRole,
    Completion,
    JobRole,
    Module,
    ModuleVersion,
    Team,
    TeamManager,
    TeamMembership,
    TeamVersion,
    TrainingRecord,
    User,
)
from .clock import today

STRUCTURE, NO_TEAM = -1, 0
MAX_ENTRIES = 256  # per worker; the biggest entry (a whole-organisation matrix) is ~80 kB
_BUMPED_STRUCTURE = "carelearn.structure_bumped"
_STAMPS = "carelearn_stamps"
_STRUCTURE_SEEN = "carelearn_structure_seen"

_MEMBER_DATA = (TrainingRecord, Completion)
_STRUCTURE_MODELS = (Team, TeamManager, JobRole, Module, ModuleVersion)  # and what is published
_WATCHED_TABLES = frozenset(m.__tablename__ for m in (*_MEMBER_DATA, *_STRUCTURE_MODELS, User,
                                                      TeamMembership))
T = TypeVar("T")


# -- reading: the stamp and the cache ----------------------------------------------------------

_VERSIONS = TeamVersion.__table__.c
_STRUCTURE_VERSION = select(_VERSIONS.version).where(_VERSIONS.team_id == STRUCTURE).scalar_subquery()
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
_ADMIN_STAMP = select(_STRUCTURE_VERSION,
                      select(func.coalesce(func.sum(_VERSIONS.version), 0)).scalar_subquery())
# A manager's teams are known (see below): the structure counter and the sum of theirs.
_TEAMS_STAMP = select(_STRUCTURE_VERSION, select(func.coalesce(func.sum(_VERSIONS.version), 0))
                      .where(_VERSIONS.team_id.in_(bindparam("team_ids", expanding=True)))
                      .scalar_subquery())


def _subtree_query():
    """The structure counter, and each team the viewer manages or that is below one, with its
    counter: one statement, so all of it comes from the same moment."""
    tree = (select(TeamManager.team_id.label("id"))
            .where(TeamManager.user_id == bindparam("viewer_id")).cte("managed", recursive=True))
    tree = tree.union(select(Team.id).join(tree, Team.parent_id == tree.c.id))
    structure = select(_STRUCTURE_VERSION.label("structure")).subquery()
    return (select(structure.c.structure, tree.c.id, _VERSIONS.version)
            .select_from(structure.outerjoin(tree, true())
                         .outerjoin(TeamVersion.__table__, _VERSIONS.team_id == tree.c.id)))


_SUBTREE = _subtree_query()


def stamp(viewer: User) -> tuple:
    """Changes whenever anything the viewer may see changes (and only rarely otherwise).

    Read once per request (again after the request itself writes something). Which teams a
    manager sees changes only with the structure, so each worker remembers them with the
    structure counter they were read at, and sums their counters without walking the tree again.
    """
    # Anything written after this read must raise the counters again, even within the same
    # transaction, or a page computed now could be kept under the final stamp.
    db.session.info.pop(_BUMPED_STRUCTURE, None)
    memo = g.setdefault(_STAMPS, {}) if has_request_context() else {}
    if viewer.id not in memo:
        memo[viewer.id] = _admin_stamp() if viewer.app_role == AppRole.ADMIN else _manager_stamp(viewer)
    return memo[viewer.id]


def _admin_stamp() -> tuple:
    structure, total = run(_ADMIN_STAMP).one()
    return structure or 0, total


def _manager_stamp(viewer: User) -> tuple:
    subtrees = current_app.extensions.setdefault("carelearn.subtrees", {})
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


def cached(viewer: User, name: str, params: Hashable, compute: Callable[[], T],
           on: date | None = None) -> T:
    """`compute()`, or what it gave before for this viewer, `params` and day if nothing the
    viewer sees has changed since. What it returns must not be changed by the caller."""
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


# -- writing: raising the counters ---------------------------------------------------------------

def _upsert(connection, rows) -> None:
    """Add one to the counter of each (team id, 1) row selected, creating it if need be."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[connection.dialect.name]
    table = TeamVersion.__table__
    statement = dialect.insert(table).from_select(["team_id", "version"], rows)
    connection.execute(statement.on_conflict_do_update(
        index_elements=[table.c.team_id], set_={"version": table.c.version + 1}))


def _bump_members(connection, user_ids: set[int], team_ids: set[int]) -> None:
    members = TeamMembership.__table__.c
    users = User.__table__.c
    parts = []
    if user_ids:
        parts.append(select(members.team_id, literal(1)).where(members.user_id.in_(user_ids)))
        alone = select(users.id).where(users.id.in_(user_ids),
                                       ~exists().where(members.user_id == users.id))
        parts.append(select(literal(NO_TEAM), literal(1)).where(exists(alone)))
    for team_id in team_ids:
        parts.append(select(literal(team_id), literal(1)))
    rows = union(*parts).subquery()
    # In team order, so two transactions raising the same counters never wait for each other
    # in a circle.
    _upsert(connection, select(rows.c[0], rows.c[1]).where(true()).order_by(rows.c[0]))


def _bump_structure(session: Session) -> None:
    if has_request_context():
        g.pop(_STAMPS, None)
        g.pop(_STRUCTURE_SEEN, None)
    if session.info.get(_BUMPED_STRUCTURE):
        return
    session.info[_BUMPED_STRUCTURE] = True
    _upsert(session.connection(), select(literal(STRUCTURE), literal(1)).where(true()))


@event.listens_for(db.session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    if has_request_context():
        g.pop(_STAMPS, None)
    user_ids: set[int] = set()
    team_ids: set[int] = set()
    structure = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _MEMBER_DATA):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            user_ids.add(obj.user_id)
        elif isinstance(obj, User):
            if obj in session.new or session.is_modified(obj):
                user_ids.add(obj.id)
        elif isinstance(obj, TeamMembership):
            history = inspect(obj).attrs.team_id.history
            team_ids.update(t for t in (obj.team_id, *history.deleted) if t is not None)
        elif isinstance(obj, _STRUCTURE_MODELS):
            structure = True
    if structure:
        _bump_structure(session)
    if user_ids or team_ids:
        _bump_members(session.connection(), user_ids, team_ids)


@event.listens_for(db.session, "do_orm_execute")
def _on_execute(state) -> None:
    """A bulk INSERT, UPDATE or DELETE on a watched table: treat everything as changed."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None and getattr(table, "name", None) in _WATCHED_TABLES:
            _bump_structure(state.session)


@event.listens_for(db.session, "after_transaction_end")
def _transaction_end(session: Session, _transaction) -> None:
    session.info.pop(_BUMPED_STRUCTURE, None)
