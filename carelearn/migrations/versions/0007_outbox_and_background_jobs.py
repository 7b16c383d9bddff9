"""outbox emails and background jobs, for the worker

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('send_after', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed', 'in_doubt')", name=op.f('ck_outbox_email_state_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_email')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_email_message_id'))
    )
    op.create_index('ix_outbox_email_state_send_after', 'outbox_email', ['state', 'send_after'], unique=False)
    op.create_table('background_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('run_after', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'running', 'done', 'failed')", name=op.f('ck_background_job_state_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_background_job')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_background_job_dedupe_key'))
    )
    op.create_index('ix_background_job_state_run_after', 'background_job', ['state', 'run_after'], unique=False)


def downgrade():
    op.drop_index('ix_background_job_state_run_after', table_name='background_job')
    op.drop_table('background_job')
    op.drop_index('ix_outbox_email_state_send_after', table_name='outbox_email')
    op.drop_table('outbox_email')
