"""The audit trail, read-only, newest first."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import AuditEvent, User

AUDIT_PAGE_SIZE = 50


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/audit", view_func=audit)


def audit():
    """Pages by id (`before`), so a page is as quick at the millionth event as at the first."""
    before = request.args.get("before", type=int)
    action = (request.args.get("action") or "").strip()
    actor = aliased(User)
    query = (
        select(AuditEvent, actor.name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .order_by(AuditEvent.id.desc())
        .limit(AUDIT_PAGE_SIZE + 1)
    )
    if before:
        query = query.where(AuditEvent.id < before)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    rows = db.session.execute(query).all()
    more = len(rows) > AUDIT_PAGE_SIZE
    rows = rows[:AUDIT_PAGE_SIZE]
    actions = db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    return render_template(
        "admin/audit.html",
        rows=rows,
        action=action,
        actions=actions,
        next_before=rows[-1][0].id if more else None,
    )
