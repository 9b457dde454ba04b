"""WSGI tests of the shared pages: home, settings, about, and the friendly error pages."""

from sandbox.classroom.profiles import current_learner
from sandbox.store.models import Learner


def test_home_shows_the_learner_and_an_empty_state(client):
    r = client.get("/")
    assert "Welcome, Learner" in r.text  # a first launch: nothing opened yet
    assert "No courses installed yet" in r.text


def test_settings_are_saved_and_kept(client):
    r = client.post("/settings", {"name": "Grace", "theme": "dark", "font_size": "18", "csrf_token": client.csrf})
    assert "Saved." in r.text
    page = client.get("/settings").text
    assert 'value="Grace"' in page and 'data-theme="dark"' in page and 'data-font-size="18"' in page
    assert "Welcome, Grace" in client.get("/").text


def test_bad_settings_are_explained_and_not_saved(client):
    r = client.post("/settings", {"name": "", "theme": "purple", "font_size": "99", "csrf_token": client.csrf},
                    status=422)
    assert "Please enter a name" in r.text and "Choose light or dark" in r.text and "from 10 to 28" in r.text
    assert current_learner().name == "Learner"


def test_settings_refuse_another_profiles_name(client):
    Learner.create(name="Grace")
    r = client.post("/settings", {"name": "grace", "theme": "light", "font_size": "14", "csrf_token": client.csrf},
                    status=422)
    assert "already a profile called" in r.text
    assert current_learner().name == "Learner"


def test_learner_name_is_escaped(client):
    client.post("/settings", {"name": "<script>x</script>", "theme": "light", "font_size": "14",
                              "csrf_token": client.csrf})
    html = client.get("/").text
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


def test_about_lists_versions_data_dir_and_address(client, settings):
    r = client.get("/about")
    for name in ("Python", "bottle", "waitress", "peewee", "pywebview"):
        assert name in r.text
    assert str(settings.data_dir) in r.text
    assert f"http://127.0.0.1:{settings.port}/" in r.text


def test_unknown_page_is_a_friendly_404(client):
    r = client.get("/nowhere", status=404)
    assert "Page not found" in r.text and "Back to the home page" in r.text


def test_a_crash_shows_a_friendly_500_and_logs_the_traceback(client, wsgi, settings):
    from sandbox.launch.run import setup_logging

    setup_logging(settings)

    @wsgi.app.get("/boom")
    def boom():
        raise RuntimeError("kaboom-secret-detail")

    r = client.get("/boom", status=500)
    assert "Something went wrong" in r.text
    assert "Traceback" not in r.text and "kaboom" not in r.text
    import logging

    for handler in logging.getLogger("sandbox").handlers:
        handler.flush()
    assert "kaboom-secret-detail" in (settings.logs_dir / "sandbox.log").read_text()


def test_wrong_method_is_a_friendly_405(client):
    r = client.delete("/about", headers={"X-CSRF-Token": client.csrf}, status=405)
    assert "cannot be used that way" in r.text


def test_static_files_are_served(client):
    r = client.get("/static/css/app.css")
    assert r.content_type == "text/css"
    r = client.get("/static/%2E%2E/pyproject.toml", status=(403, 404))
    assert "[project]" not in r.text


def test_without_the_bundle_pages_still_work_with_a_note(client, monkeypatch):
    from sandbox.web import render

    monkeypatch.setattr(render, "BUNDLE", render.STATIC / "no-such-build")
    html = client.get("/").text
    assert "/static/build/editor.js" not in html
    assert 'id="editor-fallback-note"' in html and "/static/js/app.js" in html


def test_only_the_sandboxs_own_views_can_be_rendered():
    import pytest

    from sandbox.web.render import render

    for hostile in ("{{7*7}}", "% import os", "home\n{{1}}", "../views/home", "$x"):
        with pytest.raises(ValueError, match="not one of the sandbox's views"):
            render(hostile)


def test_requests_and_database_pages_link_back_to_the_step_and_only_to_our_own_pages(client, services):
    from sandbox.preview.inspector import Inspector

    services.inspector = Inspector()
    back = "/learn/hello-web/01-first-routes/hello"
    for page in ("/inspector", "/database"):
        assert f'<a href="{back}">← Back to the step</a>' in client.get(page, {"back": back}).text
        assert "Back to the step" not in client.get(page, {"back": "//evil.example/x"}).text


def test_lesson_code_is_coloured_for_the_dark_theme_too(client):
    css = client.get("/highlight.css").text
    assert ".highlight" in css and '[data-theme="dark"] .highlight' in css


def test_a_finished_lesson_fills_its_whole_bar_whatever_the_other_lessons_hold():
    from sandbox.web.pages.progress import progress_charts

    view = {"lessons": [{"title": "Short", "done": 4, "total": 4, "seconds": 0},
                        {"title": "Long", "done": 4, "total": 12, "seconds": 0}],
            "days": {}, "today": __import__("datetime").date(2026, 1, 5)}
    chart = progress_charts(view)["completion"]
    widths = [float(w) for w in __import__("re").findall(r'class="chart-bar"[^>]* width="([0-9.]+)"', chart)]
    assert widths[0] == 300.0 and round(widths[1]) == 100
