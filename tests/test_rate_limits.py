"""Password guessing and email flooding are slowed down; people who log in are not."""

from tests.conftest import csrf_token, login


def other_place(app, address: str):
    """A browser at another network address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failed_logins_for_one_account_pause_it_for_a_while(app, make):
    ana, ben = make.user(name="Ana Ortiz"), make.user(name="Ben Cole")
    client = app.test_client()
    for _ in range(5):
        assert login(client, ana.email, "not her password").status_code == 422
    refused = login(client, ana.email)  # even the right password waits now
    assert refused.status_code == 429
    assert "Too many tries in a row" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    assert login(other_place(app, "10.1.1.1"), ana.email.upper()).status_code == 429  # any case
    assert login(client, ben.email).status_code == 302  # other people are not affected


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


def test_many_failures_from_one_place_pause_that_place_only(app, make):
    ward = app.test_client()
    for n in range(30):
        assert login(ward, f"guess{n}@example.org", "guess").status_code == 422
    person = make.user()
    assert login(ward, person.email).status_code == 429
    assert login(other_place(app, "10.2.2.2"), person.email).status_code == 302


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
    for n in range(30):
        login(guesser, f"guess{n}@example.org", "guess")
    assert login(guesser, person.email).status_code == 429
    assert login(browser("198.51.100.8"), person.email).status_code == 302


def test_a_wrong_number_of_proxies_is_refused_at_start(monkeypatch):
    import pytest

    from carelearn import create_app
    from carelearn.config import ConfigError

    monkeypatch.setenv("CARELEARN_PROXY_HOPS", "one")
    with pytest.raises(ConfigError, match="CARELEARN_PROXY_HOPS must be a whole number"):
        create_app({"TESTING": True})
