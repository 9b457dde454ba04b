"""/api/cities/<slug> answers with the latest reading as a JSON object of numbers and text."""

import json

import pytest

from dashboard import KELSO, TIMBUKTU, site, station, visit  # noqa: F401 (fixtures)

ROUTE = ("Add a route for /api/cities/<slug> whose view returns the reading, a dictionary: Flask sends a returned "
         "dict as JSON.")


def values(data):
    """Every value in a JSON document, nested ones included."""
    if isinstance(data, dict):
        for value in data.values():
            yield from values(value)
    elif isinstance(data, list):
        for value in data:
            yield from values(value)
    else:
        yield data


def reading_of(client, city):
    path = f"/api/cities/{city['slug']}"
    response = visit(client, path, ROUTE)
    if response.status_int == 404:
        pytest.fail(f"Visiting {path} gave a 404 (not found). {ROUTE}", pytrace=False)
    assert response.status_int == 200, f"Visiting {path} answered {response.status}. {ROUTE}"
    assert response.content_type == "application/json", (
        f"{path} answers {response.content_type} instead of JSON, so programs cannot read it. Return the "
        "dictionary itself (return now), not text made from it.")
    try:
        data = json.loads(response.text)
    except ValueError:
        pytest.fail(f"{path} says it sends JSON, but its body is not valid JSON: {response.text[:80]!r}.", pytrace=False)
    assert isinstance(data, dict), (
        f"{path} sends a JSON {type(data).__name__}; send a JSON object (a dict in Python), whose keys name each "
        "value, like {\"city\": \"Oslo\", \"temp_c\": -4, ...}.")
    return path, data


def test_api_gives_the_reading(site):
    """/api/cities/<slug> gives the city's latest reading as JSON"""
    for city in (KELSO, TIMBUKTU):
        path, data = reading_of(site, city)
        reading = city["readings"][0]
        found = list(values(data))
        texts = [str(value).lower() for value in found if isinstance(value, str)]
        missing = [label for label, ok in (
            (f"the city, {city['name']}", city["name"].lower() in texts),
            (f"the conditions, {reading['condition']}", reading["condition"].lower() in texts),
        ) if not ok]
        assert not missing, f"{path} sends {json.dumps(data, ensure_ascii=False)[:120]}, without {' and '.join(missing)}."


def test_numbers_stay_numbers(site):
    """Temperature, humidity and wind are numbers in the JSON"""
    path, data = reading_of(site, KELSO)
    reading = KELSO["readings"][0]
    numbers = [value for value in values(data) if isinstance(value, (int, float)) and not isinstance(value, bool)]
    for label, number in (("temperature", reading["temp_c"]), ("humidity", reading["humidity"]),
                          ("wind", reading["wind_kmh"])):
        assert number in numbers, (
            f"{path} sends {json.dumps(data, ensure_ascii=False)[:120]}: the {label} should be the number {number}, not text like "
            f"\"{number} °C\". Programs that read your API calculate with it; units go in the key's name, like temp_c.")
