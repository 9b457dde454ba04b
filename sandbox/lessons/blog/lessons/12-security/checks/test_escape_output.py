from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from sandbox.checker.probes import HOSTILE, MARK, assert_escaped, visible_text

CONTENT = "First paragraph here.\n\nSecond one <script>alert('hacked')</script> with a tag.\r\n\r\nThird & last."


class Paragraphs(HTMLParser):
    """The visible text of each <p> element of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self.current = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "p" or (self.current is not None and tag in ("div", "ul", "ol", "h1", "h2", "h3", "table", "pre")):
            self.end_paragraph()
        if tag == "p":
            self.current = []

    def handle_endtag(self, tag):
        if tag in ("p", "article", "main", "body", "div"):
            self.end_paragraph()

    def handle_data(self, data):
        if self.current is not None:
            self.current.append(data)

    def end_paragraph(self):
        if self.current is not None:
            self.found.append(" ".join("".join(self.current).split()))
        self.current = None


def paragraphs(html):
    parser = Paragraphs()
    parser.feed(html)
    parser.close()
    parser.end_paragraph()
    return parser.found


@pytest.fixture
def Article(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    return model


def page(client, path, what):
    r = client.get(path, expect_errors=True)
    assert r.status_int == 200, f"Visiting {what} ({path}) answered {r.status} instead of the page."
    return r.text


def test_paragraphs(Article, client):
    """Each paragraph gets its own <p>"""
    Article.create(title="Three paragraphs", slug="three", content=CONTENT, published=True)
    found = paragraphs(page(client, "/blog/three/", "a published article's page"))
    first = [p for p in found if "First paragraph here." in p]
    assert first and "Third & last." not in first[0] and "Second one" not in first[0], (
        "Split the content on blank lines and put each paragraph in its own <p>...</p>, "
        "with a % for loop in views/blog_detail.tpl.")
    assert "Third & last." in found, (
        "The last paragraph should be in its own <p> too. "
        "Text typed in the form has \\r\\n line ends: use .replace('\\r\\n', '\\n') before splitting.")
    assert any(p.startswith("Second one") and "with a tag." in p for p in found), (
        "The second paragraph should be in its own <p>, with its <script> tag shown as text.")
    assert "" not in found, "An empty <p></p> was left on the page: skip the paragraphs that are only blank space."


@pytest.mark.independent
def test_article_page_escapes(Article, client):
    """HTML typed in an article stays harmless text"""
    for number, payload in enumerate(HOSTILE):
        Article.create(title=f"Title {payload}", slug=f"title-{number}", content="Plain text.", published=True)
        Article.create(title=f"Content {number}", slug=f"content-{number}",
                       content=f"Before.\n\nIt says {payload} here.\r\n\r\nAfter.", published=True)
    for number, payload in enumerate(HOSTILE):
        html = page(client, f"/blog/title-{number}/", "an article's page")
        assert_escaped(html, payload, "the article page, in the article's title")
        html = page(client, f"/blog/content-{number}/", "an article's page")
        assert_escaped(html, payload, "the article page, in a paragraph of the content")
        assert MARK in visible_text(html), (
            f"The paragraph with {payload!r} disappeared from the article page: show it as text with {{{{...}}}}.")


def page_form(client):
    r = client.get("/blog/new", expect_errors=True)
    form = next((f for f in r.forms.values() if "title" in f.fields), None) if r.status_int == 200 else None
    assert form is not None, "The page /blog/new should still show the form for a new article."
    return form


@pytest.mark.independent
def test_other_pages_escape(Article, client):
    """Titles and visitor text are shown as text on every page"""
    for number, payload in enumerate(HOSTILE):
        Article.create(title=f"Title {payload}", slug=f"title-{number}", content="Findme.", summary=payload,
                       published=True)
    for path, what in (("/", "the home page"), ("/blog/", "the list of articles"),
                       ("/blog/search?q=findme", "the search page")):
        html = page(client, path, what)
        for payload in HOSTILE:
            assert_escaped(html, payload, f"{what}, in an article's title or summary")
    for payload in HOSTILE:
        form = page_form(client)
        form["title"] = payload
        form["content"] = ""  # refused, so the form comes back with the title filled in
        html = form.submit(expect_errors=True).text
        assert_escaped(html, payload, "the form at /blog/new, shown again with the title that was typed")
    for payload in HOSTILE:
        if "/" not in payload:  # a slash would end the name in the address
            html = page(client, f"/hello/{quote(payload, safe='')}", "the hello page")
            assert_escaped(html, payload, "the hello page, in the name from the address")
