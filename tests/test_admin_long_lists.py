"""Lists on the admin pages that can grow long are paged or searchable."""

from __future__ import annotations

import pytest

from carelearn.models import AppRole
from tests.conftest import csrf_token


@pytest.fixture
def admin_client(make, logged_in):
    return logged_in(make.user(app_role=AppRole.ADMIN, role="admin-staff"))


def test_teams_can_be_found_by_part_of_their_name(make, admin_client):
    trust = make.team("Riverside Trust", kind="organisation")
    planned = make.team("Planned Care", kind="directorate", parent=trust)
    outpatients = make.team("Outpatients", kind="department", parent=planned)
    make.team("Outpatients Reception", parent=outpatients)
    make.team("Portering", parent=trust)
    html = admin_client.get("/admin/teams?q=++OUTpatients+").get_data(as_text=True)
    assert "2 teams with “OUTpatients” in the name" in html
    assert "Inside Riverside Trust › Planned Care › Outpatients" in html
    assert "Portering" not in html and "Show every team" in html
    none = admin_client.get("/admin/teams?q=<b>x</b>").get_data(as_text=True)
    assert "No team has “&lt;b&gt;x&lt;/b&gt;” in its name" in none
    everything = admin_client.get("/admin/teams").get_data(as_text=True)
    assert "Portering" in everything and "Outpatients Reception" in everything


def test_a_long_import_lists_the_first_rows_then_only_those_to_check(db, make, admin_client):
    team = make.team("Portering")
    known = make.user(email="known@example.org", name="Known Person", role="porter")
    make.join(known, team)
    lines = [f"p{n}@example.org,Person {n},Porter,Portering" for n in range(600)]
    lines[450] = "known@example.org,Known Person-Smith,Porter,Portering"
    text = "email,name,job role,team\n" + "\n".join(lines) + "\n"
    token = csrf_token(admin_client, "/admin/import")
    response = admin_client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (__import__("io").BytesIO(text.encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Showing 201 of 600 rows: the first 200, then those with an error or a change." in html
    assert html.count('<tr id="row-') == 201
    assert "name: Known Person → Known Person-Smith" in html
    assert "Import 600 rows" in html


def test_a_file_full_of_errors_lists_the_first_fifty_in_the_summary(make, admin_client):
    make.team("Portering")
    lines = [f"p{n}@example.org,Person {n},Astronaut,Portering" for n in range(60)]
    text = "email,name,job role,team\n" + "\n".join(lines) + "\n"
    token = csrf_token(admin_client, "/admin/import")
    response = admin_client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (__import__("io").BytesIO(text.encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    start = html.index("Nothing can be imported yet")
    summary = html[start : html.index("</ul>", start)]
    assert summary.count("unknown job role") == 50
    assert "… and 10 more rows with errors." in summary
