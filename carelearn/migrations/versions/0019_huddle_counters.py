"""a recorded huddle raises its team's change counter

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 19:10:00

So the manager dashboard can keep each team's monthly huddle counts with its other figures
instead of counting them on every request (core/freshness.py).
"""
from alembic import op

from carelearn.models.versions import drop_triggers, install_triggers


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    drop_triggers(connection)
    install_triggers(connection)


def downgrade():
    drop_triggers(op.get_bind(), only=("huddle",))
