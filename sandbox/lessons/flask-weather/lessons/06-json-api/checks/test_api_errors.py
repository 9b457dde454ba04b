"""An unknown city in the API answers 404 with a JSON error, not an HTML page."""

import json

from dashboard import KELSO, UNKNOWN, site, station, visit  # noqa: F401 (fixtures)

ADVICE = ("Programs read the API, so errors are JSON too: return {\"error\": \"...\"}, 404 when "
          "weather.current(slug) gives None.")


def test_unknown_city_is_a_json_404(site):
    """An unknown city answers 404 with a JSON error"""
    path = f"/api/cities/{UNKNOWN}"
    response = visit(site, path, ADVICE)
    assert response.status_int == 404, f"Visiting {path} answered {response.status} instead of 404. {ADVICE}"
    assert response.content_type == "application/json", (
        f"{path} answers 404 with {response.content_type}, an HTML page a program cannot read. {ADVICE}")
    data = json.loads(response.text)
    assert isinstance(data, dict) and any(isinstance(v, str) and v.strip() for v in data.values()), (
        f"{path} answers {response.text[:80]!r}: send a JSON object with a sentence that says what went wrong, "
        "like {\"error\": \"There is no city called 'atlantis'.\"}.")


def test_known_cities_still_work(site):
    """A city the service knows still gives its reading"""
    path = f"/api/cities/{KELSO['slug']}"
    response = visit(site, path)
    assert response.status_int == 200 and response.content_type == "application/json", (
        f"Visiting {path} answered {response.status} ({response.content_type}); it should still send the reading "
        "as JSON.")


def test_html_pages_still_say_not_found(site):
    """The city page still answers 404 for an unknown city"""
    response = visit(site, f"/city/{UNKNOWN}")
    assert response.status_int == 404, (
        f"Visiting /city/{UNKNOWN} answered {response.status}: the page for a city the service does not know should "
        "still be a 404.")
