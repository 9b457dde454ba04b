"""/blog/ lists the published articles, newest first, each a link to its own page, titles shown as text."""

import datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from sandbox.checker.probes import HOSTILE, assert_escaped, injected, visible_text

# Saved in this order on purpose: neither the id order nor its reverse is "newest first",
# and neither is the alphabetical order of the titles.
ARTICLES = [
    ("Middle musings", "middle-musings", datetime.datetime(2024, 2, 1), True),
    ("Newest news", "newest-news", datetime.datetime(2024, 3, 1), True),
    ("Oldest origins", "oldest-origins", datetime.datetime(2024, 1, 1), True),
    ("Secret draft", "secret-draft", datetime.datetime(2024, 4, 1), False),
]


class Links(HTMLParser):
    """Every <a href> of a page with the text inside it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.open = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.open.append([dict(attrs).get("href"), ""])

    def handle_data(self, data):
        for link in self.open:
            link[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self.open:
            self.links.append(tuple(self.open.pop()))


def link_to(html, page, title):
    """The path the link around ``title`` on ``page`` leads to, or None."""
    parser = Links()
    parser.feed(html)
    for href, text in parser.links:
        if href is not None and title in " ".join(text.split()):
            return urlsplit(urljoin("http://localhost" + page, href)).path
    return None


def article_model(db):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet: keep the Article class in models.py."
    return Article


def visit(client, path):
    try:
        return client.get(path, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Visiting {path} crashed with {type(error).__name__}: {error}", pytrace=False)


@pytest.fixture
def page(db, client):
    Article = article_model(db)
    for title, slug, created_at, published in ARTICLES:
        Article.create(title=title, slug=slug, content=f"All about {title}.", published=published,
                       created_at=created_at)
    response = visit(client, "/blog/")
    assert response.status_int == 200, (
        f"Visiting /blog/ answered {response.status}. Add a route for '/blog/' that shows the list of articles."
    )
    return response.text


def test_lists_published_articles(page):
    """/blog/ lists the published articles, and no drafts"""
    text = visible_text(page)
    for title, _, _, published in ARTICLES:
        if published:
            assert title in text, f"The article list at /blog/ does not show the published article '{title}'."
    assert "Secret draft" not in page, (
        "The article list shows a draft (an article with published = False). "
        "Filter the query with .where(Article.published == True)."
    )


def test_newest_first(page):
    """/blog/ shows the newest article first"""
    text = visible_text(page)
    positions = [text.find(title) for title in ("Newest news", "Middle musings", "Oldest origins")]
    assert positions == sorted(positions), (
        "The articles at /blog/ are not newest first. Sort them by date, newest first: "
        ".order_by(Article.created_at.desc())."
    )


def test_links_to_each_article(page):
    """Each title links to its own page"""
    for title, slug, _, published in ARTICLES:
        if not published:
            continue
        path = link_to(page, "/blog/", title)
        assert path is not None, (
            f"The title '{title}' on /blog/ is not a link yet. Put it inside <a href=\"/blog/{{{{article.slug}}}}/\">...</a>."
        )
        assert path.rstrip("/") == f"/blog/{slug}", (
            f"The link on '{title}' leads to {path}; it should lead to the article's own address, /blog/{slug}/, "
            "built from its slug."
        )


def test_empty_list(db, client):
    """/blog/ works before anything is published"""
    article_model(db)
    response = visit(client, "/blog/")
    assert response.status_int == 200, f"With no articles at all, /blog/ answered {response.status}."


@pytest.mark.independent
def test_titles_are_shown_as_text(db, client):
    """Titles with HTML in them are shown as text"""
    Article = article_model(db)
    for number, payload in enumerate(HOSTILE):
        article = Article.create(title=payload, slug=f"hostile-{number}", content="Harmless content.", published=True,
                                 created_at=datetime.datetime(2024, 5, 1))
        response = visit(client, "/blog/")
        if response.status_int != 200:
            pytest.skip("Not checked yet: first make /blog/ show the list of articles.")
        if not injected(response.text, payload) and "xss7q" not in visible_text(response.text):
            pytest.skip("Not checked yet: first make /blog/ show each published article's title.")
        assert_escaped(response.text, payload, "the article list at /blog/, in an article's title")
        article.delete_instance()
