"""patients' and staff feedback by team, monthly counts, "you said, we did", the staff pulse,
learners' ratings of modules, and the feedback themes each module answers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:40:00

feedback_month has counter triggers (models/versions.py): they are created at the end. The
module_version column is added in place (recreate='never'), so its triggers stay.
"""
from alembic import op
import sqlalchemy as sa

from carelearn.models.versions import drop_triggers, install_triggers


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('very_good', sa.Integer(), nullable=False),
    sa.Column('good', sa.Integer(), nullable=False),
    sa.Column('neither', sa.Integer(), nullable=False),
    sa.Column('poor', sa.Integer(), nullable=False),
    sa.Column('very_poor', sa.Integer(), nullable=False),
    sa.Column('dont_know', sa.Integer(), nullable=False),
    sa.Column('compliments', sa.Integer(), nullable=False),
    sa.Column('concerns', sa.Integer(), nullable=False),
    sa.Column('complaints', sa.Integer(), nullable=False),
    sa.Column('aspects_good', sa.JSON(), nullable=False),
    sa.Column('aspects_better', sa.JSON(), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_feedback_month_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_month')),
    sa.UniqueConstraint('team_id', 'month', name=op.f('uq_feedback_month_team_id_month'))
    )
    op.create_table('pulse_response',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('know_vision', sa.SmallInteger(), nullable=False),
    sa.Column('can_raise_concern', sa.SmallInteger(), nullable=False),
    sa.Column('team_acts', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('can_raise_concern BETWEEN 1 AND 5', name=op.f('ck_pulse_response_can_raise_concern_scale')),
    sa.CheckConstraint('know_vision BETWEEN 1 AND 5', name=op.f('ck_pulse_response_know_vision_scale')),
    sa.CheckConstraint('team_acts BETWEEN 1 AND 5', name=op.f('ck_pulse_response_team_acts_scale')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_pulse_response_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_response'))
    )
    with op.batch_alter_table('pulse_response', schema=None) as batch_op:
        batch_op.create_index('ix_pulse_response_quarter_team', ['quarter', 'team_id'], unique=False)

    op.create_table('feedback_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('answer', sa.String(length=10), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=True),
    sa.Column('listened', sa.Boolean(), nullable=True),
    sa.Column('kindness', sa.Boolean(), nullable=True),
    sa.Column('information', sa.Boolean(), nullable=True),
    sa.Column('waiting', sa.Boolean(), nullable=True),
    sa.Column('cleanliness', sa.Boolean(), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('logged_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(source = 'patient' AND answer IS NOT NULL AND kind IS NULL AND logged_by_id IS NULL) OR (source = 'staff' AND kind IS NOT NULL AND logged_by_id IS NOT NULL)", name=op.f('ck_feedback_entry_source_fields')),
    sa.CheckConstraint("answer IN ('very_good', 'good', 'neither', 'poor', 'very_poor', 'dont_know')", name=op.f('ck_feedback_entry_answer_known')),
    sa.CheckConstraint("kind IN ('compliment', 'concern', 'complaint')", name=op.f('ck_feedback_entry_kind_known')),
    sa.CheckConstraint("source IN ('patient', 'staff')", name=op.f('ck_feedback_entry_source_known')),
    sa.CheckConstraint('length(comment) <= 2000', name=op.f('ck_feedback_entry_comment_short')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['user.id'], name=op.f('fk_feedback_entry_hidden_by_id_user')),
    sa.ForeignKeyConstraint(['logged_by_id'], ['user.id'], name=op.f('fk_feedback_entry_logged_by_id_user')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_feedback_entry_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_entry'))
    )
    with op.batch_alter_table('feedback_entry', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_entry_team_received', ['team_id', 'received_on'], unique=False)

    op.create_table('module_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_version_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_module_rating_stars_scale')),
    sa.ForeignKeyConstraint(['module_version_id'], ['module_version.id'], name=op.f('fk_module_rating_module_version_id_module_version')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_module_rating_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_rating')),
    sa.UniqueConstraint('user_id', 'module_version_id', name=op.f('uq_module_rating_user_id_module_version_id'))
    )
    with op.batch_alter_table('module_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_rating_module_version_id'), ['module_version_id'], unique=False)

    op.create_table('pulse_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_pulse_round_opened_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_round')),
    sa.UniqueConstraint('quarter', name=op.f('uq_pulse_round_quarter'))
    )
    op.create_table('pulse_taken',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_pulse_taken_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_taken')),
    sa.UniqueConstraint('user_id', 'quarter', name=op.f('uq_pulse_taken_user_id_quarter'))
    )
    op.create_table('you_said_we_did',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('you_said', sa.String(length=300), nullable=False),
    sa.Column('we_did', sa.String(length=500), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('length(you_said) > 0 AND length(we_did) > 0', name=op.f('ck_you_said_we_did_both_written')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['user.id'], name=op.f('fk_you_said_we_did_posted_by_id_user')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_you_said_we_did_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_you_said_we_did'))
    )
    with op.batch_alter_table('you_said_we_did', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_you_said_we_did_team_id'), ['team_id'], unique=False)

    with op.batch_alter_table('module_version', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('themes', sa.JSON(), server_default='[]', nullable=False))

    connection = op.get_bind()
    drop_triggers(connection)
    install_triggers(connection)


def downgrade():
    connection = op.get_bind()
    drop_triggers(connection)
    with op.batch_alter_table('module_version', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('themes')

    with op.batch_alter_table('you_said_we_did', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_you_said_we_did_team_id'))

    op.drop_table('you_said_we_did')
    op.drop_table('pulse_taken')
    op.drop_table('pulse_round')
    with op.batch_alter_table('module_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_rating_module_version_id'))

    op.drop_table('module_rating')
    with op.batch_alter_table('feedback_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_entry_team_received')

    op.drop_table('feedback_entry')
    with op.batch_alter_table('pulse_response', schema=None) as batch_op:
        batch_op.drop_index('ix_pulse_response_quarter_team')

    op.drop_table('pulse_response')
    op.drop_table('feedback_month')
    install_triggers(connection)
