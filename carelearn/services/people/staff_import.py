"""Importing staff from an HR spreadsheet saved as CSV.

Three steps, so nothing is written until an admin has seen what will happen:

1. `parse_staff_csv` reads the file as Excel writes it (UTF-8 with or without a byte order mark,
   or Windows-1252; comma or semicolon; quoted fields) into rows of text.
2. `plan_import` checks every row against the database and says what it would do: new,
   changed (and which fields), unchanged, or error (and why). It writes nothing.
3. `apply_import` carries out a plan without errors in one transaction: every row or none.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ...content.roles import JOB_ROLES
from ...core.audit import record_event
from ...core.database import chunked
from ...extensions import db
from ...models import AppRole, JobRole, Team, TeamManager, TeamMembership, User
from .accounts import ensure_job_roles
from .checks import PeopleError, PersonDetails, clean_email, clean_name, clean_preferred_name
from .people import create_people, set_manager_flags, update_people, welcome_new_people
from .staff_csv import (
    ParsedFile,
    SourceRow,
    parse_date,
    parse_flag,
    parse_staff_csv,
)
from .teams import teams_by_name

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


class ImportRefused(ValueError):
    """The import cannot be applied; the message says why."""


# ---------------------------------------------------------------------------------------------
# 2. Planning


@dataclass
class RowPlan:
    line: int
    email: str
    name: str
    status: str = UNCHANGED
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # "name: Tom Hughes → Tom Hughes-Ali"
    notes: list[str] = field(default_factory=list)
    job_role: JobRole | None = None
    team: Team | None = None
    start_date: date | None = None
    preferred_name: str | None = None
    manager: bool = False
    user: User | None = None
    cells: dict[str, str] = field(default_factory=dict)  # as typed in the file

    @property
    def job_role_name(self) -> str:
        return self.job_role.name if self.job_role else ""

    # Checking a row finds its job role and team or records an error, and planning matches every
    # row without errors to its person or marks it new: only such rows ask for these.
    @property
    def found_job_role(self) -> JobRole:
        assert self.job_role is not None, f"row {self.line} has no job role"
        return self.job_role

    @property
    def found_team(self) -> Team:
        assert self.team is not None, f"row {self.line} has no team"
        return self.team

    @property
    def found_user(self) -> User:
        assert self.user is not None, f"row {self.line} matches nobody"
        return self.user


@dataclass
class ImportPlan:
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        tally = Counter(row.status for row in self.rows)
        return {status: tally.get(status, 0) for status in (NEW, CHANGED, UNCHANGED, ERROR)}

    @property
    def has_errors(self) -> bool:
        return bool(self.problems) or any(row.status == ERROR for row in self.rows)

    @property
    def summary(self) -> str:
        c = self.counts
        return (
            f"{c[NEW]} new, {c[CHANGED]} changed, {c[UNCHANGED]} unchanged, {c[ERROR]} with errors"
        )

    def fingerprint(self) -> str:
        """A digest of what the plan would do, to notice when the database moved on since the
        preview was shown."""
        shape = [self.problems] + [
            [r.line, r.email, r.status, r.changes, r.errors] for r in self.rows
        ]
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()


def _find_job_role(value: str, roles: dict[str, JobRole]) -> JobRole | None:
    wanted = value.strip().lower()
    for slug, role in roles.items():
        if wanted in (slug, role.name.lower(), JOB_ROLES.get(slug, "").lower()):
            return role
    # "healthcare assistant" for the slug "healthcare-assistant"
    return roles.get(re.sub(r"[\s_]+", "-", wanted))


def _existing_people(
    emails: list[str],
) -> tuple[dict[str, User], dict[int, set[int]], dict[int, set[int]]]:
    users: dict[str, User] = {}
    for email_chunk in chunked(emails):
        users.update(
            (u.email, u)
            for u in db.session.scalars(select(User).where(User.email.in_(email_chunk)))
        )
    ids = [u.id for u in users.values()]
    members: dict[int, set[int]] = {i: set() for i in ids}
    manages: dict[int, set[int]] = {i: set() for i in ids}
    for id_chunk in chunked(ids):
        for user_id, team_id in db.session.execute(
            select(TeamMembership.user_id, TeamMembership.team_id).where(
                TeamMembership.user_id.in_(id_chunk)
            )
        ):
            members[user_id].add(team_id)
        for user_id, team_id in db.session.execute(
            select(TeamManager.user_id, TeamManager.team_id).where(
                TeamManager.user_id.in_(id_chunk)
            )
        ):
            manages[user_id].add(team_id)
    return users, members, manages


def plan_import(parsed: ParsedFile) -> ImportPlan:
    """What importing the file would do, row by row. Writes nothing.

    A constant number of queries: the job roles, the teams, then the people already known
    (with their teams), in chunks."""
    plan = ImportPlan(problems=list(parsed.problems), ignored_columns=parsed.ignored_columns)
    if parsed.problems:
        return plan
    roles = ensure_job_roles()
    teams = teams_by_name()
    first_line: dict[str, int] = {}
    emails_seen: Counter[str] = Counter()
    for source in parsed.rows:
        row = _check_row(source, roles, teams)
        if row.email:
            emails_seen[row.email] += 1
            first_line.setdefault(row.email, row.line)
        plan.rows.append(row)
    lines_by_email: dict[str, list[int]] = {}
    for row in plan.rows:
        if row.email and emails_seen[row.email] > 1:
            lines_by_email.setdefault(row.email, []).append(row.line)
    for row in plan.rows:
        if row.email in lines_by_email:
            others = [str(n) for n in lines_by_email[row.email] if n != row.line]
            row.errors.append(
                f"duplicate email in file: {row.email} is also on row " + ", ".join(others)
            )
    valid_emails = sorted({r.email for r in plan.rows if r.email and not r.errors})
    users, members, manages = _existing_people(valid_emails)
    for row in plan.rows:
        if row.errors:
            row.status = ERROR
            continue
        row.user = users.get(row.email)
        if row.user is None:
            row.status = NEW
        else:
            _describe_changes(row, row.user, members[row.user.id], manages[row.user.id])
    return plan


def _check_row(
    source: SourceRow, roles: dict[str, JobRole], teams: dict[str, list[Team]]
) -> RowPlan:
    cells = source.cells
    row = RowPlan(line=source.line, email="", name=cells.get("name", ""), cells=cells)
    raw_email = cells.get("email", "")
    if not raw_email:
        row.errors.append("missing email")
    else:
        try:
            row.email = clean_email(raw_email)
        except PeopleError:
            row.errors.append(f"bad email {raw_email!r}")
    try:  # the name as it will be stored: "Okafor, Grace" becomes "Grace Okafor"
        row.name = clean_name(cells.get("name"))
    except PeopleError as error:
        row.errors.append("missing name" if not cells.get("name") else _lower_first(str(error)))
    try:
        row.preferred_name = clean_preferred_name(cells.get("preferred_name"))
    except PeopleError as error:
        row.errors.append(_lower_first(str(error)))
    role_text = cells.get("job_role", "")
    if not role_text:
        row.errors.append("missing job role")
    elif (role := _find_job_role(role_text, roles)) is None:
        row.errors.append(f"unknown job role {role_text!r}")
    else:
        row.job_role = role
    team_text = " ".join(cells.get("team", "").split())
    matches = teams.get(team_text.lower(), [])
    if not team_text:
        row.errors.append("missing team")
    elif not matches:
        row.errors.append(f"unknown team {team_text!r}")
    elif len(matches) > 1:
        row.errors.append(f"more than one team is called {team_text!r}: rename one first")
    else:
        row.team = matches[0]
    try:
        row.start_date = parse_date(cells.get("start_date", ""))
    except ValueError as error:
        row.errors.append(str(error))
    try:
        row.manager = parse_flag(cells.get("manager", ""))
    except ValueError as error:
        row.errors.append(str(error))
    return row


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _fmt(value) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _app_role_for(row: RowPlan, current: str | None) -> str:
    if current is None:
        return AppRole.MANAGER.value if row.manager else AppRole.LEARNER.value
    if row.manager and current == AppRole.LEARNER:
        return AppRole.MANAGER.value
    return current


def _describe_changes(row: RowPlan, user: User, member_of: set[int], managing: set[int]) -> None:
    job_role, team = row.found_job_role, row.found_team
    changes = []
    if user.name != row.name:
        changes.append(f"name: {user.name} → {row.name}")
    if row.preferred_name is not None and user.preferred_name != row.preferred_name:
        changes.append(f"preferred name: {_fmt(user.preferred_name)} → {row.preferred_name}")
    if user.job_role_id != job_role.id:
        changes.append(f"job role: {user.job_role.name} → {job_role.name}")
    if member_of != {team.id}:
        before = ", ".join(sorted(_team_names(member_of))) or "(none)"
        changes.append(f"team: {before} → {team.name}")
    if row.start_date is not None and user.start_date != row.start_date:
        changes.append(f"start date: {_fmt(user.start_date)} → {_fmt(row.start_date)}")
    is_manager = team.id in managing
    if row.manager != is_manager:
        changes.append(f"manager of {team.name}: {'no → yes' if row.manager else 'yes → no'}")
    role = _app_role_for(row, user.app_role)
    if role != user.app_role:
        changes.append(f"app role: {user.app_role} → {role}")
    if not user.active:
        row.notes.append("deactivated: the import leaves them deactivated")
    row.changes = changes
    row.status = CHANGED if changes else UNCHANGED


def _team_names(team_ids: set[int]) -> list[str]:
    return [t.name for t in (db.session.get(Team, i) for i in team_ids) if t is not None]


# ---------------------------------------------------------------------------------------------
# 3. Applying


@dataclass
class ImportResult:
    created: list[User]
    updated: list[User]
    unchanged: int
    invited: int = 0  # invitations queued for the new people

    @property
    def summary(self) -> str:
        return f"{len(self.created)} new, {len(self.updated)} changed, {self.unchanged} unchanged"

    @property
    def invitations_summary(self) -> str:
        people = "person" if self.invited == 1 else "people"
        return f"Invitations to set a password are queued for {self.invited} new {people}."


def apply_import(
    plan: ImportPlan, actor_id: int | None = None, *, welcome: bool = True
) -> ImportResult:
    """Carry out a plan in one transaction. Refused whole if any row has an error.

    Re-importing updates people found by email. The team column sets the person's team; the
    manager flag says whether they manage that team. After the commit, new people get their
    onboarding plan and an invitation (unless `welcome` is False)."""
    if plan.has_errors:
        raise ImportRefused(
            "The file has errors, so nothing was imported. Fix the rows "
            "marked as errors and upload it again."
        )
    new_rows = [r for r in plan.rows if r.status == NEW]
    changed_rows = [r for r in plan.rows if r.status == CHANGED]
    try:
        # In bulk: a few queries for the whole file rather than a few for every row.
        created = create_people(
            [
                PersonDetails(
                    email=row.email,
                    name=row.name,
                    job_role_id=row.found_job_role.id,
                    app_role=AppRole.LEARNER.value,
                    team_ids=[row.found_team.id],
                    start_date=row.start_date,
                    preferred_name=row.preferred_name,
                )
                for row in new_rows
            ],
            actor_id,
        )
        updated = [row.found_user for row in changed_rows]
        update_people(
            [
                (
                    user,
                    PersonDetails(
                        email=user.email,
                        name=row.name,
                        job_role_id=row.found_job_role.id,
                        app_role=user.app_role,
                        team_ids=[row.found_team.id],
                        start_date=row.start_date or user.start_date,
                        preferred_name=row.preferred_name or user.preferred_name,
                    ),
                )
                for user, row in zip(updated, changed_rows, strict=True)
            ],
            actor_id,
        )
        set_manager_flags(
            [
                (user, row.found_team, True)
                for user, row in zip(created, new_rows, strict=True)
                if row.manager
            ]
            + [
                (user, row.found_team, row.manager)
                for user, row in zip(updated, changed_rows, strict=True)
            ],
            actor_id,
        )
        result = ImportResult(created, updated, plan.counts[UNCHANGED])
        record_event(
            "staff.import",
            "user",
            None,
            actor_id=actor_id,
            created=len(created),
            updated=len(updated),
            unchanged=result.unchanged,
        )
        db.session.commit()
    except PeopleError as error:
        db.session.rollback()
        raise ImportRefused(f"Nothing was imported: {error}") from error
    except Exception:
        db.session.rollback()
        raise
    if welcome and created:
        result.invited = welcome_new_people(created, actor_id=actor_id)
    return result


def import_staff(
    data: bytes | str, actor_id: int | None = None, *, dry_run: bool = False
) -> tuple[ImportPlan, ImportResult | None]:
    """Parse, plan and (unless a dry run, or there are errors) apply, as the command does."""
    plan = plan_import(parse_staff_csv(data))
    if dry_run or plan.has_errors:
        db.session.rollback()
        return plan, None
    return plan, apply_import(plan, actor_id)
