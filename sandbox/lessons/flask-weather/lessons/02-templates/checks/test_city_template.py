"""/city/<slug> is made from templates/city.html, shows the whole reading, and shows text as text."""

import pytest

from dashboard import (  # noqa: F401 (station and site are fixtures)
    KELSO, TIMBUKTU, UNKNOWN, Templates, assert_shown_as_text, hostile_cities, page, shows_number, site, station,
    text_of, visit,
)

TEMPLATE = "Save the page's HTML as templates/city.html and answer with render_template(\"city.html\", now=now)."


def pieces(city):
    """What a visitor should find on a city's page: (label, found in the page's text)."""
    reading = city["readings"][0]
    return [
        (f"the name, {city['name']}", lambda text: city["name"] in text),
        (f"the temperature, {reading['temp_c']} °C", lambda text: shows_number(text, reading["temp_c"])),
        (f"the conditions, {reading['condition']}", lambda text: reading["condition"].lower() in text.lower()),
        (f"the humidity, {reading['humidity']}%", lambda text: shows_number(text, reading["humidity"])),
        (f"the wind, {reading['wind_kmh']} km/h", lambda text: shows_number(text, reading["wind_kmh"])),
    ]


def test_city_page_comes_from_a_template(site, app, monkeypatch):
    """The city page is made from a template file"""
    templates = Templates(app, monkeypatch)
    _, own, _ = templates.during(site, f"/city/{KELSO['slug']}", TEMPLATE)
    assert own is not None or not templates.watching, (
        f"The page at /city/{KELSO['slug']} is not made from a template file yet. {TEMPLATE}")


def test_city_page_shows_the_whole_reading(site):
    """The city page shows the name, temperature, conditions, humidity and wind"""
    for city in (KELSO, TIMBUKTU):
        path = f"/city/{city['slug']}"
        text = text_of(page(site, path, TEMPLATE))
        missing = [label for label, found in pieces(city) if not found(text)]
        assert not missing, (
            f"The page at {path} does not show {', '.join(missing)}. Print each value of the reading in "
            "templates/city.html, like {{ now.condition }} and {{ now.humidity }}."
        )


def test_unknown_city_is_still_not_found(site):
    """A city the service does not know still answers 404"""
    advice = "Keep the check for None and abort(404) from the last lesson, before render_template."
    response = visit(site, f"/city/{UNKNOWN}", advice)
    assert response.status_int == 404, f"Visiting /city/{UNKNOWN} answered {response.status}. {advice}"


@pytest.mark.independent
def test_city_text_is_shown_as_text(station, site):
    """A city's name and conditions that hold HTML are shown as text"""
    hostile = hostile_cities()
    station.use(hostile)
    for city in hostile:
        response = visit(site, f"/city/{city['slug']}")
        if response.status_int != 200:
            pytest.skip("Not checked yet: first make the city page work.")
        assert_shown_as_text(response.text, city["name"], "the city page, in the city's name and conditions")
