"""branching conversations: a question's steps, and the path a learner takes through them

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:00:00

Neither table has counter triggers (models/versions.py), so SQLite may rebuild both to change
their check constraints.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('single', 'multiple', 'true_false', 'scenario', 'reflection')"
NEW_KINDS = (
    "kind IN ('single', 'multiple', 'true_false', 'scenario', 'reflection', 'conversation')"
)


def upgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('steps', sa.JSON(), nullable=True))
        batch_op.drop_constraint('kind_known', type_='check')
        batch_op.create_check_constraint('kind_known', NEW_KINDS)
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column('steps_taken', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('outcome', sa.String(length=12), nullable=True))
        batch_op.create_check_constraint(
            'outcome_known', "outcome IN ('best', 'acceptable', 'poor')"
        )
        batch_op.create_check_constraint('steps_taken_not_negative', 'steps_taken >= 0')


def downgrade():
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.drop_constraint('steps_taken_not_negative', type_='check')
        batch_op.drop_constraint('outcome_known', type_='check')
        batch_op.drop_column('outcome')
        batch_op.drop_column('steps_taken')
        batch_op.drop_column('path')
    # Going back loses the conversations, and the learners' paths through them.
    conversations = "SELECT id FROM question WHERE kind = 'conversation'"
    op.execute(f"DELETE FROM attempt_question WHERE question_id IN ({conversations})")
    op.execute("DELETE FROM question WHERE kind = 'conversation'")
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint('kind_known', type_='check')
        batch_op.create_check_constraint('kind_known', OLD_KINDS)
        batch_op.drop_column('steps')
