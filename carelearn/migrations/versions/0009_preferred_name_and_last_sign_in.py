"""a person's preferred name, and when they last signed in

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


# recreate='never': on SQLite the columns are added and dropped in place (ALTER TABLE), so the
# user table is never rebuilt and keeps its counter triggers (models/versions.py). Neither
# column is one cached pages show, so the triggers need no change.
def upgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('preferred_name', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('last_signed_in_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('last_signed_in_at')
        batch_op.drop_column('preferred_name')
