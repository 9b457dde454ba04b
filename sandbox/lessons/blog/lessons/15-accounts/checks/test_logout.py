"""Checks for "Log out": a POST to /logout ends the session; a GET never does.

Authors are made with the learner's own create_user.py, answered the way the Terminal would, and
log in through the learner's login form.
"""

import builtins
import getpass
import hashlib
import runpy
import sys

import pytest
import webtest

from sandbox.checker.probes import HOSTILE, assert_escaped

KEY = "check-key-5d1e0f7a9b3c"
PASSWORD = "correct-horse-7Q"
PAGES = ["/blog/new", "/", "/blog/"]


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch):
    """scrypt at a small cost while these checks run, the same for hashing and checking.

    The real cost was checked in "Hash the passwords"; here it would only make the checks slow.
    """
    real = hashlib.scrypt

    def quick(password, **options):
        options["n"] = min(options.get("n", 2), 2**8)
        return real(password, **options)

    monkeypatch.setattr(hashlib, "scrypt", quick)


def as_https(client):
    """Requests as over HTTPS, as on a real server, so a login cookie marked secure=True comes back too."""
    client.extra_environ.update({"wsgi.url_scheme": "https", "HTTPS": "on", "HTTP_HOST": "localhost"})
    return client


def add_author(db, workspace, monkeypatch, username, password):
    """Run create_user.py as if typed in the Terminal, answering its questions."""
    User = db.models.get("User")
    if User is None or "username" not in User._meta.fields:
        pytest.fail("There is no User model with a username field any more: keep it in models.py.", pytrace=False)
    script = workspace / "create_user.py"
    if not script.is_file():
        pytest.fail("There is no create_user.py any more: the checks make authors with it.", pytrace=False)
    with monkeypatch.context() as patch:
        patch.setattr(builtins, "input", lambda prompt="": password if "pass" in str(prompt).lower() else username)
        patch.setattr(getpass, "getpass", lambda prompt="", stream=None: password)
        patch.setattr(sys, "argv", [str(script), username])
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit:
            pass
    if User.get_or_none(User.username == username) is None:
        pytest.fail(f"python create_user.py did not save the author {username!r} any more.", pytrace=False)


def cookies_set(response):
    """{name: value} of the cookies a response sets (not the ones it deletes)."""
    found = {}
    for header in response.headers.getall("Set-Cookie"):
        pair, _, attributes = header.partition(";")
        name, _, value = pair.partition("=")
        attributes = attributes.lower().replace(" ", "")
        if "max-age=0" in attributes or "max-age=-" in attributes or "1970" in attributes:
            continue
        found[name.strip()] = value.strip().strip('"')
    return found


def login_page(client):
    """(the login form, the names of the cookies the login page sets)."""
    r = client.get("/login", expect_errors=True)
    assert r.status_int == 200, f"Visiting /login answered {r.status} instead of the login page."
    for form in r.forms.values():
        if (form.method or "").upper() == "POST" and password_field(form):
            return form, set(cookies_set(r))
    pytest.fail("The page /login should show the login form, with a password field.", pytrace=False)


def password_field(form):
    return next((name for name, fields in form.fields.items()
                 if name and getattr(fields[0], "attrs", {}).get("type") == "password"), None)


def name_field(form):
    texts = [name for name, fields in form.fields.items() if name and isinstance(fields[0], (webtest.forms.Text,
             webtest.forms.Email)) and fields[0].attrs.get("type") != "password"]
    assert texts, "The login form needs a text field for the username: <input name=\"username\">."
    return "username" if "username" in texts else texts[0]


def hidden_fields(form):
    return {name: fields[0].value for name, fields in form.fields.items()
            if name and isinstance(fields[0], webtest.forms.Hidden) and fields[0].value}


def log_in(client, username):
    """Log in through the form; return {name: value} of the session cookies it set."""
    form, before = login_page(client)
    form[name_field(form)] = username
    form[password_field(form)] = PASSWORD
    r = form.submit(expect_errors=True)
    session = {name: value for name, value in cookies_set(r).items() if name not in before}
    assert r.status_int in (302, 303) and session, (
        f"Logging in as {username} with the right password answered {r.status} and set no login cookie: "
        "the login form of the last step should still work.")
    return session


def with_cookies(client, cookies):
    """Forget every cookie the client holds and keep only these."""
    client.cookiejar.clear()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def can_write(client):
    return client.get("/blog/new", expect_errors=True).status_int == 200


def logout_form(client):
    """The form that logs out: a POST form whose action mentions logout, on the author's pages."""
    for path in PAGES:
        r = client.get(path, expect_errors=True)
        if r.status_int != 200:
            continue
        for form in r.forms.values():
            if (form.method or "").upper() == "POST" and "logout" in (form.action or "").lower():
                return form
    pytest.fail("A logged-in author should see a Log out button on the writing page /blog/new: a form with "
                "method=\"post\" and action=\"/logout\", holding the hidden csrf_token.", pytrace=False)


@pytest.fixture
def site(workspace, monkeypatch, request):
    monkeypatch.setenv("SECRET_KEY", KEY)  # before models.py imports settings.py
    db = request.getfixturevalue("db")
    add_author(db, workspace, monkeypatch, "ada", PASSWORD)
    client = as_https(request.getfixturevalue("client"))
    log_in(client, "ada")
    assert can_write(client), "After logging in, the author should be able to open /blog/new, as in the last step."
    return client


def test_logout_ends_the_session(site):
    """The Log out button logs you out"""
    r = logout_form(site).submit(expect_errors=True)
    assert r.status_int in (302, 303), (
        f"Pressing Log out answered {r.status}. In @app.post(\"/logout\"): check_csrf(), delete the cookie, then "
        "redirect(\"/\", 303).")
    assert not can_write(site), (
        "After pressing Log out, the author could still open /blog/new: the login cookie is still there. Delete it "
        "with response.delete_cookie(\"user\", path=\"/\"): the same name and path you set it with.")


def test_get_does_not_log_out(site):
    """Visiting /logout with a GET doesn't log you out"""
    site.get("/logout", expect_errors=True)
    assert can_write(site), (
        "A plain visit to /logout (a GET) logged the author out, so any page could do it with a link or an image "
        "<img src=\"/logout\">. Answer only POST: @app.post(\"/logout\"), with a form and a button.")


@pytest.mark.independent
def test_name_is_shown_as_text(workspace, monkeypatch, request):
    """An author's name is shown as text"""
    monkeypatch.setenv("SECRET_KEY", KEY)
    db = request.getfixturevalue("db")
    client = as_https(request.getfixturevalue("client"))
    for payload in HOSTILE:
        try:
            add_author(db, workspace, monkeypatch, payload, PASSWORD)
        except pytest.fail.Exception:
            continue  # create_user.py may refuse such names: then no page can show them
        with_cookies(client, {})
        log_in(client, payload)
        r = client.get("/blog/new", expect_errors=True)
        assert_escaped(r.text, payload, "the writing page, in the logged-in author's name")
