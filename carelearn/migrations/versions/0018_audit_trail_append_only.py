"""the database refuses any change or removal of an audit entry

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 07:55:00

Until now only the app refused; a script or psql could still change the trail.
"""
from alembic import op

from carelearn.models.audit import drop_audit_guard, install_audit_guard


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    install_audit_guard(op.get_bind())


def downgrade():
    drop_audit_guard(op.get_bind())
