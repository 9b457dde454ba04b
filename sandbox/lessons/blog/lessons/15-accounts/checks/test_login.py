"""Checks for "A login form": the right password opens a signed session; nothing else does.

Authors are made with the learner's own create_user.py, answered the way the Terminal would.
The session cookie is whatever cookie a successful login sets that the login page did not.
"""

import builtins
import getpass
import hashlib
import runpy
import sys

import pytest
import webtest

from sandbox.checker.probes import HOSTILE, SQL_ATTACKS, assert_escaped, visible_text

KEY = "check-key-5d1e0f7a9b3c"
OTHER_KEY = "check-key-other-83c2a4"
PASSWORD = "correct-horse-7Q"


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
    """{name: (value, attributes in lowercase)} of the cookies a response sets (not the ones it deletes)."""
    found = {}
    for header in response.headers.getall("Set-Cookie"):
        pair, _, attributes = header.partition(";")
        name, _, value = pair.partition("=")
        attributes = attributes.lower()
        if "max-age=0" in attributes.replace(" ", "") or "max-age=-" in attributes.replace(" ", "") or "1970" in attributes:
            continue
        found[name.strip()] = (value.strip().strip('"'), attributes)
    return found


def login_page(client):
    """(the login form, the names of the cookies the login page sets)."""
    r = client.get("/login", expect_errors=True)
    assert r.status_int == 200, f"Visiting /login answered {r.status} instead of the login page."
    for form in r.forms.values():
        if (form.method or "").upper() == "POST" and password_field(form):
            return form, set(cookies_set(r))
    pytest.fail("The page /login should show a form with method=\"post\", a username field and a password field "
                "(<input type=\"password\" name=\"password\">).", pytrace=False)


def password_field(form):
    return next((name for name, fields in form.fields.items()
                 if name and getattr(fields[0], "attrs", {}).get("type") == "password"), None)


def name_field(form):
    texts = [name for name, fields in form.fields.items() if name and isinstance(fields[0], (webtest.forms.Text,
             webtest.forms.Email)) and fields[0].attrs.get("type") != "password"]
    assert texts, "The login form needs a text field for the username: <input name=\"username\">."
    return "username" if "username" in texts else texts[0]


def log_in(client, username, password):
    """Send the login form; return (response, {name: (value, attributes)} of the new session cookies)."""
    form, before = login_page(client)
    form[name_field(form)] = username
    form[password_field(form)] = password
    r = form.submit(expect_errors=True)
    return r, {name: cookie for name, cookie in cookies_set(r).items() if name not in before}


@pytest.fixture
def site(workspace, monkeypatch, request):
    monkeypatch.setenv("SECRET_KEY", KEY)  # before models.py imports settings.py
    db = request.getfixturevalue("db")
    add_author(db, workspace, monkeypatch, "ada", PASSWORD)
    return as_https(request.getfixturevalue("client"))


def session_value(client, username="ada"):
    r, session = log_in(client, username, PASSWORD)
    assert r.status_int in (302, 303) and session, (
        f"Logging in as {username} with the right password answered {r.status} and set no new cookie.")
    return sorted(value for value, _ in session.values())


def test_login_page(site):
    """/login shows a login form"""
    login_page(site)


def test_right_password_logs_in(site):
    """The right password logs you in with a cookie"""
    r, session = log_in(site, "ada", PASSWORD)
    assert r.status_int in (302, 303), (
        f"Logging in with the right password answered {r.status}. Check the password with check_password(...), "
        "then set the login cookie and redirect(\"/blog/new\", 303).")
    assert session, ("After logging in, your app set no new cookie, so the browser can't remember who logged in. "
                     "Call response.set_cookie(\"user\", user.username, secret=settings.SECRET_KEY, ...).")
    for name, (value, attributes) in session.items():
        assert "httponly" in attributes, (
            f"The login cookie {name!r} can be read by JavaScript, so a script injected into a page could steal "
            "the session. Add httponly=True to response.set_cookie(...).")
        assert "samesite=lax" in attributes or "samesite=strict" in attributes, (
            f"The login cookie {name!r} has no SameSite setting, so other sites' pages send it along with their "
            "requests. Add samesite=\"lax\" to response.set_cookie(...).")
        assert PASSWORD not in value, f"The login cookie {name!r} holds the password: keep only the username in it."
        assert value != "ada", (
            f"The login cookie {name!r} holds just the name 'ada', so anyone can write that cookie by hand and be "
            "ada. Sign it: response.set_cookie(..., secret=settings.SECRET_KEY).")


def test_wrong_password_is_refused(site):
    """A wrong password is refused with a message"""
    plain = visible_text(site.get("/login").text)
    r, session = log_in(site, "ada", "not-the-password")
    assert not session and r.status_int not in (301, 302, 303, 307), (
        f"A wrong password still logged ada in (your app answered {r.status}"
        f"{' and set a login cookie' if session else ''}). Check the password with "
        "check_password(password, user.password_hash) before you set the cookie.")
    assert r.status_int in (200, 400, 401, 403), (
        f"Logging in with a wrong password answered {r.status}. Show the login form again with a message "
        "(status 401, or 200).")
    assert visible_text(r.text) != plain, (
        "After a wrong password, the login page looks exactly as before. Show a message, like \"Wrong username "
        "or password.\"")


def test_unknown_name_gets_the_same_answer(site):
    """An unknown name gets the same answer as a wrong password"""
    wrong, _ = log_in(site, "ada", "not-the-password")
    unknown, session = log_in(site, "nobody", "not-the-password")
    assert not session, "Logging in as a name that doesn't exist set a login cookie."
    assert unknown.status_int == wrong.status_int, (
        f"A wrong password answers {wrong.status} but an unknown name {unknown.status}, which tells an attacker "
        "which names exist. Answer both the same way.")
    same = visible_text(wrong.text).replace("ada", "NAME") == visible_text(unknown.text).replace("nobody", "NAME")
    assert same, (
        "Your login page says something different for an unknown name than for a wrong password, so an attacker "
        "learns which names have an account. Show one message for both: \"Wrong username or password.\"")


def test_login_needs_the_csrf_token(site):
    """The login form needs its CSRF token"""
    form, before = login_page(site)
    data = {name_field(form): "ada", password_field(form): PASSWORD}
    hidden = {name: fields[0].value for name, fields in form.fields.items()
              if name and isinstance(fields[0], webtest.forms.Hidden) and fields[0].value}
    action = form.action or "/login"
    attempts = [("without the hidden CSRF token", data, True),
                ("with a made-up CSRF token", {**data, **{n: "made-up-" + v for n, v in hidden.items()}}, True),
                ("with neither the CSRF cookie nor the token", data, False)]
    for what, sent, keep_cookies in attempts:
        if not keep_cookies:
            site.cookiejar.clear()
        r = site.post(action, sent, expect_errors=True)
        new = [name for name in cookies_set(r) if name not in before]
        assert r.status_int in (400, 403) and not new, (
            f"Logging in {what} answered {r.status}. Another site could log your visitors into an account of its "
            "choosing (login CSRF): put the csrf_token field in the login form and call check_csrf() first thing "
            "in the POST route.")


def test_cookie_signed_with_secret_key(site, monkeypatch, request):
    """The cookie is signed with SECRET_KEY from the environment"""
    first = session_value(site)
    monkeypatch.setenv("SECRET_KEY", OTHER_KEY)
    second = session_value(as_https(request.getfixturevalue("restart")()))
    assert first != second, (
        "With two different SECRET_KEY values in the environment, logging in as ada gave the very same cookie, "
        "so the cookie does not depend on your secret key. Read it in settings.py with "
        "os.environ.get(\"SECRET_KEY\") and sign with response.set_cookie(..., secret=settings.SECRET_KEY).")


def test_no_fixed_key_without_secret_key(site, monkeypatch, request):
    """Without SECRET_KEY, the key is not a fixed text"""
    monkeypatch.delenv("SECRET_KEY")
    restart = request.getfixturevalue("restart")
    first = session_value(as_https(restart()))
    second = session_value(as_https(restart()))
    assert first != second, (
        "With no SECRET_KEY in the environment, two starts of your app signed ada's cookie the same way, so the key "
        "is a fixed (or empty) text that anyone who reads your code can use to sign a cookie saying 'ada'. Fall "
        "back to a random key instead: os.environ.get(\"SECRET_KEY\") or secrets.token_hex(32).")


def sql_text(value):
    return "'" + str(value).replace("'", "''") + "'"


@pytest.mark.independent
def test_sql_in_the_name_logs_nobody_in(site, workspace, monkeypatch, request):
    """SQL typed as a username logs nobody in"""
    db = request.getfixturevalue("db")
    User = db.models["User"]
    # A hash the attacker knows the password of, in your own format, for a row that claims to be ada.
    add_author(db, workspace, monkeypatch, "mallory", "mallory-knows-this-1")
    row = User.get(User.username == "mallory")
    fields = User._meta.sorted_fields
    claimed = {field.name: getattr(row, field.name) for field in fields}
    claimed.update(id=User.get(User.username == "ada").id, username="ada")
    row.delete_instance()
    union = "UNION SELECT " + ", ".join(sql_text(claimed[field.name]) for field in fields) + " --"
    attacks = [(attack, "not-the-password") for attack in SQL_ATTACKS]
    attacks += [(f"nobody{mark} {union}", "mallory-knows-this-1") for mark in ("'", '"')]
    for name, password in attacks:
        try:
            r, session = log_in(site, name, password)
        except Exception as error:  # noqa: BLE001 - the learner's route crashed
            pytest.fail(f"Logging in with the username {name!r} crashed your app ({type(error).__name__}: {error}): the "
                        "name became part of your SQL. Find the user with User.get_or_none(User.username == name), "
                        "never with SQL built from the name.", pytrace=False)
        assert not session and r.status_int not in (301, 302, 303, 307), (
            f"Logging in with the username {name!r} logged someone in: the name became part of your SQL. Find the user with "
            "User.get_or_none(User.username == name), never with SQL built from the name.")


@pytest.mark.independent
def test_login_page_escapes_the_name(site):
    """The login page shows a typed name as text"""
    for payload in HOSTILE:
        r, _ = log_in(site, payload, "not-the-password")
        assert_escaped(r.text, payload, "the login page, in the name typed into the form")
