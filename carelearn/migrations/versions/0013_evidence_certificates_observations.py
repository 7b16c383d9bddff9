"""certificates, observed practice, prior learning, evidence packs, major and minor versions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:40:00

SQLite rebuilds the completion table (its attempt and score become optional, for recognised prior
learning), which drops its counter triggers: they are all created again at the end. The other
tables gain columns in place (recreate='never'); module_version's checked columns are added with
their CHECK in the same ALTER TABLE, which both databases allow.
"""
from alembic import op
import sqlalchemy as sa

from carelearn.models.versions import drop_triggers, install_triggers


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_MODULE_VERSION_COLUMNS = (
    "change_kind VARCHAR(5) DEFAULT 'minor' NOT NULL "
    "CONSTRAINT ck_module_version_change_kind_known CHECK (change_kind IN ('minor', 'major'))",
    "grace_days INTEGER DEFAULT 30 NOT NULL "
    "CONSTRAINT ck_module_version_grace_days_not_negative CHECK (grace_days >= 0)",
    "test_out_mark INTEGER "
    "CONSTRAINT ck_module_version_test_out_mark_percent CHECK (test_out_mark BETWEEN 0 AND 100)",
)


def upgrade():
    op.create_table('evidence_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('team_ids', sa.JSON(), nullable=False),
    sa.Column('as_at', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("scope IN ('teams', 'organisation')", name=op.f('ck_evidence_pack_scope_known')),
    sa.CheckConstraint("state IN ('queued', 'building', 'ready', 'failed')", name=op.f('ck_evidence_pack_state_known')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_evidence_pack_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_pack'))
    )
    with op.batch_alter_table('evidence_pack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_pack_requested_by_id'), ['requested_by_id'], unique=False)

    op.create_table('practice_observation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('module_version_id', sa.Integer(), nullable=False),
    sa.Column('observer_id', sa.Integer(), nullable=False),
    sa.Column('observed_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("outcome IN ('met', 'not yet')", name=op.f('ck_practice_observation_outcome_known')),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_practice_observation_module_id_module')),
    sa.ForeignKeyConstraint(['module_version_id'], ['module_version.id'], name=op.f('fk_practice_observation_module_version_id_module_version')),
    sa.ForeignKeyConstraint(['observer_id'], ['user.id'], name=op.f('fk_practice_observation_observer_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_practice_observation_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_observation'))
    )
    with op.batch_alter_table('practice_observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_observation_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_observation_observed_at'), ['observed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_observation_observer_id'), ['observer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_observation_user_id'), ['user_id'], unique=False)

    op.create_table('prior_learning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('approved_by', sa.String(length=120), nullable=False),
    sa.Column('evidence_name', sa.String(length=200), nullable=False),
    sa.Column('evidence_type', sa.String(length=80), nullable=False),
    sa.Column('evidence', sa.LargeBinary(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('expires_on IS NULL OR expires_on > completed_on', name=op.f('ck_prior_learning_expires_after')),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_prior_learning_module_id_module')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_prior_learning_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_prior_learning_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prior_learning'))
    )
    with op.batch_alter_table('prior_learning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prior_learning_user_id'), ['user_id'], unique=False)

    op.create_table('team_supervisor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('named_by_id', sa.Integer(), nullable=True),
    sa.Column('named_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['named_by_id'], ['user.id'], name=op.f('fk_team_supervisor_named_by_id_user')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_team_supervisor_team_id_team')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_team_supervisor_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_supervisor')),
    sa.UniqueConstraint('team_id', 'user_id', name=op.f('uq_team_supervisor_team_id_user_id'))
    )
    with op.batch_alter_table('team_supervisor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_supervisor_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_supervisor_user_id'), ['user_id'], unique=False)

    op.create_table('evidence_pack_chunk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pack_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['pack_id'], ['evidence_pack.id'], name=op.f('fk_evidence_pack_chunk_pack_id_evidence_pack')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_pack_chunk')),
    sa.UniqueConstraint('pack_id', 'position', name=op.f('uq_evidence_pack_chunk_pack_id_position'))
    )
    op.create_table('observation_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['observation_id'], ['practice_observation.id'], name=op.f('fk_observation_item_observation_id_practice_observation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observation_item')),
    sa.UniqueConstraint('observation_id', 'position', name=op.f('uq_observation_item_observation_id_position'))
    )
    with op.batch_alter_table('completion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=16), server_default='quiz', nullable=False))
        batch_op.add_column(sa.Column('redo_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('observation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prior_learning_id', sa.Integer(), nullable=True))
        batch_op.alter_column('attempt_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('score_percent',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_completion_prior_learning_id'), ['prior_learning_id'])
        batch_op.create_foreign_key(batch_op.f('fk_completion_prior_learning_id_prior_learning'), 'prior_learning', ['prior_learning_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_completion_observation_id_practice_observation'), 'practice_observation', ['observation_id'], ['id'])
        batch_op.create_check_constraint(
            'method_known', "method IN ('quiz', 'tested_out', 'prior_learning')")
        batch_op.create_check_constraint(
            'evidence_matches_method', "(method = 'prior_learning') = (attempt_id IS NULL)")
        batch_op.create_check_constraint(
            'prior_learning_linked',
            "(method = 'prior_learning') = (prior_learning_id IS NOT NULL)")
        batch_op.create_check_constraint(
            'scored', "score_percent IS NOT NULL OR method = 'prior_learning'")

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('completion_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('length(code) >= 16', name=op.f('ck_certificate_code_long_enough')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_certificate_sha256_hex')),
    sa.ForeignKeyConstraint(['completion_id'], ['completion.id'], name=op.f('fk_certificate_completion_id_completion')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_certificate_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
    sa.UniqueConstraint('completion_id', name=op.f('uq_certificate_completion_id'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_user_id'), ['user_id'], unique=False)

    for column in _MODULE_VERSION_COLUMNS:
        op.execute(f"ALTER TABLE module_version ADD COLUMN {column}")
    with op.batch_alter_table('module_version', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('practice_checklist', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('practice_required', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('quiz_attempt', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('testing_out', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('training_record', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('awaiting_sign_off', sa.Boolean(), server_default=sa.false(), nullable=False))

    connection = op.get_bind()
    drop_triggers(connection)
    install_triggers(connection)


def downgrade():
    for table in ('certificate', 'observation_item', 'evidence_pack_chunk', 'team_supervisor'):
        op.drop_table(table)
    with op.batch_alter_table('training_record', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('awaiting_sign_off')
        batch_op.drop_column('method')
    with op.batch_alter_table('quiz_attempt', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('testing_out')
    with op.batch_alter_table('module_version', schema=None, recreate='never') as batch_op:
        for column in (
            'practice_required', 'practice_checklist', 'test_out_mark', 'grace_days', 'change_kind'
        ):
            batch_op.drop_column(column)
    # Prior learning has no attempt to fall back on: its completions go with it.
    op.execute("DELETE FROM completion WHERE method = 'prior_learning'")
    with op.batch_alter_table('completion', schema=None) as batch_op:
        for check in ('scored', 'prior_learning_linked', 'evidence_matches_method', 'method_known'):
            batch_op.drop_constraint(op.f(f'ck_completion_{check}'), type_='check')
        batch_op.drop_constraint(op.f('fk_completion_observation_id_practice_observation'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_completion_prior_learning_id_prior_learning'), type_='foreignkey')
        batch_op.drop_constraint(op.f('uq_completion_prior_learning_id'), type_='unique')
        batch_op.alter_column('score_percent', existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column('attempt_id', existing_type=sa.INTEGER(), nullable=False)
        for column in ('prior_learning_id', 'observation_id', 'redo_by', 'method'):
            batch_op.drop_column(column)
    for table in ('prior_learning', 'practice_observation', 'evidence_pack'):
        op.drop_table(table)
    connection = op.get_bind()
    drop_triggers(connection)
    install_triggers(connection)
