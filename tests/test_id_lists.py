"""A list of ids bound as one parameter (core/id_lists.py), on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from carelearn.core.id_lists import InIdList
from carelearn.models import Team, User


@pytest.mark.parametrize("wanted", [[], [0], [1], [1, 3], [3, 1, 3], [2**31 - 1]])
def test_rows_whose_id_is_in_the_list(make, db, wanted):
    teams = [make.team(f"Team {n}") for n in range(4)]
    ids = [teams[n].id if n < len(teams) else n for n in wanted]
    query = select(Team.id).where(InIdList(Team.id, "ids")).order_by(Team.id)
    found = db.session.scalars(query, {"ids": ids}).all()
    assert found == sorted({t.id for t in teams} & set(ids))


def test_one_parameter_however_many_ids_and_no_mix_up_between_columns(make, db, count_queries):
    team, person = make.team("Eye clinic"), make.user()
    teams = select(Team.name).where(InIdList(Team.id, "ids"))
    people = select(User.name).where(InIdList(User.id, "ids"))
    with count_queries() as seen:
        assert db.session.scalars(teams, {"ids": [team.id, *range(10**6, 10**6 + 500)]}).all() == [
            "Eye clinic"
        ]
        assert db.session.scalars(people, {"ids": [person.id]}).all() == [person.name]
    assert len(seen.statements) == 2
    assert all("ids_" not in s for s in seen.statements)  # not one parameter per id


def test_only_whole_numbers_are_sent(db):
    with pytest.raises(StatementError, match="invalid literal for int"):
        db.session.scalars(select(Team.id).where(InIdList(Team.id, "ids")), {"ids": ["1; x"]})
