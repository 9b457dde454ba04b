"""A pretend weather service for your dashboard.

A real dashboard would ask a weather service on the internet. This one reads weather.json,
beside this file, so everything works offline. Like a real weather station, it reports a new
reading each time you ask: current() goes through the city's readings in turn.
"""

import json
from pathlib import Path

DATA_FILE = Path(__file__).with_name("weather.json")

_asked = {}  # how many readings each city has reported so far


def _all_cities():
    with open(DATA_FILE, encoding="utf-8") as file:
        return json.load(file)["cities"]


def cities():
    """Every city the service knows, as a list of dicts with the keys slug, name and country."""
    return [{"slug": c["slug"], "name": c["name"], "country": c["country"]} for c in _all_cities()]


def find_city(slug):
    """The city with this slug (a dict with slug, name and country), or None when there is none."""
    for city in cities():
        if city["slug"] == slug:
            return city
    return None


def current(slug):
    """The latest reading for the city with this slug, or None when the service has no such city.

    A reading is a dict: slug, city, country, temp_c, condition, icon, humidity (in %) and
    wind_kmh. Every call reports the city's next reading.
    """
    for city in _all_cities():
        if city["slug"] == slug:
            count = _asked.get(slug, 0)
            _asked[slug] = count + 1
            reading = city["readings"][count % len(city["readings"])]
            return {"slug": slug, "city": city["name"], "country": city["country"], **reading}
    return None
