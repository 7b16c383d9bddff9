"""Response headers: a strict Content-Security-Policy on every page, and no caching of what a
signed-in person sees."""

from flask import Flask, request, session

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    @app.after_request
    def _set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Nothing a signed-in person sees is kept by the browser or a proxy: on a shared ward
        # computer, Back after signing out must not show it. The session cookie says who is
        # signed in without asking the database, so error pages get this too.
        if request.endpoint != "static" and "_user_id" in session:
            response.headers["Cache-Control"] = "no-store"
        return response
