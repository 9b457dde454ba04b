"""Checks for "Secrets from the environment": SECRET_KEY comes from DJANGO_SECRET_KEY and ALLOWED_HOSTS
from DJANGO_ALLOWED_HOSTS (a comma-separated list) when they are set, with working fallbacks for your
own computer when they are not; and the site, started with both set, answers for the listed hosts
only. Any way of reading and splitting the variables passes."""

import pytest

from blogcheck import settings_module, site, visit  # noqa: F401

KEY = "a-long-random-key-only-the-server-knows"
HOSTS = "myblog.example.com,www.myblog.example.com"


def test_the_secret_key_comes_from_the_environment(workspace, learner, monkeypatch):
    """SECRET_KEY comes from DJANGO_SECRET_KEY, with a fallback for your own computer"""
    module = settings_module(workspace, monkeypatch, DJANGO_SECRET_KEY=KEY)
    assert getattr(module, "SECRET_KEY", None) == KEY, (
        "With DJANGO_SECRET_KEY set, SECRET_KEY is still the key written in settings.py, which everyone who reads "
        "your code knows. Read it from the environment: SECRET_KEY = os.environ.get(\"DJANGO_SECRET_KEY\", ...).")
    module = settings_module(workspace, monkeypatch, DJANGO_SECRET_KEY=None)
    assert getattr(module, "SECRET_KEY", None), (
        "Without DJANGO_SECRET_KEY, SECRET_KEY is empty and Django will not start. Keep the old key as the "
        "fallback, for your own computer: os.environ.get(\"DJANGO_SECRET_KEY\", \"django-insecure-...\").")


def test_the_hosts_come_from_the_environment(workspace, learner, monkeypatch):
    """ALLOWED_HOSTS comes from DJANGO_ALLOWED_HOSTS, with localhost when it is not set"""
    hosts = list(getattr(settings_module(workspace, monkeypatch, DJANGO_ALLOWED_HOSTS=HOSTS), "ALLOWED_HOSTS", []))
    assert "myblog.example.com" in hosts and "www.myblog.example.com" in hosts, (
        f"With DJANGO_ALLOWED_HOSTS={HOSTS}, ALLOWED_HOSTS is {hosts!r}: the two hosts became one host, or were "
        "not read at all. Split the text at its commas: os.environ.get(\"DJANGO_ALLOWED_HOSTS\", "
        "\"localhost,127.0.0.1\").split(\",\").")
    hosts = list(getattr(settings_module(workspace, monkeypatch, DJANGO_ALLOWED_HOSTS=None), "ALLOWED_HOSTS", []))
    assert "localhost" in hosts and "127.0.0.1" in hosts, (
        f"Without DJANGO_ALLOWED_HOSTS, ALLOWED_HOSTS is {hosts!r}, so your own computer's preview is refused. Make "
        "\"localhost,127.0.0.1\" the fallback.")


@pytest.fixture
def production(monkeypatch, request):
    """The site started as a server would start it: both variables set."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", KEY)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", HOSTS)
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    return request.getfixturevalue("site")


def test_the_site_answers_for_its_hosts_only(production):
    """Started with both variables, the site answers for its own hosts and no other"""
    for host in HOSTS.split(","):
        page = visit(production, "/", extra_environ={"HTTP_HOST": host})
        assert page.status_int == 200, f"Started with DJANGO_ALLOWED_HOSTS={HOSTS}, a request for {host} answered {page.status}."
    page = visit(production, "/", extra_environ={"HTTP_HOST": "evil.example"})
    assert page.status_int == 400, f"A request for the host evil.example answered {page.status}: only the hosts listed should be served."
