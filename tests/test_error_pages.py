"""The error page itself never fails: a broken request still gets a page, with the security
headers, whatever state the session or the templates are in."""

import carelearn.errors as errors


def _failing_route(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not raise to the test

    @app.get("/test-only/boom")
    def boom():
        raise RuntimeError("a fault in a page")


def _has_security_headers(response) -> bool:
    return "default-src 'self'" in response.headers["Content-Security-Policy"] and (
        response.headers["X-Frame-Options"] == "DENY"
    )


def test_a_fault_gets_the_500_page_with_its_headers(app, make, logged_in):
    _failing_route(app)
    client = logged_in(make.user())
    response = client.get("/test-only/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert _has_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_500_page_answers_even_when_its_template_cannot_be_drawn(app, monkeypatch):
    _failing_route(app)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the layout itself is broken")

    monkeypatch.setattr(errors, "render_template", broken)
    response = app.test_client().get("/test-only/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert _has_security_headers(response)


def test_a_cleared_session_does_not_break_the_500_page(app, make, logged_in):
    _failing_route(app)
    client = logged_in(make.user())
    with client.session_transaction() as cookie:
        cookie.clear()
    response = client.get("/test-only/boom")
    assert response.status_code == 500 and _has_security_headers(response)
