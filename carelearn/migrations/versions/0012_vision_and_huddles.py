"""the organisation's service vision, team promises, huddle cards and the huddles teams hold

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00

The team table has counter triggers (models/versions.py): its new column is added in place
(recreate='never'), so SQLite does not rebuild it and the triggers stay.
"""

from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("team", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("service_promise", sa.String(length=200), nullable=True))
    op.create_table(
        "organisation_vision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("promises", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "length(statement) > 0", name=op.f("ck_organisation_vision_statement_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_organisation_vision_updated_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_vision")),
    )
    op.create_table(
        "huddle_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_version_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("prompts", sa.JSON(), nullable=False),
        sa.Column("remember", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_version_id"],
            ["module_version.id"],
            name=op.f("fk_huddle_card_module_version_id_module_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_huddle_card")),
        sa.UniqueConstraint(
            "module_version_id", "key", name=op.f("uq_huddle_card_module_version_id_key")
        ),
        sa.UniqueConstraint(
            "module_version_id", "position", name=op.f("uq_huddle_card_module_version_id_position")
        ),
    )
    op.create_index(op.f("ix_huddle_card_module_version_id"), "huddle_card", ["module_version_id"])
    op.create_table(
        "huddle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("led_by_id", sa.Integer(), nullable=True),
        sa.Column("agreed", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["huddle_card.id"], name=op.f("fk_huddle_card_id_huddle_card")
        ),
        sa.ForeignKeyConstraint(["led_by_id"], ["user.id"], name=op.f("fk_huddle_led_by_id_user")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_huddle_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_huddle")),
    )
    op.create_index(op.f("ix_huddle_card_id"), "huddle", ["card_id"])
    op.create_index("ix_huddle_team_held_on", "huddle", ["team_id", "held_on"])
    op.create_table(
        "huddle_attendance",
        sa.Column("huddle_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["huddle_id"], ["huddle.id"], name=op.f("fk_huddle_attendance_huddle_id_huddle")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_huddle_attendance_user_id_user")
        ),
        sa.PrimaryKeyConstraint("huddle_id", "user_id", name=op.f("pk_huddle_attendance")),
    )
    op.create_index(op.f("ix_huddle_attendance_user_id"), "huddle_attendance", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_huddle_attendance_user_id"), table_name="huddle_attendance")
    op.drop_table("huddle_attendance")
    op.drop_index("ix_huddle_team_held_on", table_name="huddle")
    op.drop_index(op.f("ix_huddle_card_id"), table_name="huddle")
    op.drop_table("huddle")
    op.drop_index(op.f("ix_huddle_card_module_version_id"), table_name="huddle_card")
    op.drop_table("huddle_card")
    op.drop_table("organisation_vision")
    with op.batch_alter_table("team", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("service_promise")
