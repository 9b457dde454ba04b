"""Checks for "Delete, with a confirmation": only a POST from the blog's own form deletes, never a GET.

The author is made with the learner's create_user.py and logs in through their login form (lesson 15).
The confirmation form is looked for on /blog/<slug>/delete, then on the edit page: a POST form whose
address mentions delete.
"""

import builtins
import datetime
import getpass
import hashlib
import runpy
import sys
from urllib.parse import quote, urlsplit

import pytest
import webtest

from sandbox.checker.probes import HOSTILE, SQL_ATTACKS, assert_escaped, visible_text

KEY = "check-key-5d1e0f7a9b3c"
PASSWORD = "correct-horse-7Q"
OLD = datetime.datetime(2024, 5, 1, 9, 30)


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch):
    """scrypt at a small cost while these checks run (the real cost was checked in lesson 15)."""
    real = hashlib.scrypt

    def quick(password, **options):
        options["n"] = min(options.get("n", 2), 2**8)
        return real(password, **options)

    monkeypatch.setattr(hashlib, "scrypt", quick)


def as_https(client):
    """Requests as over HTTPS, as on a real server, so a login cookie marked secure=True comes back too."""
    client.extra_environ.update({"wsgi.url_scheme": "https", "HTTPS": "on", "HTTP_HOST": "localhost"})
    return client


def add_author(db, workspace, monkeypatch, username):
    """Run create_user.py as if typed in the Terminal, answering its questions."""
    User = db.models.get("User")
    script = workspace / "create_user.py"
    if User is None or "username" not in User._meta.fields or not script.is_file():
        pytest.fail("Keep the User model and create_user.py from lesson 15: the checks make an author with them.",
                    pytrace=False)
    with monkeypatch.context() as patch:
        patch.setattr(builtins, "input", lambda prompt="": PASSWORD if "pass" in str(prompt).lower() else username)
        patch.setattr(getpass, "getpass", lambda prompt="", stream=None: PASSWORD)
        patch.setattr(sys, "argv", [str(script), username])
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit:
            pass
    if User.get_or_none(User.username == username) is None:
        pytest.fail(f"python create_user.py did not save the author {username!r} any more.", pytrace=False)


def post_forms(response):
    return [form for form in response.forms.values() if (form.method or "").upper() == "POST"]


def hidden_fields(form):
    return {name: fields[0].value for name, fields in form.fields.items()
            if name and isinstance(fields[0], webtest.forms.Hidden) and fields[0].value}


def log_in(client, username="ada"):
    """Log in through the login form of lesson 15."""
    r = client.get("/login", expect_errors=True)
    for form in post_forms(r) if r.status_int == 200 else []:
        secret = [name for name, fields in form.fields.items() if name and fields[0].attrs.get("type") == "password"]
        texts = [name for name, fields in form.fields.items() if name and isinstance(fields[0], webtest.forms.Text)
                 and name not in secret]
        if secret and texts:
            form["username" if "username" in texts else texts[0]] = username
            form[secret[0]] = PASSWORD
            answer = form.submit(expect_errors=True)
            if answer.status_int in (302, 303) and client.get("/blog/new", expect_errors=True).status_int == 200:
                return
    pytest.fail("Logging in through /login no longer works, so the checks can't act as an author. Keep the login "
                "of lesson 15 working.", pytrace=False)


def a_token(client):
    """The hidden fields of a form of the blog's own (the login form), with a valid CSRF token."""
    forms = post_forms(client.get("/login", expect_errors=True))
    return hidden_fields(forms[0]) if forms else {}


def refused(response):
    """A visitor's request was turned away: sent to the login page, or 401/403."""
    if response.status_int in (301, 302, 303, 307):
        return urlsplit(response.headers.get("Location", "")).path.endswith("/login")
    return response.status_int in (401, 403)


def fresh(request, client):
    """A restarted app with the same cookies (the same SECRET_KEY is in the environment)."""
    cookies = {cookie.name: cookie.value.strip('"') for cookie in client.cookiejar}
    again = as_https(request.getfixturevalue("restart")())
    for name, value in cookies.items():
        again.set_cookie(name, value)
    return again


@pytest.fixture
def site(workspace, monkeypatch, request):
    """(the Article model, a client): SECRET_KEY set before the learner's settings.py is read, author ada made."""
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.delenv("DEBUG", raising=False)
    db = request.getfixturevalue("db")
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    add_author(db, workspace, monkeypatch, "ada")
    return Article, as_https(request.getfixturevalue("client"))


@pytest.fixture
def articles(site):
    Article, client = site
    Article.create(title="Doomed post", slug="doomed-post", content="Soon gone.", published=True, created_at=OLD)
    Article.create(title="Staying post", slug="staying-post", content="Still here.", published=True, created_at=OLD)
    return Article, client


def exists(Article, slug="doomed-post"):
    return Article.select().where(Article.slug == slug).exists()


def delete_form(client, slug):
    """The confirmation form for deleting the article, and the page it is on."""
    for path in (f"/blog/{slug}/delete", f"/blog/{slug}/edit", f"/blog/{slug}/"):
        r = client.get(path, expect_errors=True)
        if r.status_int != 200:
            continue
        for form in post_forms(r):
            if "delete" in (form.action or "").lower() or (path.endswith("/delete") and not form.action):
                return form, r
    pytest.fail(f"A logged-in author found no way to delete /blog/{slug}/. Make /blog/<slug>/delete a page that "
                "asks to confirm, with a form: method=\"post\", the hidden csrf_token and a Delete button.",
                pytrace=False)


def test_visitors_cannot_delete(articles):
    """A visitor can't delete an article"""
    Article, client = articles
    r = client.post("/blog/doomed-post/delete", a_token(client), expect_errors=True)
    assert exists(Article), (
        "A visitor who never logged in deleted an article with a POST to /blog/doomed-post/delete. Start the "
        "route with login_required().")
    assert r.status_int != 404 or client.get("/blog/doomed-post/delete", expect_errors=True).status_int != 404, (
        "There is no delete route yet: /blog/doomed-post/delete answered 404 Not Found. Add "
        "@app.post(\"/blog/<slug>/delete\"), starting with login_required().")


def test_get_never_deletes(articles):
    """Visiting the delete address (a GET) doesn't delete"""
    Article, client = articles
    log_in(client)
    for path in ("/blog/doomed-post/delete", "/blog/doomed-post/delete?confirm=yes"):
        client.get(path, expect_errors=True)
        assert exists(Article), (
            f"A plain visit to {path} (a GET) deleted the article. A link, an image on another site or a browser "
            "that loads links in advance could do that. Only show a confirmation page on GET; delete on POST.")


def test_confirmation_deletes(articles, request):
    """The confirmation form deletes the article, for good"""
    Article, client = articles
    log_in(client)
    assert "Doomed post" in client.get("/blog/").text, "The list /blog/ should show the published article."
    form, _ = delete_form(client, "doomed-post")
    r = form.submit(expect_errors=True)
    assert r.status_int in (302, 303), (
        f"Confirming the deletion answered {r.status}. Delete the article, then redirect(\"/blog/\", 303).")
    assert not exists(Article), "The confirmation form was sent, but the article is still in the database."
    assert exists(Article, "staying-post"), "Deleting one article deleted another one too."
    assert "Doomed post" not in visible_text(client.get("/blog/").text), (
        "After the deletion, /blog/ still lists the article: its cached page was kept. Call _cache.clear() after "
        "deleting.")
    assert client.get("/blog/doomed-post/", expect_errors=True).status_int == 404, (
        "After the deletion, the article's page should answer 404.")
    again = fresh(request, client).get("/blog/doomed-post/", expect_errors=True)
    assert again.status_int == 404, "After your app restarted, the deleted article was back."


def test_confirmation_page_names_the_article(articles):
    """The confirmation page names the article, as text"""
    Article, client = articles
    log_in(client)
    for number, payload in enumerate(HOSTILE):
        Article.create(title=payload, slug=f"hostile-{number}", content="x", published=True, created_at=OLD)
        _, page = delete_form(client, f"hostile-{number}")
        assert_escaped(page.text, payload, "the page that confirms a deletion, in the article's title")


def test_csrf_is_checked(articles):
    """Deleting needs the CSRF token"""
    Article, client = articles
    log_in(client)
    form, _ = delete_form(client, "doomed-post")
    action = form.action or "/blog/doomed-post/delete"
    hidden = hidden_fields(form)
    for what, sent in (("without the hidden CSRF token", {}),
                       ("with a made-up CSRF token", {n: "made-up-" + v for n, v in hidden.items()} or {"csrf_token": "x"})):
        r = client.post(action, sent, expect_errors=True)
        assert exists(Article) and r.status_int in (400, 403), (
            f"A logged-in author's POST to delete {what} answered {r.status}"
            f"{'' if exists(Article) else ' and deleted the article'}. Another site could delete articles in the "
            "author's name: call check_csrf() in the POST route.")


def test_unknown_article(articles):
    """Deleting an article that doesn't exist answers 404"""
    _, client = articles
    log_in(client)
    form, _ = delete_form(client, "doomed-post")
    r = client.post("/blog/no-such-article/delete", hidden_fields(form), expect_errors=True)
    assert r.status_int == 404, f"Deleting /blog/no-such-article/ answered {r.status} instead of 404."


@pytest.mark.independent
def test_sql_in_the_address_deletes_nothing(articles):
    """An address with SQL in it deletes nothing"""
    Article, client = articles
    log_in(client)
    form, _ = delete_form(client, "doomed-post")
    before = sorted((a.slug, a.title, a.content) for a in Article.select())
    for attack in SQL_ATTACKS:
        try:
            client.post(f"/blog/{quote(attack, safe='')}/delete", hidden_fields(form), expect_errors=True)
        except Exception as error:  # noqa: BLE001 - the learner's route crashed
            pytest.fail(f"A POST to /blog/{attack}/delete crashed your app ({type(error).__name__}: {error}): the "
                        "slug from the address became part of your SQL. Find the article with "
                        "Article.get_or_none(Article.slug == slug).", pytrace=False)
        after = sorted((a.slug, a.title, a.content) for a in Article.select())
        assert after == before, (
            f"A POST to /blog/{attack}/delete changed articles whose slug is not {attack!r}: the address became "
            "part of your SQL. Find the article with Article.get_or_none(Article.slug == slug), never with SQL "
            "built from the slug.")
