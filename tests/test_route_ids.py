"""Every route's ids: a number past what a database id can hold, or digits that are not ASCII,
find nothing (404) on every page, signed in as an admin, never an error."""

import re

import pytest
from werkzeug.routing import IntegerConverter

from carelearn.core.numbers import MAX_ID, DatabaseIdConverter
from carelearn.models import AppRole

NOT_IDS = [str(MAX_ID + 1), str(2**63), str(2**64), "9" * 30, "²", "١٢"]


def _paths(app, slug: str, value: str) -> list[tuple[str, str]]:
    """(method, path) of every route with an id, the ids set to `value`, other parts real."""
    found = []
    for rule in app.url_map.iter_rules():
        ints = [n for n, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if not ints or rule.endpoint == "static":
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(
                rf"<(?:[a-z]+(?:\([^)]*\))?:)?{name}>", value if name in ints else slug, path
            )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def test_every_int_in_a_route_is_a_database_id(app):
    converters = [
        c
        for rule in app.url_map.iter_rules()
        for c in rule._converters.values()
        if isinstance(c, IntegerConverter)
    ]
    assert converters and all(isinstance(c, DatabaseIdConverter) for c in converters)


@pytest.mark.parametrize("value", NOT_IDS)
def test_ids_no_database_could_hold_find_nothing(app, make, logged_in, value):
    version = make.module()
    admin = make.user(app_role=AppRole.ADMIN)
    client = logged_in(admin)
    paths = _paths(app, version.slug, value)
    assert len(paths) > 20
    for method, path in paths:
        response = client.open(path, method=method)
        assert response.status_code in (404, 405), (method, path, response.status_code)


def test_the_largest_id_is_still_looked_up(app, make, logged_in):
    admin = make.user(app_role=AppRole.ADMIN)
    response = logged_in(admin).get(f"/manage/people/{MAX_ID}")
    assert response.status_code == 404
