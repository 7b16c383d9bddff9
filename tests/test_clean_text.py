"""Control and bidirectional characters never reach a form, a view or an import."""

import pytest
from flask import jsonify, request

from carelearn.core.text import clean_text
from carelearn.extensions import csrf
from carelearn.services.people.staff_csv import parse_staff_csv


@pytest.mark.parametrize(
    "typed,kept",
    [
        ("Grace Okafor", "Grace Okafor"),
        ("Invoice\u202etxt.exe", "Invoicetxt.exe"),  # right-to-left override
        ("\u2066Ada\u2069 Lovelace", "Ada Lovelace"),  # isolates
        ("Bell\x07 and null\x00 and escape\x1b[31m", "Bell and null and escape[31m"),
        ("line one\r\nline two\rthree", "line one\nline two\nthree"),
        ("tab\tstays", "tab\tstays"),
        ("C1\x85control\x9b", "C1control"),
        ("Zoë, Łukasz, محمد, 王芳", "Zoë, Łukasz, محمد, 王芳"),  # letters of any script stay
        ("emoji 👍 stays", "emoji 👍 stays"),
    ],
)
def test_clean_text(typed, kept):
    assert clean_text(typed) == kept


def test_what_a_browser_sends_arrives_cleaned(app):
    @app.post("/test-only/echo")
    def echo():
        return jsonify(form=request.form.getlist("name"), args=request.args.get("q"))

    csrf.exempt(echo)

    response = app.test_client().post(
        "/test-only/echo?q=find\u202eme",
        data={"name": ["Sam\u202e", "Jo\x00"]},
    )
    assert response.json == {"form": ["Sam", "Jo"], "args": "findme"}


def test_an_import_cleans_every_cell():
    parsed = parse_staff_csv(
        "email,name,job role,team\n"
        "sam@example.org,Sam\u202e Jones\x07,Receptionist,Main\u2066 Reception\n"
    )
    assert not parsed.problems
    cells = parsed.rows[0].cells
    assert cells["name"] == "Sam Jones" and cells["team"] == "Main Reception"
