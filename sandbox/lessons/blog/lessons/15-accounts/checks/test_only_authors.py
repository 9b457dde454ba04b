"""Checks for "Only authors may write": /blog/new and the API refuse visitors and forged cookies.

Authors are made with the learner's own create_user.py, answered the way the Terminal would, and
log in through the learner's login form. The session cookie is whatever cookie a successful login
sets that the login page did not; the forged ones are made from it.
"""

import base64
import builtins
import getpass
import hashlib
import runpy
import sys
from urllib.parse import urlsplit

import pytest
import webtest

KEY = "check-key-5d1e0f7a9b3c"
OTHER_KEY = "check-key-other-83c2a4"
TOKEN = "check-api-token-61fe"
PASSWORD = "correct-horse-7Q"
ARTICLE = {"title": "Only for authors", "content": "Written after logging in.", "published": "on"}


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


def article_form(client):
    r = client.get("/blog/new", expect_errors=True)
    assert r.status_int == 200, (
        f"After logging in through your form, the author still got {r.status} at /blog/new instead of the form: "
        "current_user() found nobody. It should find the author from the signed cookie, "
        "request.get_cookie(\"user\", secret=settings.SECRET_KEY), with the same key the login signed it with.")
    for form in r.forms.values():
        if (form.method or "").upper() == "POST" and "title" in form.fields:
            return form
    pytest.fail("A logged-in author should see the form to write an article at /blog/new.", pytrace=False)


def count(db):
    return db.models["Article"].select().count()


def forged_post(client, db):
    """A visitor's POST to /blog/new with a valid CSRF token from the login page; True if it saved."""
    form, _ = login_page(client)
    before = count(db)
    client.post("/blog/new", {**ARTICLE, **hidden_fields(form)}, expect_errors=True)
    return count(db) > before


@pytest.fixture
def site(workspace, monkeypatch, request):
    monkeypatch.setenv("SECRET_KEY", KEY)  # before models.py imports settings.py
    monkeypatch.setenv("API_TOKEN", TOKEN)
    db = request.getfixturevalue("db")
    if db.models.get("Article") is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    add_author(db, workspace, monkeypatch, "ada", PASSWORD)
    add_author(db, workspace, monkeypatch, "bob", PASSWORD)
    return as_https(request.getfixturevalue("client"))


def test_visitors_cannot_open_the_form(site):
    """A visitor can't open the writing form"""
    r = site.get("/blog/new", expect_errors=True)
    if r.status_int in (301, 302, 303, 307):
        location = urlsplit(r.headers.get("Location", "")).path
        assert location.endswith("/login"), (
            f"A visitor at /blog/new is sent to {location!r}; send them to the login page: redirect(\"/login\", 303).")
        return
    assert r.status_int in (401, 403), (
        f"A visitor who has not logged in opened /blog/new (status {r.status}). Call login_required() first thing "
        "in the route: it sends visitors to /login with redirect(\"/login\", 303).")


def test_visitors_cannot_post(site, db):
    """A visitor can't post an article, even with a valid CSRF token"""
    assert not forged_post(site, db), (
        "A visitor who never logged in saved an article by sending the form's data straight to POST /blog/new. "
        "Protecting the form's page is not enough: call login_required() first thing in the POST route too.")


def test_author_can_write(site, db, monkeypatch, request):
    """A logged-in author writes an article, and it is still there after a restart"""
    log_in(site, "ada")
    form = article_form(site)
    for name, value in ARTICLE.items():
        if name == "published":
            form[name] = True
        else:
            form[name] = value
    r = form.submit(expect_errors=True)
    Article = db.models["Article"]
    article = Article.get_or_none(Article.title == ARTICLE["title"])
    assert article is not None and r.status_int in (302, 303), (
        f"A logged-in author sent the form from /blog/new and got {r.status}; the article was "
        f"{'saved' if article else 'not saved'}. current_user() should find the author from the signed cookie "
        "(request.get_cookie(\"user\", secret=settings.SECRET_KEY)).")
    cookies = {cookie.name: cookie.value.strip('"') for cookie in site.cookiejar}
    again = with_cookies(as_https(request.getfixturevalue("restart")()), cookies)
    page = again.get(f"/blog/{article.slug}/", expect_errors=True)
    assert page.status_int == 200 and ARTICLE["title"] in page.text, (
        f"After your app restarted, the new article's page /blog/{article.slug}/ answered {page.status}: "
        "the article was not kept in the database file.")
    assert can_write(again), (
        "After your app restarted with the same SECRET_KEY, the author's cookie no longer logged them in. Sign "
        "and read the cookie with the key from the environment, settings.SECRET_KEY, not a new random one "
        "when SECRET_KEY is set.")


def tampered(value, old, new):
    """The cookie value with the name changed inside it, its signature kept."""
    if old in value:
        return value.replace(old, new)
    signature, mark, payload = value.rpartition("?")
    if mark:
        try:
            data = base64.b64decode(payload)
        except ValueError:
            return None
        if old.encode() in data:
            return signature + "?" + base64.b64encode(data.replace(old.encode(), new.encode())).decode()
    return None


def test_forged_cookies_are_refused(site, db, monkeypatch, request):
    """Forged login cookies are refused"""
    session = log_in(site, "bob")
    checks = [("a cookie written by hand that says ada", {name: "ada" for name in session},
               ("Read it with request.get_cookie(\"user\", secret=settings.SECRET_KEY): without a matching "
               "signature it gives None."))]
    changed = {name: tampered(value, "bob", "ada") for name, value in session.items()}
    if all(changed.values()):
        checks.append(("bob's cookie with the name changed to ada", changed,
                       "Read it with request.get_cookie(..., secret=settings.SECRET_KEY), which checks the signature."))
    flipped = {name: value[:len(value) // 2] + ("A" if value[len(value) // 2] != "A" else "B") + value[len(value) // 2 + 1:]
               for name, value in session.items()}
    checks.append(("bob's cookie with one letter changed", flipped,
                   "Check the cookie's signature: request.get_cookie(..., secret=settings.SECRET_KEY)."))
    for what, cookies, advice in checks:
        client = with_cookies(site, cookies)
        assert not can_write(client), f"With {what}, a visitor could open /blog/new as an author. {advice}"
        assert not forged_post(client, db), f"With {what}, a visitor saved an article. {advice}"
    ada = log_in(with_cookies(site, {}), "ada")
    monkeypatch.setenv("SECRET_KEY", OTHER_KEY)
    other = with_cookies(as_https(request.getfixturevalue("restart")()), ada)
    assert not can_write(other), (
        "A cookie signed with another SECRET_KEY still logged in after a restart. Read the cookie with "
        "request.get_cookie(\"user\", secret=settings.SECRET_KEY), and sign it with the same key.")


def test_csrf_still_checked(site, db):
    """A logged-in author's form still needs its CSRF token"""
    session = log_in(site, "ada")
    form = article_form(site)
    hidden = hidden_fields(form)
    for what, data in (("without the hidden CSRF token", dict(ARTICLE)),
                       ("with a made-up CSRF token", {**ARTICLE, **{n: "made-up-" + v for n, v in hidden.items()}}),
                       ("with neither the CSRF cookie nor the token", dict(ARTICLE))):
        if what.startswith("with neither"):
            with_cookies(site, session)  # still logged in, but the CSRF cookie is gone
        before = count(db)
        r = site.post("/blog/new", data, expect_errors=True)
        assert count(db) == before and r.status_int in (400, 403), (
            f"A logged-in author's POST {what} answered {r.status}. Logging in makes CSRF matter more, not less: "
            "another site could post in the author's name. Keep check_csrf() in the POST route.")


def test_api_refuses_strangers(site, db):
    """The API refuses a write without a token or a login"""
    article = {"title": "Sent to the API", "content": "Hello.", "published": True}
    forged = {name: "ada" for name in log_in(site, "bob")}
    for what, cookies in (("without a token or a login", {}), ("with a hand-written cookie that says ada", forged)):
        client = with_cookies(site, cookies)
        before = count(db)
        r = client.post_json("/api/articles", article, expect_errors=True)
        assert r.status_int in (401, 403) and count(db) == before, (
            f"POST /api/articles {what} answered {r.status}. Refuse it with 401 unless api_token_ok() or "
            "current_user() says who is writing.")
    r = with_cookies(site, {}).post_json("/api/articles", article, headers={"Authorization": f"Bearer {TOKEN}"},
                                         expect_errors=True)
    assert r.status_int == 201, (
        f"POST /api/articles with the right API token answered {r.status} instead of 201: keep accepting the token.")
