"""A team's feedback poster: PNG, SVG and A4 PDF, each with a QR code that opens the team's form
at the site's configured address, for managers of the team and admins only."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pypdfium2
import pytest
import segno
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from carelearn.models import AppRole

BASE_URL = "https://carelearn.example.org"
NAME = 'Eye clinic & "Day" <Surgery>'


@pytest.fixture
def clinic(app, make):
    app.config["BASE_URL"] = BASE_URL
    team = make.team(NAME)
    team.service_promise = "We will tell you how long you will wait."
    from carelearn.extensions import db

    db.session.commit()
    return team


def qr_texts(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image)]


def poster(client, team_id: int, kind: str):
    return client.get(f"/manage/teams/{team_id}/poster.{kind}")


def test_the_png_poster_holds_the_form_address(clinic, make, logged_in):
    client = logged_in(make.manager_of(clinic))
    response = poster(client, clinic.id, "png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (1240, 1754)  # A4 at 150 dots per inch
    assert qr_texts(image) == [f"{BASE_URL}/f/{clinic.id}"]


def test_the_pdf_poster_is_one_a4_page_with_the_code_and_the_address(clinic, make, logged_in):
    client = logged_in(make.manager_of(clinic))
    response = poster(client, clinic.id, "pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.data)
    try:
        assert len(document) == 1
        page = document[0]
        width, height = page.get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
        image = page.render(scale=2).to_pil()
        page.close()
    finally:
        document.close()
    assert qr_texts(image) == [f"{BASE_URL}/f/{clinic.id}"]
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert f"carelearn.example.org/f/{clinic.id}" in text
    assert "Eye clinic" in text and "Tell us how we did" in text


def test_the_svg_poster_is_well_formed_with_the_name_escaped(clinic, make, logged_in):
    client = logged_in(make.manager_of(clinic))
    response = poster(client, clinic.id, "svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    root = ET.fromstring(response.data)  # well-formed XML, or this raises
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert NAME in " ".join(texts)
    assert "&lt;Surgery&gt;" in svg and "<Surgery>" not in svg
    assert f"carelearn.example.org/f/{clinic.id}" in texts
    address = f"{BASE_URL}/f/{clinic.id}"
    assert segno.make(address, error="m").svg_inline(scale=1, border=4) in svg


def test_only_managers_of_the_team_and_admins_get_its_poster(clinic, make, logged_in):
    other = make.team("Fracture clinic")
    outsider = logged_in(make.manager_of(other))
    assert poster(outsider, clinic.id, "png").status_code == 404
    assert poster(logged_in(make.user()), clinic.id, "pdf").status_code == 403
    admin = logged_in(make.user(app_role=AppRole.ADMIN))
    assert poster(admin, clinic.id, "svg").status_code == 200
    assert poster(admin, clinic.id, "gif").status_code == 404
    assert poster(admin, 999999, "png").status_code == 404


def test_a_manager_of_a_team_above_gets_the_poster_of_a_team_below(app, make, logged_in):
    department = make.team("Outpatients", kind="department")
    clinic = make.team("Eye clinic", parent=department)
    client = logged_in(make.manager_of(department))
    assert poster(client, clinic.id, "png").status_code == 200


def test_the_team_page_links_to_the_three_posters(clinic, make, logged_in):
    client = logged_in(make.manager_of(clinic))
    html = client.get(f"/manage/teams/{clinic.id}").get_data(as_text=True)
    assert "Feedback poster" in html
    for kind in ("pdf", "png", "svg"):
        assert f'href="/manage/teams/{clinic.id}/poster.{kind}"' in html


def test_a_machine_without_fonts_still_makes_every_poster(monkeypatch):
    from carelearn.services.feedback import posters

    monkeypatch.setattr(posters, "_font_file", lambda _name: None)
    facts = posters.PosterFacts("Ysbyty Gwynedd – Llŷn", None, f"{BASE_URL}/f/7")
    assert qr_texts(Image.open(io.BytesIO(posters.poster_png(facts)))) == [facts.address]
    text = PdfReader(io.BytesIO(posters.poster_pdf(facts))).pages[0].extract_text()
    assert "Ysbyty Gwynedd" in text and "carelearn.example.org/f/7" in text
