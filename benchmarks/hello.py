"""The ceiling: the smallest Flask app, served the same way as CareLearn in the benchmark."""

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello():
        return "Hello, world!"

    return app
