"""A failed sign-in takes as long whether or not the email has an account, so the time taken
does not tell who works here."""

import statistics
import time

import carelearn.auth.views as views
from carelearn.models.people import password_matches

from .conftest import csrf_token
from .factories import PASSWORD


def _medians(checks, rounds: int = 11) -> list[float]:
    """The median time of each check, taken in turn round after round, so a busy moment on the
    machine slows them all alike."""
    taken: list[list[float]] = [[] for _ in checks]
    for _ in range(rounds):
        for times, check in zip(taken, checks, strict=True):
            started = time.perf_counter()
            check()
            times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in taken]


def test_unknown_email_no_password_and_wrong_password_take_the_same_time(make):
    real = make.user()
    invited = make.user()
    invited.password_hash = None  # invited, and not yet set a password
    assert password_matches(real, PASSWORD) and not password_matches(real, "wrong")
    assert not password_matches(None, PASSWORD) and not password_matches(invited, PASSWORD)

    wrong, unknown, no_password = _medians(
        [
            lambda: password_matches(real, "not the password"),
            lambda: password_matches(None, "not the password"),
            lambda: password_matches(invited, "not the password"),
        ]
    )
    # Before, an unknown email took about a twentieth of a wrong password's time.
    for other in (unknown, no_password):
        assert 0.6 < other / wrong < 1.6, (wrong, unknown, no_password)


def test_the_login_page_checks_a_password_even_for_an_unknown_email(client, monkeypatch):
    checked = []
    real_check = views.password_matches
    monkeypatch.setattr(views, "password_matches", lambda *a: checked.append(a) or real_check(*a))
    response = client.post(
        "/login",
        data={
            "email": "nobody@example.org",
            "password": "a guess",
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert response.status_code == 422
    assert "do not match an active account" in response.get_data(as_text=True)
    assert checked and checked[0][0] is None
