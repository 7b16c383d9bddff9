"""Flask commands: content checking and publishing, accounts, demo data, backups."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app

from .admin.commands import import_staff_command
from .auth.commands import invite
from .content.publisher import check_content, publish_content
from .content.quality import summary_lines
from .core.backup import BackupError, backup_sqlite, default_backup_path
from .core.clock import utcnow
from .worker import worker_command


def init_app(app: Flask) -> None:
    app.cli.add_command(content)
    app.cli.add_command(import_staff_command)
    app.cli.add_command(create_admin)
    app.cli.add_command(demo)
    app.cli.add_command(invite)
    app.cli.add_command(apply_rules)
    app.cli.add_command(send_reminders)
    app.cli.add_command(worker_command)
    app.cli.add_command(backup)


@click.group(help="Check and publish the training content under modules/.")
def content():
    pass


def _content_dir(path: str | None) -> Path:
    return Path(path or current_app.config["CONTENT_DIR"])


@content.command("check", help="Validate content files; print path:line: message per problem.")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def content_check(path: str | None):
    sources, problems = check_content(_content_dir(path))
    for problem in problems:
        click.echo(str(problem))
    for source in sources:
        if source.quality:  # missing when a module's files are too broken to judge
            click.echo("\n".join(summary_lines(source.slug, source.quality)))
    if problems:
        sys.exit(1)
    lessons = sum(len(s.lessons) for s in sources)
    questions = sum(len(s.questions) for s in sources)
    click.echo(f"OK: {len(sources)} modules, {lessons} lessons, {questions} questions")


@content.command("publish", help="Load valid, changed modules into the database as new versions.")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def content_publish(path: str | None):
    from .services.onboarding.new_versions import apply_new_versions

    outcomes = publish_content(_content_dir(path))
    asked = apply_new_versions(outcomes)
    for outcome in outcomes:
        if outcome.status == "invalid":
            click.echo(f"not published {outcome.slug}: {len(outcome.problems)} problem(s)")
            for problem in outcome.problems:
                click.echo(f"  {problem}")
        else:
            v = outcome.version
            click.echo(f"{outcome.status} {outcome.slug}: version {v.number} ({v.label})")
    if asked:
        click.echo(f"{asked} {'person' if asked == 1 else 'people'} asked to take a new version.")
    if any(o.status == "invalid" for o in outcomes):
        sys.exit(1)


@click.command("create-admin", help="Create an admin account (or make an existing one admin).")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
def create_admin(email: str, name: str):
    from .services.people.accounts import AccountError, create_admin_account

    # Only ever asked for at the prompt, so it never lands in shell history or `ps`.
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_admin_account(email, name, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Admin account ready: {user.email}")


@click.command("demo", help="Seed a small demo organisation. Safe to run again.")
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    default=None,
    metavar="STAFF",
    help="Also build a large organisation of this many generated staff (e.g. 10000).",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="With --scale: the same seed builds the same organisation.",
)
def demo(scale: int | None, seed: int):
    from .demo import seed_demo

    if scale:  # the large organisation needs the published modules
        content_publish.callback(None)
    summary = seed_demo()
    click.echo(summary)
    if scale:
        from .demo.scale import build_scale_demo

        click.echo(build_scale_demo(scale, seed))


@click.command(
    "apply-rules",
    help="Give staff the learning paths their onboarding rules call for; "
    "assign expired modules again for recertification. Safe to run again.",
)
def apply_rules():
    from .services.onboarding.assignments import create_recertification_assignments
    from .services.onboarding.rules import apply_onboarding_rules

    onboarding = apply_onboarding_rules()
    renewals = create_recertification_assignments()
    click.echo(
        f"{onboarding} assignment{'s' if onboarding != 1 else ''} from onboarding rules, "
        f"{renewals} for recertification."
    )


@click.command(
    "send-reminders",
    help="Queue today's reminders, escalations and weekly digests for the worker to send "
    "(the worker also does this daily). Running it twice in a day sends nothing twice.",
)
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if today were this date (YYYY-MM-DD).",
)
def send_reminders(on):
    from .services.onboarding.assignments import create_recertification_assignments
    from .services.onboarding.reminders import send_reminders as run_reminders

    day = on.date() if on else None
    create_recertification_assignments(day)
    run = run_reminders(day)
    click.echo(
        f"Queued {run.learner_emails} reminder(s), {run.escalations} escalation(s), "
        f"{run.digests} weekly digest(s) for the worker to send."
    )


@click.command("backup", help="Copy the SQLite database, consistently, while the app runs.")
@click.option(
    "--to",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (default: instance/backups/carelearn-<date>-<time>.sqlite3).",
)
def backup(target: Path | None):
    target = target or default_backup_path(Path(current_app.instance_path) / "backups", utcnow())
    try:
        made = backup_sqlite(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except BackupError as problem:
        raise click.ClickException(str(problem)) from problem
    click.echo(f"Backed up to {made} ({made.stat().st_size:,} bytes), checked whole.")
