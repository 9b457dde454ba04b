"""Checks for "Pages of articles": /blog/ shows 5 articles a page, newest first, with links between pages.

Twelve published articles (and two drafts) with fixed dates: page 1 holds the five newest, page 2 the
next five, page 3 the last two, and page 4 is past the end (404). A link "to page k" is any link whose
address resolves to /blog/?page=k (or /blog/ itself for page 1); the layout's own links are the same on
every page, so the checks compare pages with each other instead of looking for particular markup.
"""

import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest

from sandbox.checker.probes import HOSTILE, assert_escaped, visible_text

PAGE_SIZE = 5
TITLES = [f"Entry {word}" for word in ("amber", "birch", "cedar", "daisy", "elder", "fern", "ginger", "hazel", "iris",
                                       "juniper", "kale", "lilac")]  # oldest first
BAD = ["abc", "0", "-1", "1.5", "", "2x", "99999999999999999999999999"]


@pytest.fixture
def blog(db, request, monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    start = datetime.datetime(2024, 3, 1, 8, 0)
    for day, title in enumerate(TITLES):
        Article.create(title=title, slug=title.lower().replace(" ", "-"), content="Words.", published=True,
                       created_at=start + datetime.timedelta(days=day))
    for day, title in enumerate(["Draft one", "Draft two"]):
        Article.create(title=title, slug=title.lower().replace(" ", "-"), content="Hidden.", published=False,
                       created_at=start + datetime.timedelta(days=30 + day))
    return request.getfixturevalue("client")


def newest_first(page):
    """The titles page number `page` should show, newest first."""
    titles = list(reversed(TITLES))
    return titles[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]


def visit(client, query):
    """The page at /blog/?query, after a redirect to another address of the list (like ?page=1 to /blog/)."""
    path = "/blog/" + (f"?{query}" if query is not None else "")
    try:
        r = client.get(path, expect_errors=True)
        if r.status_int in (301, 302, 303, 307, 308) and urlsplit(r.headers.get("Location", "")).path == "/blog/":
            r = r.follow(expect_errors=True)
        return r
    except Exception as error:  # noqa: BLE001 - the learner's route crashed
        pytest.fail(f"Visiting {path} crashed your app with {type(error).__name__}: {error}. The page number comes "
                    "from the address and can be any text: check it before you use it.", pytrace=False)


def shown(text):
    """The test titles a page shows, in the order it shows them."""
    found = [(text.find(title), title) for title in TITLES + ["Draft one", "Draft two"] if title in text]
    return [title for _, title in sorted(found)]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def links_to(html, here, page):
    """How many links on the page at `here` lead to page number `page` of /blog/."""
    parser = Links()
    parser.feed(html)
    count = 0
    for href in parser.hrefs:
        url = urlsplit(urljoin("http://localhost" + here, href))
        numbers = parse_qs(url.query, keep_blank_values=True).get("page")
        if url.path == "/blog/" and (numbers == [str(page)] or (page == 1 and numbers is None)):
            count += 1
    return count


def test_first_page(blog):
    """/blog/ shows the five newest articles"""
    r = visit(blog, None)
    assert r.status_int == 200, f"Visiting /blog/ answered {r.status} instead of the list."
    titles = shown(visible_text(r.text))
    assert not {"Draft one", "Draft two"} & set(titles), "The list shows drafts: keep only published articles."
    assert titles == newest_first(1), (
        f"With 12 published articles, /blog/ should show the 5 newest, newest first ({', '.join(newest_first(1))}), "
        f"but it shows {len(titles)}: {', '.join(titles) or 'none'}. Use published_articles().paginate(page, 5).")
    again = visit(blog, "page=1")
    assert again.status_int == 200 and shown(visible_text(again.text)) == titles, "/blog/?page=1 should show the same as /blog/."


def test_later_pages(blog):
    """?page=2 and ?page=3 show the next articles"""
    visit(blog, None)  # page 1 first, as a visitor would: it must not stand in for the others
    for page in (2, 3):
        r = visit(blog, f"page={page}")
        assert r.status_int == 200, f"Visiting /blog/?page={page} answered {r.status} instead of page {page} of the list."
        titles = shown(visible_text(r.text))
        if titles == newest_first(1):
            pytest.fail(f"/blog/?page={page} shows the same articles as page 1. Read the number with "
                        "request.query.get(\"page\", \"1\"), and cache each page under its own key, like "
                        "f\"blog_list:{page}\".", pytrace=False)
        assert titles == newest_first(page), (
            f"/blog/?page={page} should show {', '.join(newest_first(page))}, but it shows "
            f"{', '.join(titles) or 'no articles'}. Page {page} starts after the first {(page - 1) * PAGE_SIZE} articles.")


def test_links_between_pages(blog):
    """Links lead to the next and the previous page"""
    pages = {page: visit(blog, f"page={page}").text for page in (1, 2, 3)}
    assert links_to(pages[1], "/blog/?page=1", 2), (
        "Page 1 has no link to page 2. When there are more pages, link to the next one: "
        "<a href=\"/blog/?page={{page + 1}}\">Older articles</a>.")
    assert links_to(pages[2], "/blog/?page=2", 3), "Page 2 has no link to page 3, the next one."
    assert links_to(pages[2], "/blog/?page=2", 1) > links_to(pages[3], "/blog/?page=3", 1), (
        "Page 2 has no link back to page 1. When page > 1, link to the previous page: "
        "<a href=\"/blog/?page={{page - 1}}\">Newer articles</a>.")
    assert not links_to(pages[3], "/blog/?page=3", 4), (
        "Page 3 is the last one, but it links to a page 4. Show the link to the next page only while page < pages.")


def test_past_the_end(blog, db):
    """A page past the end answers 404"""
    for query in ("page=4", "page=1000"):
        r = visit(blog, query)
        assert r.status_int == 404, (
            f"/blog/?{query} answered {r.status}, but there are only 3 pages. Count the pages with "
            "math.ceil(count / 5) and abort(404) when the number is bigger.")
    db.models["Article"].delete().execute()
    r = visit(blog, "page=1")
    assert r.status_int == 200, (
        f"With no articles at all, /blog/ answered {r.status}. There is always a page 1, even an empty one.")


def test_bad_page_numbers(blog):
    """Page numbers that are not whole numbers don't crash the list"""
    first = shown(visible_text(visit(blog, None).text))
    for value in BAD:
        r = visit(blog, f"page={value}")
        assert r.status_int in (200, 400, 404), (
            f"/blog/?page={value} answered {r.status}. A page number that is not a page of the list should answer "
            "404 (or show page 1).")
        if r.status_int == 200:
            assert shown(visible_text(r.text)) == first, (
                f"/blog/?page={value} shows other articles than page 1. Answer 404 for a page that does not exist.")


def test_titles_are_shown_as_text(blog, db):
    """The list shows titles as text"""
    Article = db.models["Article"]
    for number, payload in enumerate(HOSTILE):
        Article.create(title=payload, slug=f"hostile-{number}", content="x", published=True,
                       created_at=datetime.datetime(2024, 6, 1, 8, number))
    r = visit(blog, None)
    for payload in HOSTILE:
        assert_escaped(r.text, payload, "the list /blog/, in an article's title")


@pytest.mark.independent
def test_page_number_is_shown_as_text(blog):
    """The page number from the address is shown as text"""
    for payload in HOSTILE:
        r = visit(blog, "page=" + quote(payload, safe=""))
        assert_escaped(r.text, payload, "the list /blog/, in the page number from the address")
