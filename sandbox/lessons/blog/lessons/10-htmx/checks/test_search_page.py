"""/blog/search lists matching published articles, works as a plain form, and asks htmx for its results."""

from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from sandbox.checker.probes import HOSTILE, SQL_ATTACKS, assert_escaped, injected, visible_text

MATCH, DRAFT, OTHER = "Learning Python the fun way", "Python secrets (draft)", "Baking bread"
HX_VERBS = ("hx-get", "data-hx-get", "hx-post", "data-hx-post")
FIELDS = ("input", "select", "textarea")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def descendants(self):
        for child in self.children:
            yield child
            yield from child.descendants()


class Tree(HTMLParser):
    """The page's elements with their attributes, parents and children."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.root = self.open = Node("#document", {}, None)
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {name: value or "" for name, value in attrs}, self.open)
        self.open.children.append(node)
        if tag not in VOID:
            self.open = node

    def handle_startendtag(self, tag, attrs):
        self.open.children.append(Node(tag, {name: value or "" for name, value in attrs}, self.open))

    def handle_endtag(self, tag):
        node = self.open
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.open = node.parent

    def elements(self):
        return list(self.root.descendants())


def visit(client, path, **kwargs):
    try:
        return client.get(path, expect_errors=True, **kwargs)
    except Exception as error:
        pytest.fail(f"Visiting {path} crashed with {type(error).__name__}: {error}", pytrace=False)


def search(client, q=None, **kwargs):
    return visit(client, "/blog/search" + (f"?{urlencode({'q': q})}" if q is not None else ""), **kwargs)


class Htmx:
    """What htmx does with the search page: the request it sends when someone types, and where the answer goes."""

    def __init__(self, html):
        self.elements = Tree(html).elements()
        self.ids = {node.attrs.get("id") for node in self.elements if node.attrs.get("id")}
        self.node = next((node for node in self.elements if any(verb in node.attrs for verb in HX_VERBS)), None)
        assert self.node is not None, (
            "The search page has no element with hx-get yet, so htmx never asks for results while someone types. "
            'Give the search box hx-get="/blog/search" and hx-target="#results".'
        )
        verb = next(verb for verb in HX_VERBS if verb in self.node.attrs)
        self.method = "POST" if verb.endswith("post") else "GET"
        address = urlsplit(urljoin("http://localhost/blog/search", self.node.attrs[verb]))
        self.path, self.query = address.path, address.query
        self.name = self._parameter()

    def inherited(self, name):
        for node in (self.node, *self.node.ancestors()):
            for key in (name, "data-" + name):
                if key in node.attrs:
                    return node.attrs[key]
        return None

    def _parameter(self):
        """The name under which htmx sends the typed words."""
        if self.node.tag in FIELDS and self.node.attrs.get("name"):
            return self.node.attrs["name"]
        boxes = [n for n in self.node.descendants() if n.tag == "input" and n.attrs.get("name")
                 and (n.attrs.get("type") or "text").lower() in ("text", "search")] if self.node.tag == "form" else []
        include = self.inherited("hx-include") or ""
        if not boxes and include.startswith("#"):
            boxes = [n for n in self.elements if n.attrs.get("id") == include[1:] and n.attrs.get("name")]
        assert boxes, (
            f"The element with hx-get is a <{self.node.tag}> that sends no words: htmx sends the value of the element "
            'itself. Put hx-get on the search box, <input type="search" name="q" hx-get="/blog/search" ...>.'
        )
        return boxes[0].attrs["name"]

    def target_problem(self):
        target = (self.inherited("hx-target") or "").strip()
        if not target or target == "this":
            if self.node.tag in (*FIELDS, "form"):
                return (f"htmx would put the results inside the <{self.node.tag}> itself. Say where they go: "
                        'hx-target="#results", and a <div id="results"> under the form.')
            return None
        if target.startswith("#") and target[1:] not in self.ids:
            return f'hx-target="{target}" names no element of the page. Give the element for the results id="{target[1:]}".'
        return None

    def ask(self, client, words, htmx=True):
        """Send what htmx sends for ``words`` (with the HX-Request header when ``htmx``)."""
        headers = {"HX-Request": "true"} if htmx else {}
        try:
            if self.method == "POST":
                return client.post(self.path, {self.name: words}, headers=headers, expect_errors=True)
            query = "&".join(part for part in (self.query, urlencode({self.name: words})) if part)
            return client.get(f"{self.path}?{query}", headers=headers, expect_errors=True)
        except Exception as error:
            pytest.fail(f"The htmx request to {self.path} crashed with {type(error).__name__}: {error}", pytrace=False)


@pytest.fixture
def articles(db):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    Article.create(title=MATCH, slug="learning-python", content="Hello.", published=True)
    Article.create(title=DRAFT, slug="python-draft", content="Not yet.", published=False)
    Article.create(title=OTHER, slug="baking-bread", content="Flour.", published=True)
    return Article


def test_search_finds_published_titles(articles, client):
    """The search page lists matching published articles, never drafts"""
    r = search(client, "python")
    assert r.status_int != 404, "Visiting /blog/search gave a 404 (page not found). Add a route for '/blog/search'."
    assert r.status_int == 200, f"Visiting /blog/search?q=python answered {r.status} instead of a page."
    text = visible_text(r.text)
    assert MATCH in text, (
        f"Searching for 'python' should list the published article '{MATCH}'. "
        "Read the words with request.query.getunicode('q', '') and filter with Article.title.contains(q).")
    assert OTHER not in text, f"Searching for 'python' also listed '{OTHER}': only show titles that contain the words."
    assert DRAFT not in r.text, (
        "The search showed an unpublished article. Start the query from published_articles() "
        "(or add .where(Article.published == True)).")
    empty = search(client)
    assert empty.status_int == 200, (
        f"Visiting /blog/search with no words answered {empty.status}. Use a default: request.query.getunicode('q', '').")


def test_search_is_a_full_page_with_a_form(articles, client):
    """The search page uses the layout and has a search form"""
    r = search(client)
    assert any(node.tag == "html" for node in Tree(r.text).elements()), (
        "The search page should be a full page with your layout: start its template with "
        "% rebase('layout', title='Search').")
    forms = [form for form in r.forms.values() if any(name for name in form.fields)]
    assert forms, (
        'The search page needs a form with a search box, <form action="/blog/search"><input type="search" name="q">'
        "</form>, so searching works even without JavaScript.")
    form = forms[0]
    box = next((name for name, fields in form.fields.items() if name and fields[0].tag == "input"
                and (fields[0].attrs.get("type") or "text").lower() in ("text", "search")), None)
    assert box, 'The search form needs a box to type in: <input type="search" name="q">.'
    form[box] = "python"
    try:
        sent = form.submit(expect_errors=True)
    except Exception as error:
        pytest.fail(f"Sending the search form crashed with {type(error).__name__}: {error}", pytrace=False)
    assert sent.status_int == 200 and MATCH in visible_text(sent.text), (
        f"Typing 'python' into the search form and sending it answered {sent.status} without '{MATCH}'. Send the "
        'form to the search page with the box named q: <form action="/blog/search"> ... name="q".')


def test_page_loads_htmx(workspace, articles, client):
    """The page loads htmx"""
    r = search(client)
    sources = [node.attrs.get("src", "") for node in Tree(r.text).elements() if node.tag == "script" and node.attrs.get("src")]
    htmx = [src for src in sources if "htmx" in src.lower()]
    assert htmx, (
        "The search page does not load htmx, so hx-get does nothing in the browser. Add "
        '<script src="/static/htmx.min.js" defer></script> to the <head> of views/layout.tpl.')
    address = urlsplit(urljoin("http://localhost/blog/search", htmx[0]))
    if address.netloc != "localhost":
        return  # a CDN's copy
    lent = address.path == "/static/htmx.min.js" and not (workspace / "static" / "htmx.min.js").exists()
    if lent:
        return  # the sandbox's preview serves its own copy there
    script = visit(client, address.path)
    assert script.status_int == 200 and b"htmx" in script.body, (
        f"The page loads htmx from {address.path}, but your app answers that with {script.status} and no htmx. "
        "Use /static/htmx.min.js (the sandbox lends its copy there) or put the file in static/.")


def test_typing_asks_htmx_for_results(articles, client):
    """Typing in the search box sends htmx for the results"""
    htmx = Htmx(search(client).text)
    problem = htmx.target_problem()
    assert problem is None, problem
    r = htmx.ask(client, "python")
    assert r.status_int == 200 and MATCH in visible_text(r.text) and DRAFT not in r.text, (
        f"When someone types 'python', htmx asks {htmx.path} with {htmx.name}=python, and your app answered "
        f"{r.status} without '{MATCH}'. Point hx-get at /blog/search and name the box q.")


@pytest.mark.independent
def test_search_shows_text_as_text(db, client):
    """Search words and found titles with HTML in them are shown as text"""
    Article = db.models.get("Article")
    if Article is None:
        pytest.skip("Not checked yet: there is no Article model.")
    for number, payload in enumerate(HOSTILE):
        try:
            r = client.get(f"/blog/search?{urlencode({'q': payload})}", expect_errors=True)
        except Exception:  # the SQL check says why the search crashes
            pytest.skip("Not checked yet: first make the search work for any words.")
        if r.status_int != 200:
            pytest.skip("Not checked yet: first make the search page work.")
        assert_escaped(r.text, payload, "the search page, in the words searched for")
        Article.create(title=f"Python {payload}", slug=f"hostile-{number}", content="Harmless.", published=True)
        r = search(client, "python")
        if not injected(r.text, payload) and "xss7q" not in visible_text(r.text):
            pytest.skip("Not checked yet: first make the search list the matching titles.")
        assert_escaped(r.text, payload, "the search page, in a title it found")


@pytest.mark.independent
def test_search_words_cannot_change_the_query(articles, client):
    """Search words cannot change the SQL query"""
    for attack in SQL_ATTACKS:
        try:
            r = client.get(f"/blog/search?{urlencode({'q': attack})}", expect_errors=True)
        except Exception as error:
            pytest.fail(f"Searching for {attack!r} crashed with {type(error).__name__}: {error}. Words pasted into "
                        "SQL text change the query: let Peewee build it (Article.title.contains(q)), or pass the "
                        "words as a parameter.", pytrace=False)
        if r.status_int == 404:
            pytest.skip("Not checked yet: first add the search page.")
        assert r.status_int == 200 and DRAFT not in r.text, (
            f"Searching for {attack!r} answered {r.status}{' and showed a draft' if DRAFT in r.text else ''}. "
            "Words pasted into SQL text change the query: let Peewee build it (Article.title.contains(q)), or pass "
            "the words as a parameter.")
