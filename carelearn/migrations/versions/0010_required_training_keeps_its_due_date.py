"""a module assigned to someone keeps its due date once done, so it stays required

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00

A TrainingRecord's due date was cleared when every assignment was done. It now keeps the
latest assignment's date: a record with a due date is required training, one without is
optional (services/training/requirement.py). Data only: no table is rebuilt, so the counter
triggers stay (and raise the counters of the people whose records change).
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        UPDATE training_record SET due_on = (
            SELECT max(a.due_on) FROM assignment a
            WHERE a.user_id = training_record.user_id AND a.module_id = training_record.module_id
        )
        WHERE due_on IS NULL AND EXISTS (
            SELECT 1 FROM assignment a
            WHERE a.user_id = training_record.user_id AND a.module_id = training_record.module_id
        )
        """
    )


def downgrade():
    op.execute(
        """
        UPDATE training_record SET due_on = NULL
        WHERE due_on IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM assignment a
            WHERE a.user_id = training_record.user_id AND a.module_id = training_record.module_id
            AND a.completed_at IS NULL
        )
        """
    )
