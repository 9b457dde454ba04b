"""The warm check of one small step in Flask, FastAPI and Django, next to the same step in Bottle.

Each framework's step is the same two checks (a home page, a greeting by name, a 404) on a tiny
app written the framework's way; its libraries come from a pack environment
(``sandbox.packs.environment``) made once in ``data/bench-environments`` from ``wheelhouse/`` (or
PyPI), and each runs in the warm worker of its own environment, as a learner's check does.
Goal: each within 2x of the Bottle figure measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from sandbox.checker import CheckRunner
from sandbox.checker.results import headline
from sandbox.packs.environment import Environments

N = 20
TARGET_RATIO = 2.0
ROOT = Path(__file__).resolve().parent.parent

CHECK = """\
def test_home_page(client):
    '''The home page welcomes visitors'''
    r = client.get('/', status='*')
    assert r.status_int == 200, f"Your / page answered {r.status_int}. Add a route for '/'."
    assert 'Welcome' in r.text, "Your home page should say Welcome."


def test_hello_names_the_visitor(client):
    '''/hello/<name> greets by name'''
    r = client.get('/hello/Ada', status='*')
    assert 'Hello Ada!' in r.text, "Visiting /hello/Ada should show 'Hello Ada!'."
    assert client.get('/missing', status='*').status_int == 404, "Unknown pages should answer 404."
"""

BOTTLE = {"app.py": """\
from bottle import Bottle, template

app = Bottle()


@app.route('/')
def home():
    return '<h1>Welcome to my blog</h1>'


@app.route('/hello/<name>')
def hello(name):
    return template('<p>Hello {{name}}!</p>', name=name)
"""}

FLASK = {"app.py": """\
from flask import Flask, render_template_string

app = Flask(__name__)


@app.route('/')
def home():
    return '<h1>Welcome to my blog</h1>'


@app.route('/hello/<name>')
def hello(name):
    return render_template_string('<p>Hello {{ name }}!</p>', name=name)
"""}

FASTAPI = {"app.py": """\
from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get('/', response_class=HTMLResponse)
def home():
    return '<h1>Welcome to my blog</h1>'


@app.get('/hello/{name}', response_class=HTMLResponse)
async def hello(name: str):
    return f'<p>Hello {escape(name)}!</p>'
"""}

DJANGO = {
    "manage.py": """\
import os
import sys

if __name__ == '__main__':
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
""",
    "mysite/__init__.py": "",
    "mysite/settings.py": """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = 'bench-only'
DEBUG = False
ALLOWED_HOSTS = ['*']
ROOT_URLCONF = 'mysite.urls'
INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth']
MIDDLEWARE = []
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': BASE_DIR / 'db.sqlite3'}}
USE_TZ = True
""",
    "mysite/urls.py": """\
from django.http import HttpResponse
from django.urls import path
from django.utils.html import escape


def home(request):
    return HttpResponse('<h1>Welcome to my blog</h1>')


def hello(request, name):
    return HttpResponse(f'<p>Hello {escape(name)}!</p>')


urlpatterns = [path('', home), path('hello/<str:name>', hello)]
""",
    "mysite/wsgi.py": """\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')
application = get_wsgi_application()
""",
}

# name: (files, app file the lesson names, requirements)
STEPS = {
    "Bottle": (BOTTLE, "app.py", ()),
    "Flask": (FLASK, "app.py", ("flask>=3.1",)),
    "FastAPI": (FASTAPI, "app.py", ("fastapi>=0.115", "httpx>=0.27")),
    "Django": (DJANGO, "manage.py", ("django>=5.1",)),
}


def write_step(folder: Path, files: dict[str, str]) -> tuple[Path, Path]:
    workspace = folder / "workspace"
    for rel, text in files.items():
        (workspace / rel).parent.mkdir(parents=True, exist_ok=True)
        (workspace / rel).write_text(text)
    check = folder / "checks" / "test_step.py"
    check.parent.mkdir(parents=True)
    check.write_text(CHECK)
    return workspace, check


def time_frameworks(folder: Path, walls=None) -> dict[str, dict]:
    """{framework: {"p50_ms", "p95_ms", "passed"}} for each step, all in one warm runner (each pack
    environment gets its worker of its own), rounds interleaved so drift hits every framework alike."""
    environments = Environments(ROOT / "data" / "bench-environments", wheelhouse=ROOT / "wheelhouse")
    steps = {}
    for name, (files, app_file, requirements) in STEPS.items():
        workspace, check = write_step(folder / name.lower(), files)
        libraries = environments.prepare(requirements) if requirements else None
        steps[name] = (workspace, check, app_file, libraries)
    times: dict[str, list[float]] = {name: [] for name in steps}
    passed = {name: True for name in steps}
    with CheckRunner(walls=walls) as runner:
        for name, (workspace, check, app_file, libraries) in steps.items():
            for _ in range(2):  # the environment's worker starts and imports its libraries: not timed
                runner.run(workspace, [check], app_module=app_file, key="learner-1", environment=libraries)
        for _ in range(N):
            for name, (workspace, check, app_file, libraries) in steps.items():
                started = time.perf_counter()
                result = runner.run(workspace, [check], app_module=app_file, key="learner-1", environment=libraries)
                times[name].append((time.perf_counter() - started) * 1000)
                if not result.passed and passed[name]:
                    passed[name] = False
                    print(f"warning: the {name} check did not pass:", headline(result.to_dict()))
    return {name: {"p50_ms": statistics.median(t), "p95_ms": sorted(t)[int(0.95 * (len(t) - 1))],
                   "passed": passed[name]} for name, t in times.items()}


def report(found: dict[str, dict]) -> dict:
    """Print the table and return the figures with each framework's ratio to Bottle."""
    bottle = found["Bottle"]["p50_ms"]
    out = {}
    print(f"warm check of one step, by framework (same run; goal <= {TARGET_RATIO:g} x Bottle):")
    for name, figures in found.items():
        ratio = figures["p50_ms"] / bottle
        out[f"{name.lower()}_p50_ms"] = figures["p50_ms"]
        out[f"{name.lower()}_over_bottle"] = ratio
        print(f"  {name:8} p50 {figures['p50_ms']:6.0f} ms  p95 {figures['p95_ms']:6.0f} ms  "
              f"{ratio:4.2f} x Bottle{'' if figures['passed'] else '  (did not pass!)'}")
    out["frameworks_within_target"] = all(v <= TARGET_RATIO for k, v in out.items() if k.endswith("_over_bottle"))
    return out
