"""Typing in the search box sends htmx for only the results; the same address without htmx is still a full page."""

import pytest

from dashboard import HOSTILE, KELSO, TIMBUKTU, assert_shown_as_text, page, site, station, text_of, visit  # noqa: F401
from htmx_page import Htmx, layout_in

BOX = ('<input type="search" name="q" hx-get="{{ url_for(\'search\') }}" hx-trigger="input changed delay:300ms" '
       'hx-target="#results">, with <div id="results"> under the form')
FRAGMENT = ("When the request has the header HX-Request, answer with only the results: "
            "if request.headers.get(\"HX-Request\"): return render_template(\"_results.html\", q=q, found=found).")


def typing(client, words):
    htmx = Htmx(page(client, "/search").text, "/search", f"Give the search box htmx attributes: {BOX}.")
    problem = htmx.target_problem("the results")
    assert problem is None, problem
    return htmx, htmx.ask(client, {htmx.words_name(): words})


def test_search_without_htmx_is_still_a_page(site):
    """Without htmx, /search?q=... is still a whole page"""
    response = page(site, "/search?q=els")
    assert "html" in layout_in(response.text) and KELSO["name"] in text_of(response), (
        "Visiting /search?q=els without htmx (a bookmark, a shared link, a browser without JavaScript) should "
        "still send the full page with the layout and the results. Only answer with the fragment when the "
        "HX-Request header is there.")


def test_typing_asks_htmx_for_the_results(site):
    """Typing in the search box fetches the matching cities"""
    htmx, response = typing(site, "els")
    text = text_of(response)
    assert response.status_int == 200 and KELSO["name"] in text and TIMBUKTU["name"] not in text, (
        f"When someone types 'els', htmx asks {htmx.url} and your app answered {response.status} "
        f"{'without ' + KELSO['name'] if KELSO['name'] not in text else 'with other cities too'}. Point hx-get at "
        "/search and name the box q.")


def test_htmx_gets_only_the_results(site):
    """With the HX-Request header, /search sends only the results"""
    _, response = typing(site, "els")
    found = layout_in(response.text)
    assert not found, (
        f"With the header HX-Request: true your app still sent the whole page (<{'>, <'.join(found)}>), which htmx "
        f"would put inside the page. {FRAGMENT}")


@pytest.mark.independent
def test_results_show_text_as_text(site):
    """Search words that hold HTML are shown as text in the results htmx gets"""
    for payload in HOSTILE:
        response = visit(site, "/search", params={"q": payload}, headers={"HX-Request": "true"})
        if response.status_int != 200:
            pytest.skip("Not checked yet: first make the search work.")
        assert_shown_as_text(response.text, payload, "the results sent to htmx, in the words searched for")
