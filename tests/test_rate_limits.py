"""Password guessing and email flooding are slowed down; people who log in are not."""

from carelearn.auth import devices
from carelearn.core import throttle
from tests.conftest import csrf_token, login


def other_place(app, address: str):
    """A browser at another network address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_guesser_is_paused_where_they_guess_and_nowhere_else(app, make):
    ana, ben = make.user(name="Ana Ortiz"), make.user(name="Ben Cole")
    guesser = other_place(app, "203.0.113.9")
    for _ in range(5):
        assert login(guesser, ana.email, "not her password").status_code == 422
    refused = login(guesser, ana.email)  # even the right password waits, there
    assert refused.status_code == 429
    assert "Too many tries in a row" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    assert login(guesser, ana.email.upper(), "guess").status_code == 429  # in any case
    # Ana herself, on the ward's computer, is not held back by someone else's guessing.
    assert login(other_place(app, "10.1.1.1"), ana.email).status_code == 302
    assert login(guesser, ben.email).status_code == 302  # nor is anyone else


def test_an_address_with_no_account_is_paused_the_same_way(app):
    client = app.test_client()
    answers = [login(client, "nobody@example.org", "guess").status_code for _ in range(6)]
    assert answers == [422] * 5 + [429]


def test_logging_in_successfully_never_counts(app, make):
    person = make.user()
    client = app.test_client()
    for _ in range(8):
        assert login(client, person.email).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/learn")})


def test_guessing_from_everywhere_never_locks_a_person_out_of_their_own_device(
    app, make, monkeypatch
):
    monkeypatch.setattr(throttle, "LOGIN_FAILURES_PER_EMAIL", "8/hour")
    ana = make.user()
    her_computer = other_place(app, "10.1.1.1")
    assert login(her_computer, ana.email).status_code == 302  # she has signed in here before
    her_computer.post("/logout", data={"csrf_token": csrf_token(her_computer, "/learn")})
    for n in range(8):  # a spread-out attack: a different address each time
        assert login(other_place(app, f"198.51.100.{n}"), ana.email, "guess").status_code == 422
    # New browsers now wait for her account, wherever they are...
    assert login(other_place(app, "198.51.100.99"), ana.email).status_code == 429
    # ...but her own computer still signs her in.
    assert login(her_computer, ana.email).status_code == 302


def test_many_failures_from_one_hospital_address_do_not_lock_out_its_staff(app, make, monkeypatch):
    monkeypatch.setattr(throttle, "LOGIN_FAILURES_PER_ADDRESS", "12/minute")
    regular, newcomer = make.user(), make.user()
    regulars_pc = other_place(app, "10.9.9.9")  # behind the hospital's one address
    assert login(regulars_pc, regular.email).status_code == 302
    regulars_pc.post("/logout", data={"csrf_token": csrf_token(regulars_pc, "/learn")})
    ward = other_place(app, "10.9.9.9")
    for n in range(11):
        assert login(ward, f"guess{n}@example.org", "guess").status_code == 422
    # Below the address's allowance, everyone there signs in as usual.
    assert login(other_place(app, "10.9.9.9"), newcomer.email).status_code == 302
    assert login(ward, "guess-again@example.org", "guess").status_code == 422
    # Past it, a new browser at that address waits; a device people sign in on does not.
    assert login(other_place(app, "10.9.9.9"), newcomer.email).status_code == 429
    assert login(regulars_pc, regular.email).status_code == 302
    assert login(other_place(app, "10.2.2.2"), newcomer.email).status_code == 302


def test_a_forged_device_cookie_is_not_trusted(app, make):
    ana = make.user()
    guesser = other_place(app, "203.0.113.9")
    guesser.set_cookie(devices.COOKIE, "made-up")
    for _ in range(5):
        assert login(guesser, ana.email, "guess").status_code == 422
    assert login(guesser, ana.email).status_code == 429


def test_password_reset_emails_are_limited_per_address(app, make):
    person = make.user()
    client = app.test_client()

    def ask(email, browser=client):
        return browser.post(
            "/password/forgot",
            data={"email": email, "csrf_token": csrf_token(browser, "/password/forgot")},
        ).status_code

    assert [ask(person.email) for _ in range(4)] == [200, 200, 200, 429]
    assert ask(person.email, other_place(app, "10.3.3.3")) == 429
    assert ask("someone.else@example.org") == 200


def test_behind_a_proxy_the_persons_own_address_counts(app, make, monkeypatch):
    from carelearn import create_app

    monkeypatch.setenv("CARELEARN_PROXY_HOPS", "1")
    proxied = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret-key",
        }
    )
    person = make.user()

    def browser(address):
        client = proxied.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = address
        return client

    guesser = browser("198.51.100.7")
    for _ in range(5):
        login(guesser, person.email, "guess")
    assert login(guesser, person.email).status_code == 429
    assert login(browser("198.51.100.8"), person.email).status_code == 302


def test_a_wrong_number_of_proxies_is_refused_at_start(monkeypatch):
    import pytest

    from carelearn import create_app
    from carelearn.config import ConfigError

    monkeypatch.setenv("CARELEARN_PROXY_HOPS", "one")
    with pytest.raises(ConfigError, match="CARELEARN_PROXY_HOPS must be a whole number"):
        create_app({"TESTING": True})


def test_a_refusal_is_remembered_so_a_flood_costs_the_store_nothing(app, monkeypatch):
    rules = [throttle.Rule(throttle.parse_many("3/minute"), "flood-test")]
    with app.test_request_context():
        for _ in range(3):
            assert throttle.seconds_to_wait(rules) == 0
            throttle.count(rules)
        first = throttle.seconds_to_wait(rules)
        assert 1 <= first <= 60
        asked = []
        limiter = throttle._limiter()
        monkeypatch.setattr(limiter, "test", lambda *a: asked.append(a) or True)
        # Further tries are refused for as long as the store said, without asking it again.
        assert all(1 <= throttle.seconds_to_wait(rules) <= first for _ in range(100))
        assert asked == []
        # Once that time has passed, the store decides again.
        real_time = throttle.time.time
        monkeypatch.setattr(throttle.time, "time", lambda: real_time() + 61)
        assert throttle.seconds_to_wait(rules) == 0 and len(asked) == 1


def test_remembered_refusals_are_bounded(app, monkeypatch):
    monkeypatch.setattr(throttle, "REMEMBERED_REFUSALS", 50)
    with app.test_request_context():
        for n in range(200):
            rules = [throttle.Rule(throttle.parse_many("1/minute"), f"address-{n}")]
            throttle.count(rules)
            assert throttle.seconds_to_wait(rules) > 0
        assert len(app.extensions["carelearn.throttle_refused"]) <= 50
