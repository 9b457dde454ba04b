"""The city page loads htmx, and a button fetches the latest reading into the page without reloading it."""

from dashboard import BERGEN, page, site, station, text_of  # noqa: F401 (fixtures)
from htmx_page import Htmx, assert_loads_htmx, layout_in

PATH = f"/city/{BERGEN['slug']}"
BUTTON = ('<button hx-get="{{ url_for(\'city_now\', slug=now.slug) }}" hx-target="#now">Refresh</button>, '
          'under <div id="now">')


def test_page_loads_htmx(workspace, site):
    """The city page loads htmx"""
    assert_loads_htmx(site, workspace, PATH)


def test_refresh_asks_for_the_reading(site):
    """The refresh button asks for the latest reading and puts it in the right place"""
    htmx = Htmx(page(site, PATH).text, PATH, f"Add a button to templates/city.html: {BUTTON}.")
    problem = htmx.target_problem("the reading")
    assert problem is None, problem
    response = htmx.ask(site)
    assert response.status_int == 200, (
        f"The refresh button asks for {htmx.url}, which answers {response.status}. Point hx-get at the reading "
        "fragment: hx-get=\"{{ url_for('city_now', slug=now.slug) }}\".")
    found = layout_in(response.text)
    assert not found, (
        f"The refresh button asks for {htmx.url}, which sends a whole page (<{'>, <'.join(found)}>), and htmx would "
        "put a page inside your page. Point hx-get at the reading fragment, /city/<slug>/now.")


def test_each_click_shows_the_next_reading(site):
    """Each click shows the city's latest reading"""
    htmx = Htmx(page(site, PATH).text, PATH, "")
    shown = [text_of(htmx.ask(site)) for _ in range(2)]
    conditions = [reading["condition"] for reading in BERGEN["readings"]]
    for text in shown:
        assert any(condition in text for condition in conditions), (
            f"A click on the refresh button fetched {htmx.url}, which says {text[:80]!r}: that is not Bergen's "
            "weather. Point hx-get at this city's fragment: url_for('city_now', slug=now.slug).")
