"""the Help page's text, which admins edit

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('help_page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_help_page_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_page'))
    )


def downgrade():
    op.drop_table('help_page')
