"""The favourites form refuses a city the service does not know, whatever the browser sends."""

import pytest

from dashboard import KELSO, UNKNOWN, page, send, site, station, visit  # noqa: F401 (fixtures)

REFUSE = ("Never trust what a form sends: anyone can change it before sending. Check the city with "
          "weather.find_city(slug), and when it is None answer 400 (bad request) with abort(400).")


def tampered(client, value):
    """The city page's POST form, with the city it sends replaced by ``value``: (action, fields)."""
    path = f"/city/{KELSO['slug']}"
    forms = [form for form in page(client, path).forms.values() if form.method.upper() == "POST"]
    if not forms:
        pytest.fail(f"The page at {path} has no form that sends with POST any more: keep it.", pytrace=False)
    form = forms[-1]
    fields = [(name, value if current == KELSO["slug"] else current) for name, current in form.submit_fields()]
    action = form.action or path
    if not any(current == KELSO["slug"] for _, current in form.submit_fields()):
        action = action.replace(KELSO["slug"], value) if value else action.replace("/" + KELSO["slug"], "/")
    return action, fields


def test_unknown_city_is_refused(site):
    """A city the service does not know is refused"""
    action, fields = tampered(site, UNKNOWN)
    response = send(site, "POST", action, fields, REFUSE)
    assert 400 <= response.status_int < 500, (
        f"Sending the favourites form with the city {UNKNOWN!r}, which the service does not know, answered "
        f"{response.status}. {REFUSE}")
    page(site, "/", "The home page should still work after a refused form.")


def test_empty_city_is_refused(site):
    """A form without a city is refused"""
    action, fields = tampered(site, "")
    response = send(site, "POST", action, fields, REFUSE)
    assert 400 <= response.status_int < 500, (
        f"Sending the favourites form with no city answered {response.status}. {REFUSE}")


def test_known_cities_are_still_added(site):
    """A city the service knows is still added"""
    action, fields = tampered(site, KELSO["slug"])
    response = send(site, "POST", action, fields)
    assert response.status_int in (301, 302, 303), (
        f"Sending the favourites form for Kelso answered {response.status}; it should still add the city and "
        "redirect home, as in the last step.")
