"""`flask invite`: email existing people a link to set their password."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..models.people import normalise_email


@click.command("invite", help="Email existing people an invitation link to set their password.")
@click.argument("emails", nargs=-1, required=True, metavar="EMAIL...")
def invite(emails: tuple[str, ...]):
    from ..services.people.invitations import INVITE_LIFETIME, invite_users

    wanted = list(dict.fromkeys(normalise_email(e) for e in emails))
    found = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(wanted)))}
    unknown = [e for e in wanted if e not in found]
    if unknown:
        # Nothing is sent, so a typo can be fixed and the same command run again.
        raise click.ClickException("No account for " + ", ".join(unknown) + ". Nothing was sent.")
    for email in wanted:
        if not found[email].active:
            click.echo(f"skipped {email}: the account is deactivated")
    queued = invite_users([found[e] for e in wanted])
    click.echo(
        f"Queued {queued} invitation{'s' if queued != 1 else ''} for the worker to send "
        f"(links expire in {INVITE_LIFETIME.days} days)."
    )
    if queued and not current_app.config["SMTP_HOST"]:
        click.echo(
            "No SMTP server is set (CARELEARN_SMTP_HOST), so the worker writes the emails to "
            f"{current_app.config['OUTBOX_DIR']}"
        )
