"""The Help page: public, with a standard text until an admin writes whom to ask."""

from sqlalchemy import func, select

from carelearn.models import AppRole, AuditEvent, HelpPage
from carelearn.services.site.help import (
    DEFAULT_HELP,
    HELP_MAX_CHARS,
    help_problems,
    help_text,
    save_help_text,
)
from tests.conftest import csrf_token


def _save(client, body: str):
    token = csrf_token(client, "/admin/help")
    return client.post("/admin/help", data={"body": body, "csrf_token": token})


def test_help_is_public_and_linked_from_every_page(client, make, logged_in):
    response = client.get("/help")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Help</h1>" in html and "<h2>Whom to ask</h2>" in html
    assert "Go to the log-in page" in html
    assert '<a class="site-footer__link" href="/help">Help</a>' in client.get("/login").get_data(
        as_text=True
    )
    learner_html = logged_in(make.user()).get("/learn").get_data(as_text=True)
    assert 'href="/help">Help</a>' in learner_html
    # Only an admin is told the text is the standard one and where to change it.
    assert "change the help text" not in html
    admin = logged_in(make.user(app_role=AppRole.ADMIN))
    assert "change the help text" in admin.get("/help").get_data(as_text=True)


def test_an_admin_edits_the_help_text_and_the_change_is_audited(db, make, logged_in):
    admin_user = make.user(app_role=AppRole.ADMIN, name="Ada Admin")
    admin = logged_in(admin_user)
    form = admin.get("/admin/help").get_data(as_text=True)
    assert "Help page" in form and "Whom to ask" in form  # the standard text, ready to change
    assert "Anyone can read the Help page" in form

    text = "## Whom to ask\n\nAsk **Priya Shah**, training lead, on extension 4321.\r\n"
    response = _save(admin, text)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/help")
    assert "Everyone now sees the new text" in admin.get("/admin/help").get_data(as_text=True)

    public = make.user()
    html = logged_in(public).get("/help").get_data(as_text=True)
    assert "Ask <strong>Priya Shah</strong>, training lead, on extension 4321." in html
    assert "Back to my training" in html

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "help.update")).all()
    assert len(events) == 1 and events[0].actor_id == admin_user.id
    stored = db.session.get(HelpPage, 1)
    assert (
        stored.body == "## Whom to ask\n\nAsk **Priya Shah**, training lead, on extension 4321.\n"
    )
    assert stored.updated_by_id == admin_user.id
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "Ada Admin changed the text of the Help page (now 70 characters)" in audit

    # Saving the same text again changes and records nothing.
    _save(admin, text)
    assert "Nothing changed" in admin.get("/admin/help").get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "help.update")
        )
        == 1
    )


def test_bad_help_text_is_refused_with_what_to_fix_and_kept_on_the_form(db, make, logged_in):
    admin = logged_in(make.user(app_role=AppRole.ADMIN))
    for body, message in (
        ("   ", "Enter the help text"),
        ("Ask <script>alert(1)</script> us", "Line 1: unsafe HTML: raw HTML is not allowed"),
        ("[Click](javascript:alert(1))", "Line 1: unsafe link"),
        ("# Help", "Line 1: use &#39;##&#39; or lower for headings"),
        ("## Who\n\n#### Deep", "Line 3: a heading with #### must follow one with ###"),
        ("x" * (HELP_MAX_CHARS + 1), f"{HELP_MAX_CHARS} characters or fewer"),
    ):
        response = _save(admin, body)
        assert response.status_code == 422, body
        html = response.get_data(as_text=True)
        assert "There is a problem" in html and message in html, (body, html)
        assert "<title>Error: Help page" in html
        if body.strip() and len(body) < 100:
            assert body.replace("<", "&lt;").replace("'", "&#39;")[:10] in html  # nothing lost
    assert db.session.scalar(select(func.count(HelpPage.id))) == 0
    assert help_text().markdown == DEFAULT_HELP


def test_only_admins_edit_the_help_text(client, make, logged_in):
    learner = logged_in(make.user())
    manager = logged_in(make.user(app_role=AppRole.MANAGER))
    for browser in (learner, manager):
        assert browser.get("/admin/help").status_code == 403
        token = csrf_token(browser, "/learn")
        response = browser.post("/admin/help", data={"body": "x", "csrf_token": token})
        assert response.status_code == 403
    assert client.get("/admin/help").status_code == 302  # logged out: to the log-in page
    admin = logged_in(make.user(app_role=AppRole.ADMIN))
    assert admin.post("/admin/help", data={"body": "Ask us"}).status_code == 400  # no CSRF token


def test_help_rules_directly(db, make):
    assert help_problems(DEFAULT_HELP) == []
    assert help_problems("Just ask your manager.") == []
    assert help_problems("## A\n\n### B\n\n## C") == []
    admin = make.user(app_role=AppRole.ADMIN)
    assert save_help_text("Ask your manager.", admin.id) is True
    db.session.commit()
    shown = help_text()
    assert not shown.is_standard and shown.html == "<p>Ask your manager.</p>\n"
