import runpy

import bottle
import pytest
import waitress
import webtest


@pytest.fixture
def served(request, monkeypatch, workspace):
    calls = []

    def fake_serve(app=None, *args, **kwargs):
        calls.append({"app": app, **kwargs})

    def fake_run(app=None, server="wsgiref", host="127.0.0.1", port=8080, **kwargs):
        if server == "waitress":
            calls.append({"app": app, "host": host, "port": port})

    monkeypatch.setattr(waitress, "serve", fake_serve)
    monkeypatch.setenv("PORT", "5123")
    request.getfixturevalue("app")  # puts your workspace on the import path
    monkeypatch.setattr(bottle, "run", fake_run)
    script = next((workspace / name for name in ("serve.py", "wsgi.py") if (workspace / name).is_file()), None)
    if script is None:
        pytest.fail("There is no serve.py in your workspace yet: create it next to app.py.", pytrace=False)
    return script, calls


def test_import_does_not_serve(served):
    """Importing serve.py doesn't start a server"""
    script, calls = served
    module = runpy.run_path(str(script), run_name="serve_checked")
    assert not calls, (
        f"Importing {script.name} started the server. Put the serve(...) call under "
        "if __name__ == \"__main__\": so other programs (and tests) can import your app.")
    assert callable(module.get("app")) or callable(module.get("application")), (
        f"{script.name} should make the app available as a name: from app import app.")


def test_main_serves_with_waitress(served):
    """python serve.py runs the app on Waitress, on $PORT"""
    script, calls = served
    runpy.run_path(str(script), run_name="__main__")
    assert calls, (
        f"Running {script.name} did not start Waitress. Under if __name__ == \"__main__\": call "
        "serve(app, host=..., port=...) with from waitress import serve.")
    call = calls[0]
    try:
        port = int(call.get("port"))
    except (TypeError, ValueError):
        port = None
    assert port == 5123, (
        f"With PORT=5123 in the environment, Waitress got port {call.get('port')!r}: your script "
        "did not use the PORT environment variable. Use port=int(os.environ.get(\"PORT\", 8080)).")
    app = call.get("app")
    assert callable(app), "Pass your app to Waitress as the first argument: serve(app, ...)."
    r = webtest.TestApp(app).get("/", expect_errors=True)
    assert r.status_int == 200, f"The app given to Waitress answered {r.status} for the home page."
