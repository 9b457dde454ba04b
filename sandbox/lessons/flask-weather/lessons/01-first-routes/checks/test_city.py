"""/city/<slug> shows the latest reading of one city, and unknown cities are not found."""

from dashboard import KELSO, TIMBUKTU, UNKNOWN, page, shows_number, site, station, text_of, visit  # noqa: F401

ROUTE = ("Write the route as \"/city/<slug>\", name the function's parameter like the part in angle brackets "
         "(def city(slug):), and pass it on to weather.current(slug).")


def test_city_page_shows_the_latest_reading(site):
    """/city/<slug> shows the city's temperature and conditions"""
    for city in (KELSO, TIMBUKTU):
        path = f"/city/{city['slug']}"
        text = text_of(page(site, path, ROUTE))
        reading = city["readings"][0]
        assert city["name"] in text and shows_number(text, reading["temp_c"]) and reading["condition"] in text, (
            f"The page at {path} says {text[:80]!r}. It should name {city['name']} and show its temperature, "
            f"{reading['temp_c']} °C, and its conditions, {reading['condition']}, as weather.current(slug) "
            "reports them. Build the text from the reading, like f\"{now['city']}: {now['temp_c']} °C\"."
        )


def test_unknown_city_is_not_found(site):
    """A city the service does not know answers 404"""
    path = f"/city/{UNKNOWN}"
    advice = ("For a city the weather service does not know, weather.current(slug) gives None: answer 404 "
              "(page not found) with abort(404) before using the reading.")
    response = visit(site, path, advice)
    assert response.status_int == 404, f"Visiting {path} answered {response.status}. {advice}"


def test_home_page_still_works(site):
    """The home page still works"""
    page(site, "/", "It worked in the last step: keep its route as it was.")
