"""when a person was deactivated, and when a leaver was anonymised

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 07:35:00

The user table has counter triggers (models/versions.py): the columns are added in place
(recreate='never'), so SQLite does not rebuild it and the triggers stay. People deactivated
before this take the time of their last deactivation in the audit trail.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))
    op.execute(
        """
        UPDATE "user" SET deactivated_at = (
            SELECT max(e.at) FROM audit_event e
            WHERE e.action = 'user.deactivate' AND e.subject_type = 'user'
            AND e.subject_id = "user".id)
        WHERE active = false
        """
    )


def downgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('deactivated_at')
