"""The secret key comes from the environment variable SECRET_KEY, and debug mode stays off."""

import secrets

import pytest

FROM_ENV = ("Read it from the environment, with a value for your own computer when the variable is not set: "
            "app.secret_key = os.environ.get(\"SECRET_KEY\", \"dev-only-not-secret\"), with import os at the top.")


@pytest.fixture
def key(monkeypatch):
    """A secret the check puts in the environment before the app starts (also as FLASK_SECRET_KEY, the name
    Flask's own app.config.from_prefixed_env() reads)."""
    value = "check-" + secrets.token_urlsafe(16)
    monkeypatch.setenv("SECRET_KEY", value)
    monkeypatch.setenv("FLASK_SECRET_KEY", value)
    for name in ("FLASK_DEBUG", "FLASK_ENV"):
        monkeypatch.delenv(name, raising=False)
    return value


def test_secret_key_comes_from_the_environment(key, learner):
    """The app's secret key comes from the environment variable SECRET_KEY"""
    app = learner.wsgi_app()
    found = getattr(app, "secret_key", None)
    assert found is not None, f"Your app has no secret key at all any more, and its sessions need one. {FROM_ENV}"
    assert found == key, (
        "The environment variable SECRET_KEY was set, but your app uses another secret key. A key written in "
        "app.py is in every copy of your code, and anyone who has it can forge your visitors' session cookies. "
        + FROM_ENV)


def test_debug_mode_is_off(key, learner):
    """Debug mode is off unless you switch it on yourself"""
    app = learner.wsgi_app()
    assert not getattr(app, "debug", False), (
        "Your app switches debug mode on for everybody. On a public server its debugger would let anyone who "
        "meets an error page run Python on your computer. Keep debug=True only inside "
        "if __name__ == \"__main__\": app.run(debug=True), which runs on your own computer alone.")
