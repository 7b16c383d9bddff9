"""team names unique in any case

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 08:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Teams made before names were checked may share a name: the later ones get their id added,
    # so the index can be built and nobody's team disappears.
    team = sa.table('team', sa.column('id', sa.Integer), sa.column('name', sa.String))
    connection = op.get_bind()
    seen = set()
    for team_id, name in connection.execute(sa.select(team.c.id, team.c.name).order_by(team.c.id)):
        if name.lower() in seen:
            name = f"{name} ({team_id})"[:120]
            connection.execute(team.update().where(team.c.id == team_id).values(name=name))
        seen.add(name.lower())
    op.create_index('uq_team_name_lower', 'team', [sa.text('lower(name)')], unique=True)


def downgrade():
    op.drop_index('uq_team_name_lower', table_name='team')
