"""Change counters that tell cached manager pages when they are out of date, and the database
triggers that raise them.

The triggers are the only thing that raises the counters, so a change made by any writer is
seen: the ORM, a plain SQL statement, a migration, psql, another program. They are created with
the tables (`create_all`) and by the migration that introduced them; `expected_triggers` lets a
test check that a database has every one (SQLite drops a table's triggers when a migration
rebuilds the table).
"""

from __future__ import annotations

from sqlalchemy import Connection, Integer, event, inspect, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base, Model

STRUCTURE, NO_TEAM = -1, 0


class TeamVersion(Model):
    """How many times something about a team's members has changed (see core/freshness.py).

    `team_id` is a team's id, or NO_TEAM (0) for people in no team, or STRUCTURE (-1) for the
    shape of the organisation: teams, who manages them, job roles, what is published. Not a
    foreign key, for those two rows.
    """

    team_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


# Tables whose rows belong to one person (their column naming the person): a change raises the
# counter of each of that person's teams, or NO_TEAM's.
PERSON_TABLES = {"training_record": "user_id", "completion": "user_id", "user": "id"}
# Only these columns of a person matter to cached pages: signing in or a new password does not.
PERSON_COLUMNS = ("name", "email", "job_role_id", "app_role", "active", "start_date")
# Tables whose change raises the STRUCTURE counter, which makes every cached page stale.
STRUCTURE_TABLES = ("team", "team_manager", "job_role", "module", "module_version", "learning_path")
# Tables whose rows belong to one team (their team_id): a change raises that team's counter.
TEAM_TABLES = ("team_membership", "feedback_month", "huddle")
_OPERATIONS = ("insert", "update", "delete")


def _trigger_tables() -> dict[str, str]:
    """Each trigger's name, with the table it is on."""
    tables = [*PERSON_TABLES, *STRUCTURE_TABLES, *TEAM_TABLES]
    return {f"counters_{table}_{operation}": table for table in tables for operation in _OPERATIONS}


def expected_triggers() -> set[str]:
    return set(_trigger_tables())


def installed_triggers(connection: Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = "SELECT DISTINCT trigger_name FROM information_schema.triggers"
    return {name for (name,) in connection.execute(text(query)) if name.startswith("counters_")}


# -- SQLite: a trigger per row -------------------------------------------------------------------


def _sqlite_bump_people(person_ids: str) -> str:
    # `WHERE true` keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
    return f"""
    INSERT INTO team_version (team_id, version)
    SELECT team_id, 1 FROM team_membership WHERE user_id IN ({person_ids})
    UNION SELECT {NO_TEAM}, 1 WHERE EXISTS (
        SELECT 1 FROM "user" u WHERE u.id IN ({person_ids})
        AND NOT EXISTS (SELECT 1 FROM team_membership m WHERE m.user_id = u.id))
    ON CONFLICT (team_id) DO UPDATE SET version = version + 1;"""


def _sqlite_bump(team_ids: str) -> str:
    return f"""
    INSERT INTO team_version (team_id, version) SELECT DISTINCT t, 1 FROM ({team_ids}) WHERE true
    ON CONFLICT (team_id) DO UPDATE SET version = version + 1;"""


def _sqlite_statements(tables: set[str]) -> list[str]:
    statements = []
    for table, column in PERSON_TABLES.items():
        if table not in tables:
            continue
        people = {
            "insert": f"NEW.{column}",
            "delete": f"OLD.{column}",
            "update": f"OLD.{column}, NEW.{column}",
        }
        for operation in _OPERATIONS:
            columns = (
                f" OF {', '.join(PERSON_COLUMNS)}"
                if table == "user" and operation == "update"
                else ""
            )
            statements.append(
                f"CREATE TRIGGER counters_{table}_{operation} AFTER {operation.upper()}{columns} "
                f'ON "{table}" FOR EACH ROW BEGIN {_sqlite_bump_people(people[operation])} END'
            )
    teams = {
        "insert": "SELECT NEW.team_id AS t",
        "delete": "SELECT OLD.team_id AS t",
        "update": "SELECT OLD.team_id AS t UNION SELECT NEW.team_id",
    }
    for table in (t for t in TEAM_TABLES if t in tables):
        for operation in _OPERATIONS:
            statements.append(
                f"CREATE TRIGGER counters_{table}_{operation} AFTER {operation.upper()} "
                f"ON {table} FOR EACH ROW BEGIN {_sqlite_bump(teams[operation])} END"
            )
    for table in (t for t in STRUCTURE_TABLES if t in tables):
        for operation in _OPERATIONS:
            statements.append(
                f"CREATE TRIGGER counters_{table}_{operation} AFTER {operation.upper()} ON {table} "
                f"FOR EACH ROW BEGIN {_sqlite_bump(f'SELECT {STRUCTURE} AS t')} END"
            )
    return statements


# -- PostgreSQL: a trigger per statement, reading the changed rows as a whole --------------------

# In team order, so two transactions raising the same counters never wait for each other in a
# circle; once per statement, so a bulk change of 2,000 rows raises each counter once.
_POSTGRES_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION counters_bump(team_ids integer[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO team_version (team_id, version)
    SELECT DISTINCT t, 1 FROM unnest(team_ids) AS t ORDER BY t
    ON CONFLICT (team_id) DO UPDATE SET version = team_version.version + 1
$$;
CREATE OR REPLACE FUNCTION counters_bump_people(person_ids integer[]) RETURNS void
LANGUAGE sql AS $$
    SELECT counters_bump(ARRAY(
        SELECT COALESCE(m.team_id, {NO_TEAM}) FROM unnest(person_ids) AS p(id)
        LEFT JOIN team_membership m ON m.user_id = p.id))
$$;
CREATE OR REPLACE FUNCTION counters_memberships_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM counters_bump(ARRAY(SELECT team_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM counters_bump(ARRAY(SELECT team_id FROM old_rows));
    ELSE
        PERFORM counters_bump(ARRAY(
            SELECT team_id FROM new_rows UNION SELECT team_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION counters_structure_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM counters_bump(ARRAY[{STRUCTURE}]);
    RETURN NULL;
END $$;
"""


def _postgres_person_function(table: str, column: str) -> str:
    changed = f"SELECT n.{column} FROM new_rows n UNION SELECT o.{column} FROM old_rows o"
    if table == "user":  # only a change to the details that pages show
        new = ", ".join(f"n.{c}" for c in PERSON_COLUMNS)
        old = ", ".join(f"o.{c}" for c in PERSON_COLUMNS)
        changed = (
            f"SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id "
            f"WHERE ({new}) IS DISTINCT FROM ({old})"
        )
    return f"""
CREATE OR REPLACE FUNCTION counters_{table}_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM counters_bump_people(ARRAY(SELECT {column} FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM counters_bump_people(ARRAY(SELECT {column} FROM old_rows));
    ELSE
        PERFORM counters_bump_people(ARRAY({changed}));
    END IF;
    RETURN NULL;
END $$;"""


def _postgres_statements(tables: set[str]) -> list[str]:
    statements = [_POSTGRES_FUNCTIONS]
    transition = {
        "insert": "REFERENCING NEW TABLE AS new_rows",
        "delete": "REFERENCING OLD TABLE AS old_rows",
        "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }
    for table, column in PERSON_TABLES.items():
        if table not in tables:
            continue
        statements.append(_postgres_person_function(table, column))
        for operation in _OPERATIONS:
            statements.append(
                f"CREATE TRIGGER counters_{table}_{operation} AFTER {operation.upper()} "
                f'ON "{table}" {transition[operation]} FOR EACH STATEMENT '
                f"EXECUTE FUNCTION counters_{table}_changed()"
            )
    for table in (t for t in TEAM_TABLES if t in tables):
        for operation in _OPERATIONS:
            statements.append(
                f"CREATE TRIGGER counters_{table}_{operation} AFTER {operation.upper()} "
                f"ON {table} {transition[operation]} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION counters_memberships_changed()"
            )
    for table in (t for t in STRUCTURE_TABLES if t in tables):
        for operation in _OPERATIONS:
            statements.append(
                f"CREATE TRIGGER counters_{table}_{operation} AFTER {operation.upper()} "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION counters_structure_changed()"
            )
    return statements


def install_triggers(connection: Connection) -> None:
    """Create the counter trigger of every table that exists and has none yet. A migration that
    creates one of these tables installs them again (after `drop_triggers`): so a migration
    written before a table existed still runs on a fresh database."""
    tables = set(inspect(connection).get_table_names())
    statements = (
        _sqlite_statements(tables)
        if connection.dialect.name == "sqlite"
        else _postgres_statements(tables)
    )
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_triggers(connection: Connection, only: tuple[str, ...] = ()) -> None:
    """Drop every counter trigger and function, or only the triggers on the tables `only`
    names (a migration undoing the counters of one table)."""
    tables = set(inspect(connection).get_table_names())
    for name, table in sorted(_trigger_tables().items()):
        if table not in tables or (only and table not in only):
            continue
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        else:
            connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
    if connection.dialect.name != "sqlite" and not only:
        functions = [f"counters_{t}_changed()" for t in PERSON_TABLES]
        functions += [
            "counters_memberships_changed()",
            "counters_structure_changed()",
            "counters_bump_people(integer[])",
            "counters_bump(integer[])",
        ]
        for function in functions:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}")


@event.listens_for(Base.metadata, "after_create")
def _create_triggers(_metadata, connection: Connection, **_kw) -> None:
    install_triggers(connection)
