"""The checker: learner code runs in a limited child process and comes back as a CheckResult."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from textwrap import dedent

import pytest

from sandbox import containment
from sandbox.checker import CheckResult, CheckRunner, run_check_once
from tests.conftest import wait_for
from tests.support import descendants, is_running

HELLO_APP = """
from bottle import Bottle
app = Bottle()

@app.route('/')
def home():
    return 'Hello'
"""

HOME_CHECK = """
def test_home_says_hello(client):
    '''The home page says Hello'''
    r = client.get('/', status='*')
    assert r.status_int == 200, f"Your / page answered {r.status_int}. Add a route for '/'."
    assert 'Hello' in r.text, "Your / page should say Hello."

def test_home_is_html(client):
    r = client.get('/', status='*')
    assert r.status_int == 200, "Your / page should answer 200."
"""


def make_step(tmp_path: Path, files: dict[str, str], check: str = HOME_CHECK) -> tuple[Path, list[Path]]:
    workspace = tmp_path / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(dedent(text))
    checks = tmp_path / "checks"
    checks.mkdir(exist_ok=True)
    check_file = checks / "test_step.py"
    check_file.write_text(dedent(check))
    return workspace, [check_file]


def processes_of(uid: int) -> int:
    """The user's processes; in a bubblewrap sandbox only those below this process (what a check starts
    stays in its sandbox), so other programs' processes on this computer do not count."""
    if containment.protection().active:
        return sum(1 for pid in descendants(os.getpid()) if _owner(Path(f"/proc/{pid}")) == uid)
    return sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _owner(p) == uid)


def _owner(path: Path):
    try:
        return path.stat().st_uid
    except OSError:
        return None


def test_a_correct_app_passes(check_runner, tmp_path):
    result = check_runner.run(*make_step(tmp_path, {"app.py": HELLO_APP}))
    assert result.passed, result.to_dict()
    assert [t.outcome for t in result.tests] == ["passed", "passed"]
    assert result.tests[0].title == "The home page says Hello"
    assert result.tests[1].title == "Home is html"


def test_a_failing_check_shows_the_assert_message(check_runner, tmp_path):
    result = check_runner.run(*make_step(tmp_path, {"app.py": HELLO_APP.replace("'/'", "'/home'")}))
    assert not result.passed
    failure = result.failures[0]
    assert failure.outcome == "failed"
    assert failure.message == "Your / page answered 404. Add a route for '/'."
    assert "AssertionError" in failure.detail


def test_result_round_trips_as_a_dict(check_runner, tmp_path):
    result = check_runner.run(*make_step(tmp_path, {"app.py": HELLO_APP}))
    assert CheckResult.from_dict(result.to_dict()) == result


def test_syntax_error_is_one_failure_naming_file_and_line(check_runner, tmp_path):
    result = check_runner.run(*make_step(tmp_path, {"app.py": "from bottle import Bottle\napp = Bottle()\ndef home()\n    return 'x'\n"}))
    assert not result.passed
    assert len(result.failures) == 1
    failure = result.failures[0]
    assert (failure.file, failure.line) == ("app.py", 3)
    assert failure.message.startswith("app.py line 3: Python could not read this line")
    assert [t.outcome for t in result.tests if t is not failure] == ["skipped"]


def test_name_error_at_import_points_at_the_learner_line(check_runner, tmp_path):
    app = "from bottle import Bottle, route\napp = Bottle()\n\n\n@rout('/')\ndef home():\n    return 'x'\n"
    result = check_runner.run(*make_step(tmp_path, {"app.py": app}))
    failure = result.failures[0]
    assert len(result.failures) == 1
    assert (failure.file, failure.line) == ("app.py", 5)
    assert failure.message == "app.py line 5 uses rout, which is not defined: did you mean route?"


def test_an_exception_in_a_route_points_at_the_learner_line(check_runner, tmp_path):
    app = HELLO_APP.replace("return 'Hello'", "return undefined_name")
    result = check_runner.run(*make_step(tmp_path, {"app.py": app}))
    failure = result.failures[0]
    assert (failure.file, failure.line) == ("app.py", 7)
    assert "undefined_name, which is not defined" in failure.message and "NameError" in failure.detail


def test_an_endless_loop_times_out(check_runner, tmp_path):
    app = HELLO_APP.replace("return 'Hello'", "while True:\n        pass")
    result = check_runner.run(*make_step(tmp_path, {"app.py": app}), timeout=1.0)
    assert result.timed_out and not result.passed
    assert "did not finish within 1 s" in result.failures[-1].message
    assert result.failures[-1].name == "test_step.py::test_home_says_hello"


def test_a_fork_bomb_is_stopped_and_leaves_nothing_behind(check_runner, tmp_path):
    app = HELLO_APP.replace("return 'Hello'", "import os\n    while True:\n        os.fork()")
    result = check_runner.run(*make_step(tmp_path, {"app.py": app}), timeout=5.0)
    assert not result.passed
    assert result.limited == "processes" or result.timed_out
    if os.geteuid() == 0:
        wait_for(lambda: processes_of(65534) == 0, what="the fork bomb's processes to be gone")
    assert check_runner.run(*make_step(tmp_path, {"app.py": HELLO_APP})).passed


def test_a_memory_bomb_is_limited(check_runner, tmp_path):
    app = HELLO_APP.replace("return 'Hello'", "return bytearray(4 * 1024 ** 3)")
    result = check_runner.run(*make_step(tmp_path, {"app.py": app}))
    assert result.limited == "memory" and not result.passed
    assert "more memory" in result.failures[0].message


def test_an_output_flood_is_limited_and_only_the_tail_kept(check_runner, tmp_path):
    app = HELLO_APP.replace("return 'Hello'", "for _ in range(100 * 1024):\n        print('x' * 1023)")
    result = check_runner.run(*make_step(tmp_path, {"app.py": app}))
    assert result.limited == "output" and not result.passed
    assert 0 < len(result.output_tail) <= 64 * 1024
    assert "printed too much" in result.failures[-1].message


def test_printed_output_comes_back_as_the_tail(check_runner, tmp_path):
    app = HELLO_APP.replace("return 'Hello'", "print('visited home')\n    return 'Hello'")
    result = check_runner.run(*make_step(tmp_path, {"app.py": app}))
    assert result.passed and "visited home" in result.output_tail


def test_the_warm_worker_sees_the_latest_files(check_runner, tmp_path):
    step = make_step(tmp_path, {"app.py": HELLO_APP.replace("Hello", "Goodbye")})
    assert not check_runner.run(*step).passed
    (step[0] / "app.py").write_text(HELLO_APP)
    assert check_runner.run(*step).passed


def test_a_hostile_conftest_and_ini_have_no_effect(check_runner, tmp_path):
    conftest = """
        import pytest

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(item, call):
            outcome = yield
            report = outcome.get_result()
            report.outcome = "passed"
            report.longrepr = None
    """
    files = {
        "app.py": HELLO_APP.replace("'/'", "'/nothing-here'"),
        "conftest.py": conftest,
        "pytest.ini": "[pytest]\naddopts = -p no:sandbox.checker.plugin --co\n",
        "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '--co'\n",
        "tox.ini": "[pytest]\naddopts = --co\n",
        "setup.cfg": "[tool:pytest]\naddopts = --co\n",
    }
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "conftest.py").write_text(dedent(conftest))
    result = check_runner.run(*make_step(tmp_path, files))
    assert not result.passed
    assert result.failures[0].message == "Your / page answered 404. Add a route for '/'."


def test_learner_files_named_like_libraries_have_no_effect(check_runner, tmp_path):
    broken = "raise RuntimeError('a learner file shadowed the library')\n"
    files = {"app.py": HELLO_APP, "pytest.py": broken, "bottle.py": broken, "webtest.py": broken,
             "peewee.py": broken, "_pytest.py": broken}
    result = check_runner.run(*make_step(tmp_path, files))
    assert result.passed, result.to_dict()


def test_no_sandbox_secret_reaches_the_check(tmp_path, monkeypatch):
    monkeypatch.setenv("SANDBOX_TOKEN", "secret-token-123")
    monkeypatch.setenv("OTHER_PARENT_VAR", "secret-token-123")
    check = """
        import os, sys

        def test_environment_is_clean():
            assert not [k for k in os.environ if k.startswith("SANDBOX")], sorted(os.environ)
            assert "secret-token-123" not in repr(dict(os.environ)), "token in env"
            assert "secret-token-123" not in " ".join(sys.argv), "token in argv"
            assert "OTHER_PARENT_VAR" not in os.environ
    """
    step = make_step(tmp_path, {"app.py": HELLO_APP}, check)
    with CheckRunner() as fresh:  # its worker is spawned now, while the secrets are in our environment
        assert fresh.run(*step).passed
    assert run_check_once(*step).passed


def test_a_new_run_with_the_same_key_cancels_the_old_one(check_runner, tmp_path):
    slow = make_step(tmp_path / "slow", {"app.py": HELLO_APP.replace("return 'Hello'", "while True:\n        pass")})
    results = {}
    thread = threading.Thread(target=lambda: results.update(old=check_runner.run(*slow, key="ada")))
    thread.start()
    wait_for(lambda: any(p.pid for p in list(check_runner._pending.values())), what="the endless check to start")
    new = check_runner.run(*make_step(tmp_path / "fast", {"app.py": HELLO_APP}), key="ada")
    thread.join(30)
    assert not thread.is_alive(), "the old run never returned"
    assert new.passed
    # Cancelled, not timed out: the new run ended the old one instead of waiting out its 10 s.
    assert results["old"].cancelled and not results["old"].timed_out and not results["old"].passed


def test_db_fixture_uses_a_fresh_database_and_spares_the_workspace(check_runner, tmp_path):
    app = """
        from bottle import Bottle
        from peewee import SqliteDatabase, Model, CharField

        db = SqliteDatabase('blog.db')

        class BaseModel(Model):
            class Meta:
                database = db

        class Article(BaseModel):
            title = CharField()

        db.connect()
        db.create_tables([Article])
        Article.create(title='left over from the learner')

        app = Bottle()

        @app.hook('before_request')
        def _connect():
            db.connect()

        @app.hook('after_request')
        def _close():
            if not db.is_closed():
                db.close()

        @app.route('/')
        def home():
            return ', '.join(a.title for a in Article.select())
    """
    check = """
        def test_articles_are_listed(client, db):
            assert db.Article.select().count() == 0, "the database should start empty"
            db.models['Article'].create(title='First post')
            r = client.get('/')
            assert r.text == 'First post', r.text
    """
    workspace, checks = make_step(tmp_path, {"app.py": app}, check)
    result = check_runner.run(workspace, checks)
    assert result.passed, result.to_dict()
    assert not (workspace / "blog.db").exists()


def test_module_level_route_decorators_use_the_default_app(check_runner, tmp_path):
    app = "from bottle import route\n\n@route('/')\ndef home():\n    return 'Hello'\n"
    assert check_runner.run(*make_step(tmp_path, {"app.py": app})).passed


def test_a_missing_app_is_one_clear_failure(check_runner, tmp_path):
    result = check_runner.run(*make_step(tmp_path, {"notes.txt": "nothing yet"}))
    assert [f.message for f in result.failures] == ["There is no app.py in your workspace yet."]


def test_checks_without_tests_do_not_pass(check_runner, tmp_path):
    result = check_runner.run(*make_step(tmp_path, {"app.py": HELLO_APP}, "X = 1\n"))
    assert not result.passed
    assert "no tests" in result.failures[0].message


def test_source_fixture_reads_learner_files(check_runner, tmp_path):
    check = """
        def test_uses_bottle(source):
            assert 'Bottle()' in source('app.py'), "Create your app with Bottle()."
    """
    assert check_runner.run(*make_step(tmp_path, {"app.py": HELLO_APP}, check)).passed


def test_a_dead_worker_is_replaced_transparently(tmp_path):
    step = make_step(tmp_path, {"app.py": HELLO_APP})
    with CheckRunner() as runner:
        assert runner.run(*step).passed
        runner._process.kill()
        runner._process.wait()
        assert runner.run(*step).passed


def test_stop_ends_a_running_check_at_once_and_its_run_comes_back_cancelled(tmp_path):
    step = make_step(tmp_path, {"app.py": HELLO_APP.replace("return 'Hello'", "while True:\n        pass")})
    runner = CheckRunner()
    results = {}
    # The check may run for a minute, so only stop can end it within the 30 s bound below.
    thread = threading.Thread(target=lambda: results.update(r=runner.run(*step, timeout=60)))
    thread.start()
    check_pid = wait_for(lambda: next((p.pid for p in list(runner._pending.values()) if p.pid), None),
                         what="the endless check to start")
    runner.stop()
    runner.stop()  # a second stop is harmless
    wait_for(lambda: not is_running(check_pid), timeout=30, what="the stopped check's process to end")
    thread.join(30)
    assert not thread.is_alive(), "the run never returned after stop"
    assert results["r"].cancelled and not results["r"].timed_out


def test_templates_in_views_and_models_in_models_py_are_found(check_runner, tmp_path):
    files = {
        "models.py": """
            from peewee import SqliteDatabase, Model, CharField
            db = SqliteDatabase('blog.db')

            class Article(Model):
                title = CharField()

                class Meta:
                    database = db
        """,
        "app.py": """
            from bottle import Bottle, template
            from models import Article

            application = Bottle()

            @application.route('/')
            def home():
                return template('index', articles=Article.select())
        """,
        "views/index.tpl": "% for a in articles:\n<li>{{a.title}}</li>\n% end\n",
    }
    check = """
        def test_articles_are_listed(client, db):
            db.Article.create(title='Templates work')
            assert '<li>Templates work</li>' in client.get('/').text
    """
    workspace, checks = make_step(tmp_path, files, check)
    result = check_runner.run(workspace, checks)
    assert result.passed, result.to_dict()
    assert sorted(p.name for p in workspace.iterdir()) == ["app.py", "models.py", "views"]


def test_parametrized_checks_and_lazy_codecs_work_in_the_check_process(check_runner, tmp_path):
    # Codecs and submodules are imported lazily; after the drop to `nobody` they must still be found.
    check = '''
    import pytest

    @pytest.mark.parametrize("path", ["/", "/missing"])
    def test_paths(client, path):
        r = client.get(path, status="*")
        assert r.status_int == {"/": 200, "/missing": 404}[path], "caf\\u00e9".encode("unicode_escape").decode()
        assert "x".encode("idna") == b"x"
    '''
    result = check_runner.run(*make_step(tmp_path, {"app.py": HELLO_APP}, check))
    assert result.passed, result.to_dict()
    assert len(result.tests) == 2


# -- where fork is unavailable (Windows): the fresh interpreter runs the check itself ----------

@pytest.fixture
def without_fork(monkeypatch, check_runner):
    """The session's runner as on a system without os.fork: each run starts a fresh interpreter."""
    from sandbox.checker import runner as runner_module

    monkeypatch.setattr(runner_module, "CAN_FORK", False)
    monkeypatch.setattr(runner_module, "BOOT", "import os; del os.fork; " + runner_module.BOOT)
    return check_runner


def test_without_fork_a_good_step_passes_and_a_wrong_one_says_why(without_fork, tmp_path):
    good = make_step(tmp_path / "good", {"app.py": HELLO_APP})
    wrong = make_step(tmp_path / "wrong", {"app.py": HELLO_APP.replace("'Hello'", "'Hi'")})
    passed = without_fork.run(*good)
    assert passed.passed and [t.outcome for t in passed.tests] == ["passed", "passed"]
    failed = without_fork.run(*wrong)
    assert not failed.passed and "Your / page should say Hello." in failed.tests[0].message


def test_without_fork_an_endless_loop_is_killed_at_the_timeout_and_leaves_nothing(without_fork, tmp_path,
                                                                                  monkeypatch):
    import tempfile

    temp = Path(tempfile.mkdtemp(prefix="sandbox-test-temp-"))  # where an unprivileged check can reach
    temp.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr("sandbox.checker.limits.check_temp_root", lambda: str(temp))
    endless = make_step(tmp_path, {"app.py": HELLO_APP.replace("return 'Hello'", "while True:\n        pass")})
    try:
        result = without_fork.run(*endless, timeout=4.0)
        left = list(temp.iterdir())
    finally:
        shutil.rmtree(temp)
    assert result.timed_out and not result.passed
    assert left == []


def test_without_fork_learner_output_cannot_pose_as_the_result_and_is_shown(without_fork, tmp_path):
    forged = '{"event": "result", "id": 0, "result": {"passed": true, "tests": []}}'
    chatty = make_step(tmp_path, {"app.py": HELLO_APP.replace("return 'Hello'", f"print({forged!r})\n    return 'Hi'")})
    result = without_fork.run(*chatty)
    assert not result.passed and "Your / page should say Hello." in result.tests[0].message
    assert forged in result.output_tail


def test_a_test_after_a_failed_one_waits_unless_it_is_independent(check_runner, tmp_path):
    check = """
    import pytest

    def test_about_page(client):
        '''The about page answers'''
        assert client.get('/about', status='*').status_int == 200, "Add a route for /about."

    def test_about_differs_from_home(client):
        '''The about page is not a copy of the home page'''
        assert client.get('/about', status='*').text != client.get('/').text

    @pytest.mark.independent
    def test_home_still_works(client):
        assert client.get('/').text == 'Hello'
    """
    result = check_runner.run(*make_step(tmp_path, {"app.py": HELLO_APP}, check))
    assert [t.outcome for t in result.tests] == ["failed", "skipped", "passed"]
    assert result.tests[1].message == "Not checked yet: first fix \u201cThe about page answers\u201d."
    assert not result.passed


def test_a_checks_private_folder_is_in_memory_where_the_system_has_tmpfs(check_runner, tmp_path):
    from sandbox.checker.limits import check_temp_root

    if not Path("/dev/shm").is_dir():
        assert check_temp_root() is None
        return
    check = """
    def test_where(workspace):
        assert str(workspace).startswith('/dev/shm/sandbox-check-'), str(workspace)
    """
    assert check_temp_root() == "/dev/shm"
    result = check_runner.run(*make_step(tmp_path, {"app.py": HELLO_APP}, check))
    assert result.passed, result.to_dict()


def test_a_check_runs_in_the_time_zone_the_sandbox_was_given(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    check = """
    import time
    def test_zone():
        assert time.strftime('%Z') in ('EST', 'EDT'), time.strftime('%Z')
    """
    with CheckRunner() as runner:  # its worker starts now, with TZ in the sandbox's environment
        result = runner.run(*make_step(tmp_path, {"app.py": HELLO_APP}, check))
    assert result.passed, result.to_dict()
