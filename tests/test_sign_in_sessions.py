"""Sessions for shared ward computers: signing out ends a session on the server, an idle or old
session times out, a deactivated person's sessions stay ended, and nothing signed in is cached."""

from datetime import datetime, timedelta

from sqlalchemy import select

from carelearn.core import clock
from carelearn.models import AppRole, SignInSession
from carelearn.services.people.people import set_active

from .conftest import csrf_token, login

START = datetime(2026, 6, 15, 8, 0)


def _copy_cookie(app, client):
    """A second browser holding a copy of the first one's session cookie."""
    cookie = client.get_cookie("session")
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    return copy


def _signed_in(client) -> bool:
    return client.get("/learn").status_code == 200


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(app, db, make, logged_in):
    person = make.user()
    client = logged_in(person)
    copy = _copy_cookie(app, client)
    assert _signed_in(copy)

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/learn")})
    assert response.status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(copy)
    ended = db.session.scalars(select(SignInSession).where(SignInSession.user_id == person.id))
    assert [s.end_reason for s in ended] == ["signed out"]


def test_an_idle_session_times_out_and_says_why(app, make, logged_in):
    clock.freeze(START)
    client = logged_in(make.user())
    clock.freeze(START + timedelta(minutes=29))
    assert _signed_in(client)  # used again: the idle time starts over
    clock.freeze(START + timedelta(minutes=58))
    assert _signed_in(client)
    clock.freeze(START + timedelta(minutes=58 + 31))
    response = client.get("/learn")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after 30 minutes without using CareLearn" in page
    assert not _signed_in(client)


def test_a_session_ends_after_twelve_hours_however_busy(app, make, logged_in):
    clock.freeze(START)
    client = logged_in(make.user())
    for minutes in range(20, 12 * 60, 20):
        clock.freeze(START + timedelta(minutes=minutes))
        assert _signed_in(client), minutes
    clock.freeze(START + timedelta(hours=12, minutes=1))
    response = client.get("/learn")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed in more than 12 hours ago" in page


def test_the_timeouts_are_configurable(app, make, logged_in):
    app.config["SESSION_IDLE_MINUTES"] = 5
    clock.freeze(START)
    client = logged_in(make.user())
    clock.freeze(START + timedelta(minutes=6))
    assert not _signed_in(client)


def test_a_deactivated_persons_sessions_stay_ended_when_they_come_back(app, db, make, logged_in):
    person = make.user()
    admin = make.user(app_role=AppRole.ADMIN)
    client = logged_in(person)
    set_active(person, False, actor_id=admin.id)
    db.session.commit()
    assert not _signed_in(client)
    set_active(person, True, actor_id=admin.id)
    db.session.commit()
    assert not _signed_in(client)  # the old cookie is not revived
    fresh = app.test_client()
    assert login(fresh, person.email).status_code == 302
    assert _signed_in(fresh)


def test_a_session_cookie_without_a_server_session_is_signed_out(app, make, logged_in):
    client = logged_in(make.user())
    with client.session_transaction() as cookie:
        del cookie["session_key"]
    assert not _signed_in(client)


def test_signed_in_pages_are_never_cached(app, make, logged_in):
    client = logged_in(make.user())
    for path in ("/learn", "/learn/record", "/help"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    anonymous = app.test_client()
    assert "no-store" not in (anonymous.get("/help").headers.get("Cache-Control") or "")
