"""python serve.py runs the blog on Waitress, on $PORT, reachable from this machine only, with errors
hidden. Waitress's server is stood in for, so whatever way the script starts it (serve, create_server,
Bottle's adapter, host and port or listen) is read by Waitress's own settings code."""

import bottle
import pytest
import webtest
from serving import (
    WaitressStandIn,
    is_loopback,
    main_start,
    run_script,
    the_waitress_script,
)

PORT = 5123


@pytest.fixture
def served(request, monkeypatch, workspace):
    """(stand-in, script): the app is imported with PORT set, and Waitress stands ready to be 'started'."""
    stand_in = WaitressStandIn(monkeypatch)
    monkeypatch.setenv("PORT", str(PORT))
    for name in ("HOST", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(bottle, "DEBUG", False)
    request.getfixturevalue("app")  # puts your workspace on the import path
    stand_in.replace_bottle_run()
    app_file = request.config.getoption("sandbox_app_module") or "app.py"
    if stand_in.starts:
        pytest.fail(f"Importing {app_file} started a server. Start servers only under "
                    "if __name__ == \"__main__\":, so other programs (and these checks) can import your app.",
                    pytrace=False)
    return stand_in, the_waitress_script(workspace, app_file)


@pytest.fixture
def start(served, workspace):
    stand_in, script = served
    return main_start(stand_in, script, workspace)


def test_import_does_not_serve(served, workspace):
    """Importing serve.py doesn't start a server"""
    stand_in, script = served
    run_script(script, "serve_checked", workspace)
    assert not stand_in.starts, (
        f"Importing {script.name} started the server. Put the serve(...) call under "
        "if __name__ == \"__main__\": so other programs (and tests) can import it without a server that never returns.")


def test_main_serves_with_waitress(start):
    """python serve.py serves your app with Waitress"""
    assert callable(start.app), "Pass your app to Waitress as the first argument: serve(app, ...)."
    app, environ = start.as_waitress_runs_it()
    r = webtest.TestApp(app, extra_environ={**environ, "REMOTE_ADDR": "127.0.0.1"}).get("/", expect_errors=True)
    assert r.status_int == 200, f"The app given to Waitress answered {r.status} for the home page: pass it your blog's app."


def test_waitress_listens_on_port(start):
    """Waitress listens on the port in $PORT"""
    ports = sorted({port for _host, port in start.addresses})
    assert ports == [PORT], (
        f"With PORT={PORT} in the environment, Waitress would listen on {start.described()}: your script "
        "did not use the PORT environment variable. Use port=int(os.environ.get(\"PORT\", 8080)).")


def test_waitress_listens_on_this_machine_only(start):
    """Waitress can only be reached from this machine (127.0.0.1)"""
    outside = sorted({host for host, _port in start.addresses if not is_loopback(host)})
    if not outside:
        return
    named = "host" in start.kwargs or "listen" in start.kwargs
    why = ("serve() with no host listens on every network address (0.0.0.0)" if not named else
           f"Waitress would listen on {', '.join(outside)}, every network address of the machine")
    pytest.fail(f"{why}, so anyone could reach it directly, around nginx. Behind a reverse proxy on the same "
                "machine, listen on 127.0.0.1 only: host=\"127.0.0.1\" (a container sets HOST=0.0.0.0 instead).",
                pytrace=False)


def test_errors_stay_hidden(request, start):
    """Visitors never see your code when a page crashes"""
    assert not start.adj.expose_tracebacks, (
        "Waitress is told expose_tracebacks=True, so a crash shows every visitor your code. Leave it out: "
        "production keeps tracebacks in the log.")
    assert not start.reloader, (
        "reloader=True watches your files and restarts the server: a tool for your own machine. Leave it out of "
        "the production script.")
    app = start.app if isinstance(start.app, bottle.Bottle) else request.getfixturevalue("app")
    if isinstance(app, bottle.Bottle):
        app.catchall = True
        app.route("/check-crash")(lambda: 1 / 0)
    served, environ = start.as_waitress_runs_it()
    r = webtest.TestApp(served, extra_environ={**environ, "REMOTE_ADDR": "127.0.0.1"}).get(
        "/check-crash", expect_errors=True)
    shown = "Traceback" in r.text or "ZeroDivisionError" in r.text or (r.status_int == 404 and bottle.DEBUG)
    assert not shown, (
        "With no DEBUG variable set, python serve.py turns debug mode on: a crash shows every visitor your "
        "code. Leave debug to settings.DEBUG, and don't call debug(True) or pass debug=True in the production script.")
