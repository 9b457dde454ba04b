"""Checks for "Edit an article": a logged-in author changes an article through a pre-filled form.

The author is made with the learner's create_user.py and logs in through their login form (lesson 15).
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
    Article.create(title="First title", slug="first-title", content="The first words.", published=True, created_at=OLD)
    Article.create(title="Quiet draft", slug="quiet-draft", content="Not ready yet.", published=False, created_at=OLD)
    return Article, client


def edit_form(client, slug):
    r = client.get(f"/blog/{slug}/edit", expect_errors=True)
    assert r.status_int == 200, (
        f"A logged-in author visiting /blog/{slug}/edit got {r.status} instead of a form. Add a route for "
        "\"/blog/<slug>/edit\" that finds the article (drafts too) and renders the form.")
    for form in post_forms(r):
        if "title" in form.fields and "content" in form.fields:
            return form, r
    pytest.fail(f"The page /blog/{slug}/edit should show a form with method=\"post\" and the fields title and "
                "content.", pytrace=False)


def test_visitors_cannot_edit(articles):
    """A visitor can't open the edit page or change an article"""
    Article, client = articles
    r = client.get("/blog/first-title/edit", expect_errors=True)
    assert r.status_int != 404, (
        "There is no edit page yet: /blog/first-title/edit answered 404 Not Found. Add a route for "
        "\"/blog/<slug>/edit\", starting with login_required().")
    assert refused(r), (
        f"A visitor who has not logged in got {r.status} at /blog/first-title/edit. Start the route with "
        "login_required(), like /blog/new.")
    data = {"title": "Changed by a stranger", "content": "Oops.", "published": "on", **a_token(client)}
    client.post("/blog/first-title/edit", data, expect_errors=True)
    assert Article.get(Article.slug == "first-title").title == "First title", (
        "A visitor changed an article by sending the form's data straight to POST /blog/first-title/edit. Call "
        "login_required() first thing in the POST route too.")


def test_form_is_filled_in(articles):
    """The edit form shows the article as it is"""
    _, client = articles
    log_in(client)
    form, _ = edit_form(client, "first-title")
    assert form["title"].value == "First title" and (form["content"].value or "").strip() == "The first words.", (
        f"The edit form shows the title {form['title'].value!r} and the content {form['content'].value!r} instead of "
        "the article's own. Fill it in: form = {\"title\": article.title, \"content\": article.content, "
        "\"published\": article.published}.")
    if "published" in form.fields:
        assert form["published"].checked, "The article is published, but the edit form's Publish box is not ticked."
        form, _ = edit_form(client, "quiet-draft")
        assert not form["published"].checked, "The article is a draft, but the edit form's Publish box is ticked."


def test_saving_changes_the_article(articles, request):
    """Saving changes the article, keeps its address, and survives a restart"""
    Article, client = articles
    log_in(client)
    assert "First title" in client.get("/blog/").text, "The list /blog/ should show the published article."
    original = Article.get(Article.slug == "first-title").id
    form, _ = edit_form(client, "first-title")
    form["title"] = "A better title"
    form["content"] = "Better words."
    r = form.submit(expect_errors=True)
    assert r.status_int in (302, 303), (
        f"Saving the edit form answered {r.status}. After saving, redirect to the article's page with "
        "redirect(f\"/blog/{article.slug}/\", 303).")
    article = Article.get_or_none(Article.id == original)
    assert article is not None, "Saving the edit form deleted the article instead of changing it."
    assert (article.title, article.content) == ("A better title", "Better words."), (
        "The edit form was sent, but the article in the database did not change. Set article.title and "
        "article.content from the form, then article.save().")
    assert article.slug == "first-title", (
        f"Editing the title changed the article's address to /blog/{article.slug}/, so every link to "
        "/blog/first-title/ now leads nowhere. Keep the slug as it is when you edit.")
    assert Article.select().count() == 2, "Saving the edit form made a new article instead of changing the old one."
    listing = visible_text(client.get("/blog/").text)
    assert "A better title" in listing and "First title" not in listing, (
        "After the edit, /blog/ still shows the old title: its cached page was kept. Call _cache.clear() after "
        "article.save(), as after creating an article.")
    page = fresh(request, client).get("/blog/first-title/", expect_errors=True)
    assert page.status_int == 200 and "A better title" in page.text, (
        f"After your app restarted, /blog/first-title/ answered {page.status} without the new title: the change was "
        "not saved in the database file.")


def test_drafts_can_be_edited_and_published(articles):
    """A draft can be edited and published"""
    Article, client = articles
    log_in(client)
    form, _ = edit_form(client, "quiet-draft")
    assert "published" in form.fields, "The edit form should have the Publish box (a checkbox named published)."
    form["published"] = True
    form.submit(expect_errors=True)
    assert Article.get(Article.slug == "quiet-draft").published, (
        "Ticking Publish in a draft's edit form did not publish it. Set article.published from the form too.")
    assert client.get("/blog/quiet-draft/", expect_errors=True).status_int == 200, (
        "The draft was published, but its page /blog/quiet-draft/ still answers 404.")


def test_bad_input_is_refused(articles):
    """An empty title is refused and the article stays as it was"""
    Article, client = articles
    log_in(client)
    form, _ = edit_form(client, "first-title")
    form["title"] = "   "
    r = form.submit(expect_errors=True)
    assert r.status_int in (400, 422), (
        f"Saving an empty title answered {r.status}. Check the form as in /blog/new: answer 400 with the form and "
        "its messages.")
    assert Article.get(Article.slug == "first-title").title == "First title", "An empty title was saved."


def test_csrf_is_checked(articles):
    """Editing needs the CSRF token"""
    Article, client = articles
    log_in(client)
    form, _ = edit_form(client, "first-title")
    hidden = hidden_fields(form)
    data = {"title": "Forged title", "content": "Forged.", "published": "on"}
    for what, sent in (("without the hidden CSRF token", data),
                       ("with a made-up CSRF token", {**data, **{n: "made-up-" + v for n, v in hidden.items()}})):
        r = client.post("/blog/first-title/edit", sent, expect_errors=True)
        assert r.status_int in (400, 403) and Article.get(Article.slug == "first-title").title == "First title", (
            f"A logged-in author's edit {what} answered {r.status}. Another site could change articles in the "
            "author's name: call check_csrf() in the POST route.")


def test_unknown_article(articles):
    """Editing an article that doesn't exist answers 404"""
    _, client = articles
    log_in(client)
    r = client.get("/blog/no-such-article/edit", expect_errors=True)
    assert r.status_int == 404, (
        f"/blog/no-such-article/edit answered {r.status}. When Article.get_or_none(...) gives None, abort(404).")


def test_form_escapes_the_article(articles):
    """The edit form shows an article's text as text"""
    Article, client = articles
    log_in(client)
    for number, payload in enumerate(HOSTILE):
        Article.create(title=payload, slug=f"hostile-{number}", content=payload, published=True, created_at=OLD)
        _, r = edit_form(client, f"hostile-{number}")
        assert_escaped(r.text, payload, "the edit form, in an article's title or content")
        page = client.get(f"/blog/hostile-{number}/", expect_errors=True)
        assert_escaped(page.text, payload, "the article's page as an author sees it, with the Edit link")


@pytest.mark.independent
def test_sql_in_the_address_changes_nothing(articles):
    """An address with SQL in it changes nothing"""
    Article, client = articles
    log_in(client)
    form, _ = edit_form(client, "first-title")
    before = sorted((a.slug, a.title, a.content) for a in Article.select())
    for attack in SQL_ATTACKS:
        try:
            client.post(f"/blog/{quote(attack, safe='')}/edit", {"title": "Changed", "content": "Changed.", "published": "on", **hidden_fields(form)}, expect_errors=True)
        except Exception as error:  # noqa: BLE001 - the learner's route crashed
            pytest.fail(f"A POST to /blog/{attack}/edit crashed your app ({type(error).__name__}: {error}): the "
                        "slug from the address became part of your SQL. Find the article with "
                        "Article.get_or_none(Article.slug == slug).", pytrace=False)
        after = sorted((a.slug, a.title, a.content) for a in Article.select())
        assert after == before, (
            f"A POST to /blog/{attack}/edit changed articles whose slug is not {attack!r}: the address became "
            "part of your SQL. Find the article with Article.get_or_none(Article.slug == slug), never with SQL "
            "built from the slug.")
