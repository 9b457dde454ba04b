"""What the django-blog checks share: the learner's project found the way manage.py finds it, the slips
that stop Django before it starts named in a sentence, their Post model, requests whose crashes are
told in words, a superuser of the check's own that logs in through the real login form, and the
learner's own database file, read without changing it.

This file is a helper module, not a check: it is copied beside the check files that list it. Like
the checks, it reaches Django only through the fixtures (``client``, ``db``).
"""

import datetime
import importlib
import importlib.util
import re
import sqlite3
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sandbox.checker.probes import visible_text

SETTINGS_LINE = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*[,\]=:]\s*["']([\w.]+)["']""")
ADMIN = "/admin/"
CHECK_USER = "checker"
CHECK_PASSWORD = "a-check-password-4821"


def fail(message):
    pytest.fail(message, pytrace=False)


# --- the project, before Django starts -------------------------------------------------------


def settings_name(workspace):
    """The settings module manage.py names, like mysite.settings."""
    if not (workspace / "manage.py").is_file():
        nested = sorted(path.parent.name for path in workspace.glob("*/manage.py"))
        if nested:
            fail(f"manage.py is inside the folder {nested[0]}/ instead of at the top of your lesson folder: the "
                 "project was made in a folder of its own. Delete that folder in the Files panel, then run "
                 "python -m django startproject mysite . again, with the dot at the end.")
        fail("There is no manage.py in your lesson folder yet. In the Terminal tab, run: "
             "python -m django startproject mysite .")
    found = SETTINGS_LINE.search((workspace / "manage.py").read_text(encoding="utf-8", errors="replace"))
    if not found:
        fail("manage.py no longer says where your settings are: keep its line "
             "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings').")
    return found.group(1)


def find(name):
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def settings_module(workspace, monkeypatch=None, **environment):
    """The learner's settings module, imported afresh with these environment variables (None: unset),
    without starting Django; forgotten again afterwards, so Django reads it afresh too."""
    name = settings_name(workspace)
    if find(name) is None:
        fail(f"manage.py looks for your settings in {name}, but there is no {name.replace('.', '/')}.py in your "
             "lesson folder. Keep the project folder's name and the name in manage.py the same.")
    for key, value in environment.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    sys.modules.pop(name, None)
    try:
        return importlib.import_module(name)
    except Exception as error:
        if not environment:
            raise  # the plugin points at the learner's line
        told = ", ".join(f"{key}={value}" if value is not None else f"no {key}" for key, value in environment.items())
        fail(f"Your settings crash with {type(error).__name__}: {error}, when they are loaded with {told} in the "
             "environment. Read each variable with os.environ.get(NAME, default), so that a missing one has a "
             "fallback.")
    finally:
        sys.modules.pop(name, None)


def installed_apps_problem(workspace, module):
    """A sentence when INSTALLED_APPS names a module the project does not have."""
    for entry in getattr(module, "INSTALLED_APPS", []):
        if not isinstance(entry, str) or find(entry) or find(entry.rpartition(".")[0] or entry):
            continue
        made = sorted(path.parent.name for path in workspace.glob("*/apps.py"))
        there = f" The app folder startapp made is {made[0]}/, so write '{made[0]}'." if made else ""
        return (f"INSTALLED_APPS lists '{entry}', but there is no module of that name in your project, so Django "
                f"cannot start.{there}")
    return None


@pytest.fixture
def site(request, workspace, learner):
    """A WebTest client on the learner's Django project, after the slips that stop it from starting."""
    problem = installed_apps_problem(workspace, settings_module(workspace))
    if problem:
        fail(problem)
    return request.getfixturevalue("client")


# --- the project's apps and models -------------------------------------------------------------


def learner_apps(db, workspace):
    """The installed apps whose code lives in the learner's folder."""
    root = str(workspace.resolve())
    return [config for config in db.User._meta.apps.get_app_configs() if str(config.path).startswith(root)]


def make_post(db, title, slug, body="Some words.", published=True, day=1):
    """A post written on the given day of May 2024 (created_at is set after saving, as the model fills it in)."""
    post = db.Post.objects.create(title=title, slug=slug, body=body, published=published)
    when = datetime.datetime(2024, 5, day, 9, 30, tzinfo=datetime.timezone.utc)
    db.Post.objects.filter(pk=post.pk).update(created_at=when)
    return post


def refused(error):
    """Did the database refuse a row (a UNIQUE or NOT NULL rule)?"""
    return type(error).__name__ == "IntegrityError"


# --- requests ----------------------------------------------------------------------------------


def crash_sentence(path, error):
    return f"Visiting {path} crashed with {type(error).__name__}: {str(error).rstrip('.')}"


def visit(client, path, hint="", **kwargs):
    """GET ``path`` with any status; a crash fails with the error's name and message (and ``hint``)."""
    try:
        return client.get(path, status="*", **kwargs)
    except Exception as error:  # the learner's view raised: the check sees it, as Django's test client does
        fail(f"{crash_sentence(path, error)}. {hint}".strip())


def submit(form, path, hint="", csrf=False, **fields):
    """Fill ``form`` with ``fields`` and send it (``csrf``: with Django's CSRF check on, as a browser meets
    it); a crash fails with the error's name and message (and ``hint``)."""
    for name, value in fields.items():
        form[name] = value
    environ = {"django.enforce_csrf_checks": True} if csrf else {}
    try:
        return form.submit(status="*", extra_environ=environ)
    except Exception as error:
        fail(f"{crash_sentence(path, error)}, while the form was being sent. {hint}".strip())


def form_with(page, field, path):
    """The form on ``page`` that has a field named ``field``."""
    for form in page.forms.values():
        if field in form.fields:
            return form
    fail(f"The page at {path} has no form with a field named {field}.")


# --- the admin site ------------------------------------------------------------------------------


def admin_page(db, which="", pk=None):
    """The admin's address for posts: their list (""), the add form ("add/") or one post (pk)."""
    meta = db.Post._meta
    base = f"{ADMIN}{meta.app_label}/{meta.model_name}/"
    return f"{base}{pk}/change/" if pk is not None else base + which


def log_in(client, login_path):
    """Log the check's superuser in through the login form at ``login_path``."""
    page = visit(client, login_path)
    if page.status_int != 200:
        fail(f"The login page {login_path} answered {page.status} instead of showing its form.")
    form = form_with(page, "password", login_path)
    answer = submit(form, login_path, username=CHECK_USER, password=CHECK_PASSWORD)
    if answer.status_int != 302:
        fail(f"A superuser could not log in through {login_path}: the login form answered {answer.status}.")
    return answer


def admin_client(client, db):
    """``client``, logged in to the admin site as a superuser of the check's own (in its own database)."""
    db.User.objects.create_superuser(CHECK_USER, "checker@example.com", CHECK_PASSWORD)
    log_in(client, ADMIN + "login/")
    return client


def admin_list(client, db):
    """The admin's list of posts, for a logged-in client; a sentence when the admin does not list them."""
    page = visit(client, admin_page(db))
    if page.status_int == 404:
        fail("The admin site does not list your posts yet: in blog/admin.py, import your model with "
             "from .models import Post, then register it with admin.site.register(Post).")
    return page


# --- the learner's own database file -----------------------------------------------------------


def database_file(workspace):
    """The SQLite file your settings name (DATABASES["default"]), in the check's copy of your folder."""
    module = settings_module(workspace)
    default = getattr(module, "DATABASES", {}).get("default", {})
    if "sqlite3" not in str(default.get("ENGINE", "")):
        fail("Your DATABASES setting no longer uses SQLite: keep 'ENGINE': 'django.db.backends.sqlite3' for this course.")
    path = Path(str(default.get("NAME", "")))
    return path if path.is_absolute() else workspace / path


def read_only(path):
    """A read-only connection to the learner's own database file (a check never writes to it)."""
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def table_names(connection):
    try:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        fail(f"Your database file is not one SQLite can read ({error}). Delete it in the Terminal tab "
             "(rm db.sqlite3), then run python manage.py migrate again.")


# --- pages ------------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self.open = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.open.append([dict(attrs).get("href") or "", ""])

    def handle_data(self, data):
        for link in self.open:
            link[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self.open:
            href, text = self.open.pop()
            self.found.append((href, " ".join(text.split())))


def links(html):
    """Every link on a page as (href, the text a visitor reads on it)."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser.found


def path_of(href, page="/"):
    """The path (and query) a link on the page at ``page`` leads to."""
    import urllib.parse

    parts = urllib.parse.urlsplit(urllib.parse.urljoin("http://testserver" + page, href))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def title_of(html):
    """The visible text of a page's <title>."""
    found = re.search(r"<title[^>]*>(.*?)</title>", html, re.S | re.I)
    return visible_text(found.group(1)) if found else ""


def assert_shown_as_text(html, payload, where):
    """Fail, with advice in Django's terms, when ``payload`` (one of probes.HOSTILE) became markup in ``html``."""
    from sandbox.checker.probes import injected

    made = injected(html, payload)
    assert not made, (
        f"On {where}, the text {payload!r} became real HTML ({', '.join(dict.fromkeys(made))}), so a visitor's "
        "browser would run it. Print stored text with {{ ... }}, which Django escapes, and never add |safe, "
        "{% autoescape off %} or mark_safe() to text that authors or visitors typed.")


# --- the form to write posts ---------------------------------------------------------------------

WRITE = "/write/"
CSRF_MISSING = ("Sending the form answered 403 Forbidden: Django refused it because it carries no CSRF token. Put "
                "{% csrf_token %} inside the <form> in blog/templates/blog/write.html.")


def write_form(client, path=WRITE):
    """The page at /write/ and its form (with title and body fields)."""
    page = visit(client, path)
    if page.status_int == 404:
        fail(f"Visiting {path} answered 404 Not Found: add path(\"write/\", views.write, name=\"write\") to blog/urls.py.")
    assert page.status_int == 200, f"Visiting {path} answered {page.status} instead of showing the form."
    form = form_with(page, "title", path)
    assert "body" in form.fields, f"The form at {path} has a title field but no body field: list both in the form's fields."
    return page, form


def send_post(client, title, body="Written with the form.", published=True, hint=""):
    """Fill in the form at /write/ as a browser would (its CSRF token checked) and send it."""
    page, form = write_form(client)
    fields = {"title": title, "body": body}
    if "published" in form.fields:
        fields["published"] = published
    answer = submit(form, WRITE, hint=hint, csrf=True, **fields)
    if answer.status_int == 403:
        fail(CSRF_MISSING)
    return page, answer


def says_what_was_wrong(blank, answer, *typed):
    """Does the page that came back show words the empty form did not (beyond what was typed)?"""
    text = visible_text(answer.text)
    for value in typed:
        text = text.replace(value, "")
    return text.split() != visible_text(blank.text).split()
