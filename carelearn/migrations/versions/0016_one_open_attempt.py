"""one open quiz attempt per person and module version

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 07:20:00

Two presses of "Start quiz" at once could each open an attempt. Where that happened, the newest
open attempt is kept and the older open ones (never submitted, so never scored) go.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

_OLDER_OPEN = """
    SELECT a.id FROM quiz_attempt a
    WHERE a.submitted_at IS NULL AND EXISTS (
        SELECT 1 FROM quiz_attempt b
        WHERE b.user_id = a.user_id AND b.module_version_id = a.module_version_id
        AND b.submitted_at IS NULL AND b.id > a.id)
"""


def upgrade():
    op.execute(f"DELETE FROM attempt_question WHERE attempt_id IN ({_OLDER_OPEN})")
    op.execute(f"DELETE FROM quiz_attempt WHERE id IN ({_OLDER_OPEN})")
    op.create_index(
        'uq_quiz_attempt_open',
        'quiz_attempt',
        ['user_id', 'module_version_id'],
        unique=True,
        sqlite_where=sa.text('submitted_at IS NULL'),
        postgresql_where=sa.text('submitted_at IS NULL'),
    )


def downgrade():
    op.drop_index('uq_quiz_attempt_open', table_name='quiz_attempt')
