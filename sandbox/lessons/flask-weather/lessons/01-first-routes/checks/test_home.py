"""The home page names every city the weather service knows."""

from dashboard import CITIES, page, site, station, text_of  # noqa: F401 (fixtures)


def test_home_page_names_every_city(site):
    """The home page names every city of the weather service"""
    response = page(site, "/")
    assert response.content_type == "text/html", (
        f"The home page answered {response.content_type} instead of a page: Flask turns a returned list or dict "
        "into JSON. Join the city names into one string, like \", \".join(names), and return that."
    )
    text = text_of(response)
    missing = [c["name"] for c in CITIES if c["name"] not in text]
    assert not missing, (
        f"The home page says {text[:80]!r}, without {', '.join(missing)}. The check's weather service knows "
        f"{', '.join(c['name'] for c in CITIES)}: take the names from weather.cities() instead of typing them, "
        "so the page follows whatever the service knows."
    )
