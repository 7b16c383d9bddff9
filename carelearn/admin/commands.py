"""`flask import-staff`: the staff import from the command line, for scripts and big files."""

from __future__ import annotations

import sys

import click

from ..services.people.staff_import import ERROR, ImportRefused, import_staff


@click.command(
    "import-staff",
    help="Import staff from an HR CSV file (email, name, job role, "
    "team, start date, manager flag). All rows or none.",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--dry-run", is_flag=True, help="Check the file and show what would change; write nothing."
)
def import_staff_command(file: str, dry_run: bool):
    with open(file, "rb") as handle:
        data = handle.read()
    try:
        plan, result = import_staff(data, dry_run=dry_run)
    except ImportRefused as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    for problem in plan.problems:
        click.echo(f"{file}: {problem}")
    if plan.ignored_columns:
        click.echo(f"{file}: ignored columns: {', '.join(plan.ignored_columns)}")
    for row in plan.rows:
        line = f"row {row.line}: {row.status} {row.email or '(no email)'}"
        if row.status == ERROR:
            line += ": " + "; ".join(row.errors)
        elif row.changes:
            line += ": " + "; ".join(row.changes)
        if row.notes:
            line += " (" + "; ".join(row.notes) + ")"
        click.echo(line)
    click.echo(plan.summary)
    if plan.has_errors:
        click.echo("Nothing was imported: fix the errors above and run it again.")
        sys.exit(1)
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    # A plan without errors is applied unless it is a dry run.
    assert result is not None
    click.echo(f"Imported: {result.summary}.")
    if result.invited:
        click.echo(result.invitations_summary)
