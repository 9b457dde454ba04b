"""Checks and the preview for frameworks other than Bottle: Flask, FastAPI, Django and Falcon apps
checked through the real CheckRunner on a warm worker of their pack environment (pass and fail),
Django on a fresh migrated database per test, a worker that ran one framework's check running
another's, and the preview serving an ASGI app with uvicorn while the inspector records it.

The libraries are installed once into ``data/test-environments/`` (kept between runs, offline from
``wheelhouse/`` when it has them, else from PyPI) by the sandbox's own ``packs.environment``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sandbox.checker import CheckRunner, frameworks
from tests.conftest import wait_for
from tests.test_checker import make_step

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ["django>=5", "falcon>=3", "fastapi>=0.110", "flask>=3", "httpx", "uvicorn"]


@pytest.fixture(scope="session")
def environment() -> Path:
    """A pack environment with the frameworks (installed once, then reused from data/)."""
    from sandbox.packs.environment import Environments

    wheelhouse = ROOT / "wheelhouse"
    environments = Environments(ROOT / "data" / "test-environments",
                                wheelhouse=wheelhouse if wheelhouse.is_dir() else None, online=True)
    return environments.prepare(REQUIREMENTS)


@pytest.fixture(scope="module")
def runner(environment):
    with CheckRunner(timeout=30) as checks:
        yield checks


def check(runner, environment, tmp_path, files, test, app_module="app.py"):
    workspace, check_files = make_step(tmp_path, files, test)
    return runner.run(workspace, check_files, app_module=app_module, environment=environment)


def line_of(text: str, snippet: str) -> int:
    """The line of ``snippet`` in a learner file as ``make_step`` writes it."""
    return next(i for i, line in enumerate(textwrap.dedent(text).split("\n"), 1) if snippet in line)


def failure_of(result, name):
    return next(t for t in result.tests if t.name.endswith(name))


# --- Flask ---------------------------------------------------------------------------------------

FLASK_APP = """
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/")
def home():
    return "<h1>Weather</h1><p>Sunny</p>"


@app.post("/cities")
def add_city():
    return jsonify(name=request.form["name"]), 201


@app.route("/broken")
def broken():
    return FORECAST[0]


app.run(debug=True)
"""

FLASK_CHECK = """
import pytest
from sandbox.checker.probes import visible_text


def test_home_shows_the_weather(client):
    \"\"\"The home page shows the weather\"\"\"
    assert "Sunny" in visible_text(client.get("/").text)


def test_a_city_can_be_added(client):
    \"\"\"A city can be added\"\"\"
    response = client.post("/cities", {"name": "Zo\u00eb"}, status=201)
    assert response.json == {"name": "Zo\u00eb"}


@pytest.mark.independent
def test_broken(client):
    client.get("/broken")
"""


def test_a_flask_app_is_checked_with_webtest(runner, environment, tmp_path):
    result = check(runner, environment, tmp_path, {"app.py": FLASK_APP}, FLASK_CHECK)
    outcomes = {t.name.split("::")[-1]: t for t in result.tests}
    assert outcomes["test_home_shows_the_weather"].outcome == "passed"
    assert outcomes["test_a_city_can_be_added"].outcome == "passed", outcomes["test_a_city_can_be_added"].message
    broken = outcomes["test_broken"]  # an exception in a view reaches the check, with the learner's line
    assert broken.outcome == "failed" and (broken.file, broken.line) == ("app.py", line_of(FLASK_APP, "FORECAST"))
    assert "FORECAST" in broken.message
    assert "skipped the server your app starts" in result.output_tail  # app.run() at import never served


def test_a_wrong_flask_app_fails_with_the_checks_message(runner, environment, tmp_path):
    wrong = FLASK_APP.replace('"<h1>Weather</h1><p>Sunny</p>"', '"<h1>Weather</h1>"')
    result = check(runner, environment, tmp_path, {"app.py": wrong}, FLASK_CHECK)
    assert not result.passed
    assert failure_of(result, "test_home_shows_the_weather").outcome == "failed"
    assert failure_of(result, "test_a_city_can_be_added").outcome == "skipped"  # waits for the first fix


def test_an_app_file_without_an_app_says_how_to_make_one_in_its_framework(runner, environment, tmp_path):
    result = check(runner, environment, tmp_path, {"app.py": "from flask import Flask\n\nweb = Flask(__name__)\n"},
                   FLASK_CHECK)
    assert "app = Flask(__name__)" in result.failures[0].message


# --- FastAPI (ASGI) ------------------------------------------------------------------------------

FASTAPI_APP = """
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()
TASKS = {}
started = []


@app.on_event("startup")
def remember_start():
    started.append(True)


class Task(BaseModel):
    title: str
    done: bool = False


@app.get("/")
async def home():
    return {"started": bool(started)}


@app.post("/tasks", status_code=201)
def add_task(task: Task):
    TASKS[len(TASKS) + 1] = task
    return {"id": len(TASKS), **task.model_dump()}


@app.get("/tasks/{task_id}")
def get_task(task_id: int):
    if task_id not in TASKS:
        raise HTTPException(status_code=404, detail="No such task")
    return TASKS[task_id]


@app.get("/broken")
def broken():
    return {}["missing"]


uvicorn.run(app, port=8000)
"""

FASTAPI_CHECK = """
import pytest


def test_the_app_started(client):
    assert client.get("/").json == {"started": True}


def test_a_task_is_created_and_read(client):
    \"\"\"A task is created and read back\"\"\"
    made = client.post_json("/tasks", {"title": "Write docs"}, status=201)
    assert made.status_int == 201 and made.json["title"] == "Write docs", f"POST /tasks answered {made.status}"
    again = client.get(f"/tasks/{made.json['id']}")
    assert again.json["done"] is False and again.headers["content-type"].startswith("application/json")


def test_invalid_input_is_refused(client):
    response = client.post_json("/tasks", {"done": "maybe"}, expect_errors=True)
    assert response.status_int == 422 and response.json["detail"]


def test_a_missing_task_is_404(client):
    assert client.get("/tasks/99", status=404).json == {"detail": "No such task"}


def test_a_restart_imports_the_app_afresh(client, restart):
    client.post_json("/tasks", {"title": "Kept only in memory"}, status=201)
    again = restart()
    assert again.get("/tasks/1", expect_errors=True).status_int == 404 and again.get("/").json == {"started": True}


@pytest.mark.independent
def test_broken(client):
    client.get("/broken")
"""


def test_a_fastapi_app_is_checked_with_a_webtest_shaped_client(runner, environment, tmp_path):
    result = check(runner, environment, tmp_path, {"app.py": FASTAPI_APP}, FASTAPI_CHECK)
    outcomes = {t.name.split("::")[-1]: t for t in result.tests}
    for name in ("test_the_app_started", "test_a_task_is_created_and_read", "test_invalid_input_is_refused",
                 "test_a_missing_task_is_404", "test_a_restart_imports_the_app_afresh"):
        assert outcomes[name].outcome == "passed", (name, outcomes[name].message, outcomes[name].detail)
    broken = outcomes["test_broken"]
    assert broken.outcome == "failed" and (broken.file, broken.line) == ("app.py", line_of(FASTAPI_APP, '{}["missing"]'))
    assert "skipped the server your app starts" in result.output_tail  # uvicorn.run at import never served


def test_a_wrong_fastapi_app_fails_with_the_checks_message(runner, environment, tmp_path):
    wrong = FASTAPI_APP.replace("@app.post(\"/tasks\", status_code=201)", "@app.post(\"/tasks\")")
    result = check(runner, environment, tmp_path, {"app.py": wrong}, FASTAPI_CHECK)
    failure = failure_of(result, "test_a_task_is_created_and_read")
    assert failure.outcome == "failed" and "200 OK" in failure.message  # status=201 refused the 200, as WebTest does


def test_a_failing_startup_points_at_the_learners_line(runner, environment, tmp_path):
    failing = FASTAPI_APP.replace("    started.append(True)", "    started.append(undefined_setting)")
    result = check(runner, environment, tmp_path, {"app.py": failing}, FASTAPI_CHECK)
    first = result.failures[0]
    assert (first.file, first.line) == ("app.py", line_of(failing, "undefined_setting")), first.message
    assert "undefined_setting" in first.message


# --- Falcon (any other WSGI framework) --------------------------------------------------------------

FALCON_APP = """
import falcon
from wsgiref.simple_server import make_server


class Quotes:
    def on_get(self, req, resp):
        resp.media = {"quote": "Simple is better than complex."}


application = falcon.App()
application.add_route("/quote", Quotes())

with make_server("", 8000, application) as server:
    server.serve_forever()
"""

FALCON_CHECK = """
def test_a_quote_comes_back_as_json(client):
    response = client.get("/quote")
    assert response.json["quote"].startswith("Simple"), "GET /quote should answer a quote as JSON"
"""


def test_a_falcon_app_is_found_as_application(runner, environment, tmp_path):
    result = check(runner, environment, tmp_path, {"app.py": FALCON_APP}, FALCON_CHECK)
    assert result.passed, result.failures
    wrong = FALCON_APP.replace('"/quote"', '"/quotes"')
    result = check(runner, environment, tmp_path / "wrong", {"app.py": wrong}, FALCON_CHECK)
    assert not result.passed and "404" in result.failures[0].message


# --- Django --------------------------------------------------------------------------------------

DJANGO_PROJECT = {
    "manage.py": """
        import os
        import sys


        def main():
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
            from django.core.management import execute_from_command_line

            execute_from_command_line(sys.argv)


        if __name__ == "__main__":
            main()
    """,
    "mysite/__init__.py": "",
    "mysite/settings.py": """
        from pathlib import Path

        BASE_DIR = Path(__file__).resolve().parent.parent
        SECRET_KEY = "not-a-secret"
        DEBUG = True
        ALLOWED_HOSTS = []
        INSTALLED_APPS = [
            "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
            "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles", "blog",
        ]
        MIDDLEWARE = [
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ]
        ROOT_URLCONF = "mysite.urls"
        TEMPLATES = [{
            "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
            "OPTIONS": {"context_processors": [
                "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages"]},
        }]
        WSGI_APPLICATION = "mysite.wsgi.application"
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
        STATIC_URL = "static/"
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
    """,
    "mysite/urls.py": """
        from django.contrib import admin
        from django.urls import include, path

        urlpatterns = [path("admin/", admin.site.urls), path("", include("blog.urls"))]
    """,
    "mysite/wsgi.py": """
        import os

        from django.core.wsgi import get_wsgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
        application = get_wsgi_application()
    """,
    "blog/__init__.py": "",
    "blog/apps.py": """
        from django.apps import AppConfig


        class BlogConfig(AppConfig):
            name = "blog"
    """,
    "blog/models.py": """
        from django.conf import settings
        from django.db import models


        class Post(models.Model):
            title = models.CharField(max_length=200)
            author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    """,
    "blog/migrations/__init__.py": "",
    "blog/migrations/0001_initial.py": """
        import django.db.models.deletion
        from django.conf import settings
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
            operations = [
                migrations.CreateModel(name="Post", fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    ("title", models.CharField(max_length=200)),
                    ("author", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 to=settings.AUTH_USER_MODEL)),
                ]),
            ]
    """,
    "blog/views.py": """
        from django.http import HttpResponse
        from django.shortcuts import redirect

        from .models import Post


        def home(request):
            return HttpResponse("Posts: " + ", ".join(post.title for post in Post.objects.order_by("id")))


        def add(request):
            Post.objects.create(title=request.POST["title"])
            return redirect("/")


        def broken(request):
            return Post.objects.get(title="nobody wrote this")
    """,
    "blog/urls.py": """
        from django.urls import path

        from . import views

        urlpatterns = [path("", views.home), path("add/", views.add), path("broken/", views.broken)]
    """,
}

DJANGO_CHECK = """
import pytest


def test_posts_are_listed(client, db):
    db.Post.objects.create(title="First")
    assert "First" in client.get("/").text


def test_each_test_starts_with_an_empty_database(client, db):
    assert db.Post.objects.count() == 0
    client.post("/add/", {"title": "Second"}, status=302)  # CSRF is not enforced, as in Django's test client
    assert db.Post.objects.get().title == "Second"


def test_posts_survive_a_restart(client, db, restart):
    client.post("/add/", {"title": "Kept"})
    assert "Kept" in restart().get("/").text


def test_the_admin_lets_a_superuser_in(client, db):
    admin = db.User.objects.create_superuser("admin", "admin@example.com", "a-long-password")
    page = client.get("/admin/login/")
    page.form["username"], page.form["password"] = "admin", "a-long-password"
    assert page.form.submit().status_int == 302
    db.Post.objects.create(title="Mine", author=admin)
    assert db.Permission.objects.filter(codename="add_post").exists()  # the post-migrate handlers ran


def test_csrf_is_enforced_when_a_check_asks(client):
    enforced = {"django.enforce_csrf_checks": True}
    refused = client.post("/admin/login/", {"username": "x", "password": "y"}, extra_environ=enforced, status="*")
    assert refused.status_int == 403
    assert client.get("/admin/login/").form.submit(extra_environ=enforced).status_int == 200  # the token was sent


def test_static_files_are_served_while_debugging(client):
    assert client.get("/static/admin/css/base.css").status_int == 200


def test_another_host_is_refused(client):
    assert client.get("/", extra_environ={"HTTP_HOST": "evil.example"}, expect_errors=True).status_int == 400


@pytest.mark.independent
def test_broken(client):
    client.get("/broken/")
"""


def django_files(**changes) -> dict[str, str]:
    files = {name: textwrap.dedent(text) for name, text in DJANGO_PROJECT.items()}
    files.update({name: textwrap.dedent(text) for name, text in changes.items()})
    return files


def test_a_django_project_is_checked_on_a_fresh_migrated_database(runner, environment, tmp_path):
    result = check(runner, environment, tmp_path, django_files(), DJANGO_CHECK, app_module="manage.py")
    outcomes = {t.name.split("::")[-1]: t for t in result.tests}
    for name, outcome in outcomes.items():
        if name != "test_broken":
            assert outcome.outcome == "passed", (name, outcome.message, outcome.detail)
    broken = outcomes["test_broken"]  # the view's exception reaches the check, pointing at its line
    assert broken.outcome == "failed" and (broken.file, broken.line) == (
        "blog/views.py", line_of(DJANGO_PROJECT["blog/views.py"], "nobody wrote this")), broken.message
    assert not (tmp_path / "workspace" / "db.sqlite3").exists()  # the learner's own database is never made


@pytest.mark.parametrize("field", ["body = models.TextField(default='')",
                                   # the changes makemigrations would ask about: no default to fill old rows with
                                   "created = models.DateTimeField(auto_now_add=True)", "body = models.TextField()"])
def test_a_model_changed_without_a_migration_says_to_run_makemigrations(runner, environment, tmp_path, field):
    changed = textwrap.dedent(DJANGO_PROJECT["blog/models.py"]) + f"    {field}\n"
    result = check(runner, environment, tmp_path, django_files(**{"blog/models.py": changed}), DJANGO_CHECK,
                   app_module="manage.py")
    message = failure_of(result, "test_posts_are_listed").message
    assert "makemigrations" in message and field.split()[0] in message, message


def test_a_broken_settings_file_points_at_its_line(runner, environment, tmp_path):
    settings = DJANGO_PROJECT["mysite/settings.py"].replace('SECRET_KEY = "not-a-secret"', "SECRET_KEY = not_a_secret")
    result = check(runner, environment, tmp_path, django_files(**{"mysite/settings.py": settings}), DJANGO_CHECK,
                   app_module="manage.py")
    first = result.failures[0]
    assert (first.file, first.line) == ("mysite/settings.py", 5) and "not_a_secret" in first.message
    assert len(result.failures) == 1  # the other tests wait for that fix


def test_a_django_project_is_checked_through_its_asgi_module(runner, environment, tmp_path):
    test = """
def test_posts_are_listed(client, db):
    db.Post.objects.create(title="Through ASGI")
    assert "Through ASGI" in client.get("/").text and client.get("/nope/", status=404).status_int == 404
"""
    files = django_files(**{"mysite/asgi.py": """
        import os

        from django.core.asgi import get_asgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
        application = get_asgi_application()
    """})
    result = check(runner, environment, tmp_path, files, test, app_module="mysite/asgi.py")
    assert result.passed, (result.failures, result.error)


# --- one warm worker, several frameworks and projects -----------------------------------------------


def test_a_warm_worker_runs_each_framework_after_another(runner, environment, tmp_path):
    """Each check is forked from the same warm worker: a Django project set up by one check, or a
    Flask app imported by another, never leaks into the next."""
    steps = [
        ({"app.py": FLASK_APP}, FLASK_CHECK, "app.py"),
        (django_files(), DJANGO_CHECK, "manage.py"),
        (django_files(**{"blog/views.py": DJANGO_PROJECT["blog/views.py"].replace('"Posts: "', '"Articles: "')}),
         DJANGO_CHECK.replace("def test_posts_are_listed(client, db):",
                              "def test_posts_are_listed(client, db):\n    assert 'Articles' in client.get('/').text"),
         "manage.py"),
        ({"app.py": FASTAPI_APP}, FASTAPI_CHECK, "app.py"),
        ({"app.py": FALCON_APP}, FALCON_CHECK, "app.py"),
    ]
    for index, (files, test, app_module) in enumerate(steps):
        result = check(runner, environment, tmp_path / str(index), files, test, app_module=app_module)
        failed = [t.name for t in result.failures if not t.name.endswith("test_broken")]
        assert not failed and not result.error, (index, failed, result.error, result.output_tail[-2000:])


# --- pieces, without a worker ---------------------------------------------------------------------------


def test_asgi_and_wsgi_apps_are_told_apart():
    async def asgi_app(scope, receive, send):
        pass

    class AsgiApp:
        async def __call__(self, scope, receive, send):
            pass

    def wsgi_app(environ, start_response):
        return []

    assert frameworks.is_asgi(asgi_app) and frameworks.is_asgi(AsgiApp())
    assert not frameworks.is_asgi(wsgi_app) and not frameworks.is_asgi(AsgiApp) and not frameworks.is_asgi(None)


def test_the_settings_module_is_read_from_manage_py(tmp_path):
    (tmp_path / "manage.py").write_text(textwrap.dedent(DJANGO_PROJECT["manage.py"]))
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    assert frameworks.django_settings_module(tmp_path, "manage.py") == "mysite.settings"
    assert frameworks.django_settings_module(tmp_path, "app.py") is None
    assert frameworks.django_settings_module(tmp_path, "missing.py") is None


def test_a_pack_without_httpx_is_told_to_require_it(environment, monkeypatch):
    import importlib.util

    monkeypatch.syspath_prepend(str(environment))  # Starlette is there; httpx is hidden below
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("httpx", "httpx2") else real(name, *a))
    with pytest.raises(frameworks.MissingLibrary, match='add "httpx" to requirements'):
        frameworks.AsgiClient(lambda scope, receive, send: None)


def test_the_server_guard_puts_the_real_servers_back():
    import socketserver

    real = socketserver.BaseServer.serve_forever
    said = []
    guard = frameworks.ServerGuard(lambda module, attribute: said.append((module, attribute)))
    socketserver.BaseServer.serve_forever(None)
    guard.close()
    assert said == [("socketserver", "BaseServer.serve_forever")]
    assert socketserver.BaseServer.serve_forever is real


# --- the preview of an ASGI app ----------------------------------------------------------------------------

BOOT = "import sys; sys.path[:0] = [{env!r}, {root!r}]; from sandbox.preview.child import main; main()"


def test_the_preview_serves_an_asgi_app_with_uvicorn_and_records_its_requests(environment, tmp_path):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "app.py").write_text(textwrap.dedent(FASTAPI_APP))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    records_r, records_w = os.pipe()
    command = [sys.executable, "-I", "-B", "-u", "-c", BOOT.format(env=str(environment), root=str(ROOT)),
               "--workspace", str(workspace), "--socket-fd", str(listener.fileno()), "--records-fd", str(records_w),
               "--parent", str(os.getpid())]
    child = subprocess.Popen(command, pass_fds=[listener.fileno(), records_w], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
    os.close(records_w)
    records = os.fdopen(records_r, "rb")
    try:
        assert json.loads(records.readline()) == {"event": "ready"}
        port = listener.getsockname()[1]

        def fetch(path):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, error.read()

        status, body = wait_for(lambda: fetch("/tasks/7?full=1"), what="the preview to answer")
        assert status == 404 and json.loads(body) == {"detail": "No such task"}
        record = json.loads(records.readline())["request"]
        assert (record["method"], record["path"], record["query"], record["status"]) == ("GET", "/tasks/7", "full=1", 404)
        assert record["content_type"] == "application/json" and record["duration_ms"] >= 0
        assert fetch("/docs")[0] == 200  # FastAPI's own documentation pages, as the learner sees them
        assert json.loads(records.readline())["request"]["path"] == "/docs"
    finally:
        os.killpg(child.pid, 9)
        output = child.communicate()[0].decode()
        listener.close()
        records.close()
    assert "skipped the server your app starts" in output


def test_the_preview_serves_a_django_project_on_the_learners_database(environment, tmp_path):
    """Through the sandbox's own preview manager: Waitress serves the project's WSGI application on
    the learner's db.sqlite3, static files come from Django's handler, and the inspector sees the
    request's SQL and template."""
    from sandbox.preview.manager import PreviewManager

    files = django_files(**{
        "blog/templates/blog/home.html": "<h1>{{ posts|length }} posts</h1>",
        "blog/views.py": DJANGO_PROJECT["blog/views.py"].replace(
            "from django.shortcuts import redirect",
            "from django.shortcuts import redirect, render").replace(
            'return HttpResponse("Posts: " + ", ".join(post.title for post in Post.objects.order_by("id")))',
            'return render(request, "blog/home.html", {"posts": list(Post.objects.all())})'),
    })
    workspace, _ = make_step(tmp_path, files, "")
    manage = [sys.executable, "-I", "-c", (f"import sys; sys.path[:0] = [{str(environment)!r}, '']; "
                                           "sys.argv = ['manage.py', 'migrate', '-v', '0']; "
                                           "exec(open('manage.py').read())")]
    subprocess.run(manage, cwd=workspace, check=True, timeout=120)  # the learner's own migrate, in the terminal
    requests = []
    manager = PreviewManager(watch=False)
    manager.add_listener(lambda key, event: event.get("event") == "request" and requests.append(event["request"]))
    try:
        status = manager.open(1, workspace, "manage.py", libraries=environment)

        def fetch(path):
            try:
                with urllib.request.urlopen(status.url.rstrip("/") + path, timeout=10) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()
            except OSError:
                return None

        assert wait_for(lambda: fetch("/"), timeout=30, what="the project to answer") == (200, "<h1>0 posts</h1>")
        assert fetch("/static/admin/css/base.css")[0] == 200  # DEBUG is on: Django's handler serves them
        home = wait_for(lambda: next((r for r in requests if r["path"] == "/"), None), what="the request's record")
        assert home["status"] == 200 and home["templates"][0]["name"] == "blog/home.html"
        assert any("blog_post" in query["sql"] for query in home["queries"])
    finally:
        manager.close()


def test_checks_may_import_the_packs_own_libraries(tmp_path):
    """A Django pack's checks may use Django itself (``django.test.Client``, ``django.urls``): the pack's
    requirements are its checks' libraries too; a library the pack does not require is still refused."""
    from sandbox.errors import PackError
    from sandbox.packs.reader import load_pack
    from tests.test_pack_environments import write_pack

    root = write_pack(tmp_path / "pack", "django-pack", "Django[argon2]>=5.1", "1.0")
    check = root / "lessons" / "01-hello" / "checks" / "test_hello.py"
    check.write_text("from django.urls import reverse\nimport fastapi\n\n\ndef test_x(client):\n    pass\n")
    with pytest.raises(PackError) as caught:
        load_pack(root)
    problems = [str(problem) for problem in caught.value.problems]
    assert len(problems) == 1 and "imports fastapi" in problems[0], problems


FALCON_PACK = {
    "pack.toml": """
        format = 1
        id = "falcon-quotes"
        title = "Quotes with Falcon"
        version = "1.0.0"
        framework = "Falcon"
        requirements = ["falcon>=3"]
        lessons = ["01-quotes"]
    """,
    "lessons/01-quotes/lesson.toml": """
        title = "A quote as JSON"

        [[steps]]
        id = "quote"
        kind = "code"
        title = "Answer a quote"
        instructions = "quote.md"
        checks = ["checks/test_quote.py"]
        hints = ["A resource is a class with on_get(self, req, resp).", "resp.media = {...} answers JSON."]
    """,
    "lessons/01-quotes/quote.md": "Answer GET /quote with a quote as JSON.\n",
    "lessons/01-quotes/starter/app.py": """
        import falcon

        app = falcon.App()
    """,
    "lessons/01-quotes/solution/quote/app.py": """
        import falcon


        class Quote:
            def on_get(self, req, resp):
                resp.media = {"quote": "Simple is better than complex."}


        app = falcon.App()
        app.add_route("/quote", Quote())
    """,
    "lessons/01-quotes/checks/test_quote.py": """
        def test_the_quote_comes_back_as_json(client):
            \"\"\"The quote comes back as JSON\"\"\"
            answer = client.get("/quote", status="*")
            assert answer.status_int == 200, f"GET /quote answered {answer.status}: add a route for /quote."
            assert answer.json.get("quote"), "GET /quote should answer JSON with a quote in it."
    """,
    "lessons/01-quotes/mistakes/quote/no-route/mistake.toml": """
        message = "add a route for /quote"

        [[edits]]
        file = "app.py"
        find = 'app.add_route("/quote", Quote())'
        replace = ''
    """,
    "lessons/01-quotes/alternatives/quote/application/alternative.toml": """
        description = "The app is called application, and the JSON is written by hand."

        [[edits]]
        file = "app.py"
        find = 'resp.media = {"quote": "Simple is better than complex."}'
        replace = '''resp.text = '{"quote": "Readability counts."}'; resp.content_type = falcon.MEDIA_JSON'''

        [[edits]]
        file = "app.py"
        find = '''app = falcon.App()
        app.add_route("/quote", Quote())'''
        replace = '''application = falcon.App()
        application.add_route("/quote", Quote())'''
    """,
}


def test_a_pack_for_another_framework_written_from_the_docs_checks(tmp_path):
    """The issue's test: a pack for a framework no built-in track uses installs its library and checks."""
    from sandbox.packs.check import check_pack
    from sandbox.packs.environment import Environments

    root = tmp_path / "falcon-quotes"
    for name, text in FALCON_PACK.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip())
    wheelhouse = ROOT / "wheelhouse"
    environments = Environments(ROOT / "data" / "test-environments",
                                wheelhouse=wheelhouse if wheelhouse.is_dir() else None, online=True)
    with CheckRunner(timeout=30) as checks:
        report = check_pack(root, checks, environments=environments, jobs=2)
    assert report.ok, (report.problems, [(row.variant, row.got, row.reason) for row in report.failed_rows])
    assert sorted(row.variant for row in report.rows) == [
        "alternative:application", "mistake:no-route", "solution", "start"]


def test_a_custom_user_model_migrates_before_the_admin_needs_it(runner, environment, tmp_path):
    """Django's own apps' tables are made from their models; the learner's custom user model, which the
    admin's log points at, comes from the learner's migration, made here as a learner would make it."""
    settings = textwrap.dedent(DJANGO_PROJECT["mysite/settings.py"]).replace('"blog",', '"blog", "accounts",')
    settings += 'AUTH_USER_MODEL = "accounts.User"\n'
    files = django_files(**{
        "mysite/settings.py": settings,
        "accounts/__init__.py": "",
        "accounts/migrations/__init__.py": "",
        "accounts/models.py": """
            from django.contrib.auth.models import AbstractUser


            class User(AbstractUser):
                pass
        """,
    })
    workspace, check_files = make_step(tmp_path, files, DJANGO_CHECK)
    (workspace / "blog" / "migrations" / "0001_initial.py").unlink()
    manage = [sys.executable, "-I", "-c", (f"import sys; sys.path[:0] = [{str(environment)!r}, '']; "
                                           "sys.argv = ['manage.py', 'makemigrations', '-v', '0']; "
                                           "exec(open('manage.py').read())")]
    subprocess.run(manage, cwd=workspace, check=True, timeout=120)
    result = runner.run(workspace, check_files, app_module="manage.py", environment=environment)
    failed = [(t.name, t.message) for t in result.failures if not t.name.endswith("test_broken")]
    assert not failed and not result.error, failed
