"""the database raises the cached pages' change counters

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:30:00

"""
from alembic import op

from carelearn.models.versions import drop_triggers, install_triggers

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    install_triggers(op.get_bind())
    # Counters raised before now may have missed writes made outside the app: raise them all
    # once, so every cached page is computed afresh.
    op.execute("UPDATE team_version SET version = version + 1")


def downgrade():
    drop_triggers(op.get_bind())
