"""Checks for "Debug mode off": DEBUG is off unless DJANGO_DEBUG=1 is set (so "0" and nothing both
mean off), and with it off the site answers for localhost and 127.0.0.1, hides its internals on an
unknown page, and refuses a request for a host it does not serve. Any way of reading the variable
that gives those answers passes."""

from blogcheck import fail, settings_module, site, visit  # noqa: F401

HOSTS = ("localhost", "127.0.0.1")


def test_debug_is_off_unless_asked_for(workspace, learner, monkeypatch):
    """DEBUG is off unless DJANGO_DEBUG=1 says otherwise"""
    def debug(value):
        return bool(getattr(settings_module(workspace, monkeypatch, DJANGO_DEBUG=value), "DEBUG", False))

    assert not debug(None), (
        "With no DJANGO_DEBUG variable set, DEBUG is on: a server would show every visitor its debug pages. Turn it "
        "on only when asked: DEBUG = os.environ.get(\"DJANGO_DEBUG\", \"\") == \"1\".")
    assert not debug("0"), (
        "DJANGO_DEBUG=0 turned debug on. The text \"0\" is not empty, so bool() calls it True: compare the text "
        "instead, os.environ.get(\"DJANGO_DEBUG\", \"\") == \"1\".")
    assert debug("1"), "DJANGO_DEBUG=1 should turn debug on, for your own computer. Read it in settings.py."


def test_the_site_answers_without_its_internals(site):
    """With debug off, the site answers for localhost and hides its internals on an unknown page"""
    for host in HOSTS:
        page = visit(site, "/", extra_environ={"HTTP_HOST": host})
        assert page.status_int == 200, (
            f"With debug off, a request for the host {host} answered {page.status}. Django refuses every host not "
            "listed in ALLOWED_HOSTS once DEBUG is off: ALLOWED_HOSTS = [\"localhost\", \"127.0.0.1\"].")
    missing = visit(site, "/no-such-page/", extra_environ={"HTTP_HOST": HOSTS[0]})
    assert missing.status_int == 404, f"An unknown page answered {missing.status} instead of 404 Not Found."
    assert "URLconf" not in missing.text, (
        "An unknown page lists your URL patterns, as Django's debug page does: DEBUG is still on.")


def test_other_hosts_are_refused(site):
    """A request for another host is refused"""
    page = visit(site, "/", extra_environ={"HTTP_HOST": "evil.example"})
    assert page.status_int == 400, (
        f"A request for the host evil.example answered {page.status}: the site accepts a request for the host "
        "evil.example, which it does not serve. List only your own hosts in ALLOWED_HOSTS, never \"*\".")
