import sqlite3
from urllib.parse import quote, unquote

import peewee
import pytest
from sandbox.checker.probes import HOSTILE, MARK, SQL_ATTACKS, assert_escaped, visible_text

SAFE_ADVICE = ("Pass the words to the database as parameters (the ? marks in the SQL), "
               "never with an f-string, % or + inside the SQL text.")
DRAFT_WORDS = ("Hidden plans", "Top secret draft")


@pytest.fixture
def articles(db):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    # The draft comes first, so a query that an attack turns into "every row" shows it first.
    Article.create(title="Hidden plans", slug="hidden-plans", content="Top secret draft.", published=False)
    Article.create(title="Kitchen notes", slug="kitchen-notes", content="Don't forget the salt.", published=True)
    Article.create(title="Travel diary", slug="travel-diary",
                   content='Trains in Japan run on time, or as the guide said: "always".', published=True)
    return Article


def answer(client, path, params=None, headers=None):
    """The response, or the database's error when the words broke the query (other errors are the
    learner's own slips, and reach them with their line)."""
    try:
        return client.get(path, params or {}, headers=headers or {}, expect_errors=True)
    except (peewee.PeeweeException, sqlite3.Error) as error:
        return error


def crash(r):
    if isinstance(r, Exception):
        return f"crashed your app ({type(r).__name__}: {r})"
    return f"answered {r.status}" if r.status_int >= 500 else ""


def search(client, words, why="", fragment=False):
    what = f"{words} {why}".strip()
    r = answer(client, "/blog/search", {"q": words}, {"HX-Request": "true"} if fragment else None)
    if crash(r):
        pytest.fail(f"Searching for {what} {crash(r)}. The search words became part of your SQL. " + SAFE_ADVICE,
                    pytrace=False)
    assert r.status_int == 200, f"Searching for {what} answered {r.status} instead of the results page."
    return r


def attack_all(client, where, requests):
    """Send every attack; report a leaked draft first (the worst), else a crash."""
    crashes = []
    for attack, path, params, headers in requests:
        r = answer(client, path, params, headers)
        if crash(r):
            crashes.append(f"{where(attack, path)} {crash(r)}")
        elif leaked(r.text):
            pytest.fail(f"{where(attack, path)} showed an unpublished article: the attack changed your SQL. "
                        + SAFE_ADVICE, pytrace=False)
    if crashes:
        pytest.fail(f"{crashes[0]}: the attack became part of your SQL. " + SAFE_ADVICE, pytrace=False)


def leaked(html):
    text = visible_text(html)
    return any(words in text for words in DRAFT_WORDS)


def test_search_looks_in_content(articles, client):
    """The search finds words in the content too"""
    text = visible_text(search(client, "travel").text)
    assert "Travel diary" in text, (
        "Searching for 'travel' should find 'Travel diary', whose title starts with it. LIKE compares the whole "
        "text unless the pattern has % around the words: pass f\"%{q}%\" as the parameter.")
    text = visible_text(search(client, "japan").text)
    assert "Travel diary" in text, (
        "Searching for 'japan' should find 'Travel diary', whose content mentions Japan. "
        "Search the title OR the content: ... WHERE published = 1 AND (title LIKE ? OR content LIKE ?).")
    assert "Kitchen notes" not in text, "Searching for 'japan' also listed 'Kitchen notes': only list articles that contain the words."
    assert not leaked(search(client, "secret").text), (
        "Searching for 'secret' showed the unpublished article 'Hidden plans'. Keep published = 1 in the query.")


def test_quote_marks_are_fine(articles, client):
    """Words with quote marks work"""
    r = search(client, "don't", "(with a quote mark ')")
    assert "Kitchen notes" in visible_text(r.text), (
        "Searching for don't should find 'Kitchen notes', whose content says Don't.")
    r = search(client, '"always"', '(with quote marks ")')
    assert "Travel diary" in visible_text(r.text), (
        "Searching for \"always\" (with its quote marks) should find 'Travel diary', whose content says \"always\".")


@pytest.mark.independent
def test_sql_injection_is_refused(articles, client):
    """SQL injection in the search finds nothing secret"""
    requests = [(attack, "/blog/search", {"q": attack}, headers)
                for attack in SQL_ATTACKS for headers in (None, {"HX-Request": "true"})]
    attack_all(client, lambda attack, path: f"Searching for {attack} (an SQL injection attack)", requests)


@pytest.mark.independent
def test_addresses_are_not_injectable(articles, client):
    """SQL injection in an article's address finds nothing secret"""
    requests = [(attack, path.format(quote(attack, safe="")), None, None)
                for attack in SQL_ATTACKS for path in ("/blog/{}/", "/api/articles/{}")]
    attack_all(client, lambda attack, path: f"Visiting {unquote(path)}", requests)


@pytest.mark.independent
def test_results_are_escaped(articles, client):
    """Titles and search words are shown as text on the search page"""
    for number, payload in enumerate(HOSTILE):
        articles.create(title=f"Findme {payload}", slug=f"findme-{number}", content="Text.", published=True)
    for fragment in (False, True):
        page = search(client, "findme", fragment=fragment).text
        for payload in HOSTILE:
            assert_escaped(page, payload, "the search results, in an article's title")
    for payload in HOSTILE:
        for fragment in (False, True):
            page = search(client, f"{payload} nowhere", fragment=fragment).text  # no result: the words are shown back
            assert_escaped(page, payload, "the search page, in the words searched for")
    assert MARK in visible_text(search(client, "findme").text), (
        "Searching for 'findme' should list the articles whose titles say Findme, with their titles shown as text.")
