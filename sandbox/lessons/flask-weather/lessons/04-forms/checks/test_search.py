"""/search has a GET form; sending it lists the cities whose name holds the words, in any case."""

import pytest

from dashboard import (  # noqa: F401 (station and site are fixtures)
    HOSTILE, KELSO, TIMBUKTU, ZURICH, Tree, address, assert_shown_as_text, hostile_cities, page, site, station,
    text_of, visit,
)

ROUTE = ("Add a route for /search that reads the words with request.args.get(\"q\", \"\") and renders "
         "templates/search.html.")
FORM = ('<form action="{{ url_for(\'search\') }}" method="get"><input type="search" name="q" value="{{ q }}">'
        '<button>Search</button></form>')


def search_form(client):
    """The search page's form, and the name of its text box."""
    response = page(client, "/search", ROUTE)
    for form in response.forms.values():
        for name, fields in form.fields.items():
            kind = (fields[0].attrs.get("type") or "text").lower()
            if name and fields[0].tag == "input" and kind in ("text", "search"):
                return form, name
    pytest.fail(f"The page at /search has no form with a box to type in yet. Put one in templates/search.html: {FORM}",
                pytrace=False)


def send_search(client, words):
    form, box = search_form(client)
    assert form.method.upper() == "GET", (
        f"The search form sends with method=\"{form.method.lower()}\". Search with method=\"get\": the words then go "
        "into the address (/search?q=els), which can be bookmarked and shared, and the route reads them from "
        "request.args.")
    form[box] = words
    try:
        response = form.submit(expect_errors=True)
    except Exception as error:
        pytest.fail(f"Sending the search form for {words!r} crashed with {type(error).__name__}: {error}", pytrace=False)
    assert response.status_int == 200, f"Sending the search form for {words!r} answered {response.status}."
    return response


def test_search_page_opens_without_words(site):
    """The search page opens before anyone searched"""
    response = visit(site, "/search", ROUTE)
    assert response.status_int != 404, f"Visiting /search gave a 404 (page not found). {ROUTE}"
    assert response.status_int != 400, (
        f"Visiting /search without words answered {response.status}. Read the words with a default, "
        "request.args.get(\"q\", \"\"), so the page also opens before anyone searched.")
    assert response.status_int == 200, f"Visiting /search answered {response.status}."
    search_form(site)


def test_search_lists_matching_cities(site):
    """Sending the form lists the cities whose name holds the words"""
    text = text_of(send_search(site, "els"))
    assert KELSO["name"] in text, (
        f"Searching for 'els' did not list {KELSO['name']}. List the cities of weather.cities() whose name holds "
        "the words: [city for city in weather.cities() if q in city[\"name\"]].")
    assert TIMBUKTU["name"] not in text, (
        f"Searching for 'els' also listed {TIMBUKTU['name']}: show only the cities whose name holds the words.")


def test_search_ignores_upper_and_lower_case(site):
    """Searching ignores upper and lower case"""
    for words, city in (("ZÜR", ZURICH), ("kelSO", KELSO)):
        assert city["name"] in text_of(send_search(site, words)), (
            f"Searching for {words!r} did not find {city['name']}. Visitors type names in any case: compare in "
            "lowercase, q.lower() in city[\"name\"].lower().")


def test_found_cities_link_to_their_pages(site):
    """Each city found links to its page"""
    response = send_search(site, "els")
    link = next((a for a in Tree(response.text).elements("a") if KELSO["name"] in a.words()), None)
    assert link is not None, (
        f"{KELSO['name']} is listed but is not a link. Link it to its page: "
        "<a href=\"{{ url_for('city', slug=city.slug) }}\">{{ city.name }}</a>.")
    target, here = address(response.request.path_qs, link.attrs.get("href", ""))
    found = visit(site, target) if here else None
    assert found is not None and found.status_int == 200 and KELSO["name"] in text_of(found), (
        f"The link for {KELSO['name']} leads to {target}, which does not show its page. Use "
        "url_for('city', slug=city.slug).")


@pytest.mark.independent
def test_words_and_names_are_shown_as_text(station, site):
    """Search words and city names that hold HTML are shown as text"""
    for payload in HOSTILE:
        response = visit(site, "/search", params={"q": payload})
        if response.status_int != 200:
            pytest.skip("Not checked yet: first make the search page work.")
        assert_shown_as_text(response.text, payload, "the search page, in the words searched for")
    hostile = hostile_cities()
    station.use(hostile)
    response = visit(site, "/search", params={"q": "xss7q"})
    for city in hostile:
        assert_shown_as_text(response.text, city["name"], "the search page, in a city's name it found")
