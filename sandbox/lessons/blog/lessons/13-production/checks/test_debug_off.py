import bottle
import pytest
import webtest


def boom():
    return 1 / 0


@pytest.fixture
def crash_page(request, monkeypatch):
    """Visit a page that crashes, with DEBUG set to the given text (None: not set)."""
    monkeypatch.setattr(bottle, "DEBUG", False)

    def visit(debug_value):
        if debug_value is None:
            monkeypatch.delenv("DEBUG", raising=False)
        else:
            monkeypatch.setenv("DEBUG", debug_value)
        app = request.getfixturevalue("app")
        if not isinstance(app, bottle.Bottle):
            pytest.fail("This check needs the Bottle app in app.py: app = Bottle().", pytrace=False)
        app.catchall = True
        app.route("/check-crash")(boom)
        r = webtest.TestApp(app).get("/check-crash", expect_errors=True)
        assert r.status_int == 500, f"A crashing page should answer 500, but it answered {r.status}."
        return r.text

    return visit


def shows_traceback(text):
    return "Traceback" in text or "ZeroDivisionError" in text


def test_no_traceback_by_default(crash_page):
    """Without DEBUG, error pages hide the code"""
    assert not shows_traceback(crash_page(None)), (
        "With no DEBUG variable set, your app shows a traceback while DEBUG is off: every visitor can read "
        "your code and file paths. Turn debug mode on only from the setting: debug(settings.DEBUG).")


def test_zero_means_off(crash_page):
    """DEBUG=0 means off"""
    assert not shows_traceback(crash_page("0")), (
        "With DEBUG=0 your error page showed a traceback. The text \"0\" is not empty, so bool() calls it True: "
        "compare the text instead, like os.environ.get(\"DEBUG\", \"\").lower() in (\"1\", \"true\", \"yes\", \"on\").")


def test_debug_can_be_turned_on(crash_page):
    """DEBUG=1 shows the traceback on your own machine"""
    assert shows_traceback(crash_page("1")), (
        "With DEBUG=1 a crash should show the traceback, to help you on your own machine. "
        "Read DEBUG in settings.py and call debug(settings.DEBUG) in app.py, after app = Bottle().")
