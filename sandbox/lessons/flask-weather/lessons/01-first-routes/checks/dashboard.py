"""What this lesson's checks share: a weather service that reports the check's own cities,
visiting pages with plain words for crashes, and reading the HTML a visitor gets.

The same file sits in every lesson's checks/ folder of the pack, so keep the copies equal.
"""

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from sandbox.checker.probes import HOSTILE, injected, visible_text


def city(slug, name, country, *readings):
    keys = ("temp_c", "condition", "icon", "humidity", "wind_kmh")
    return {"slug": slug, "name": name, "country": country, "readings": [dict(zip(keys, r)) for r in readings]}


KELSO = city("kelso", "Kelso", "Scotland", (13, "Drizzle", "rain", 91, 23))
TIMBUKTU = city("timbuktu", "Timbuktu", "Mali", (41, "Sunny", "sun", 12, 8))
ZURICH = city("zurich", "Zürich", "Switzerland", (6, "Fog", "cloud", 97, 4))
BERGEN = city("bergen", "Bergen", "Norway", (7, "Showers", "rain", 86, 30), (11, "Sunny spells", "cloud-sun", 64, 18))
CITIES = [KELSO, TIMBUKTU, ZURICH, BERGEN]
UNKNOWN = "atlantis"  # a slug the service does not know


class Station:
    """The learner's weather module, made to read the check's cities instead of weather.json."""

    def __init__(self, module, path):
        self.module, self.path = module, path

    def use(self, cities):
        self.path.write_text(json.dumps({"cities": cities}), encoding="utf-8")
        self.module._asked.clear()


@pytest.fixture
def station(learner, tmp_path, monkeypatch):
    """The weather service the learner's app imports, on the check's data (loaded before the app, so
    an app that reads the cities once at start-up gets them too)."""
    module = learner.load("weather.py")
    if not hasattr(module, "DATA_FILE") or not hasattr(module, "_asked"):
        pytest.fail("weather.py is not the weather service the lesson gave you any more. Put the original "
                    "weather.py back: your app gets its weather from it.", pytrace=False)
    found = Station(module, tmp_path / "weather.json")
    monkeypatch.setattr(module, "DATA_FILE", found.path)
    found.use(CITIES)
    return found


@pytest.fixture
def site(station, app, client):
    """A test client on the learner's app, which gets the check's cities from the weather service.
    Errors in the learner's views reach the check, so it can say which line broke."""
    config = getattr(app, "config", None)
    if isinstance(config, dict):
        config["PROPAGATE_EXCEPTIONS"] = True
    return client


def describe(error):
    """A crash of the learner's app in a sentence, and whether that sentence already says what to do
    (for what Flask and Jinja complain about most)."""
    kind, text = type(error).__name__, str(error)
    if kind == "TemplateNotFound":
        return (f"Flask could not find the template {text}. Keep your templates in the templates/ folder "
                f"beside app.py, and name them with their ending, like render_template(\"{text}\", ...)."), True
    if kind == "TemplateSyntaxError":
        where = f"templates/{error.name} line {error.lineno}: " if getattr(error, "name", None) else ""
        return f"{where}Jinja could not read this template line: {error.message}.", True
    if kind == "UndefinedError":
        return (f"A template used a value nobody passed it ({text}). Hand every value the template uses to "
                "render_template, like render_template(\"city.html\", now=now)."), True
    if kind == "BuildError":
        return (f"url_for could not build an address ({text}). Give url_for the name of the view function, "
                "like url_for(\"city\", slug=...), not the path."), True
    return sentence(f"{kind}: {text}"), False


def sentence(text):
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def crashed(what, error, advice):
    said, specific = describe(error)
    pytest.fail(f"{what} crashed. {said}" if specific or not advice else f"{what} crashed. {said} {advice}",
                pytrace=False)


def visit(client, path, advice="", **kwargs):
    """GET ``path`` (any status); a crash in the learner's app fails with a sentence and ``advice``."""
    try:
        response = client.get(path, expect_errors=True, **kwargs)
        for _ in range(3):  # a browser follows a permanent redirect, like Flask's to a route's trailing slash
            if response.status_int not in (301, 308) or not response.location:
                break
            response = response.follow(expect_errors=True, **kwargs)
        return response
    except Exception as error:
        crashed(f"Visiting {path}", error, advice)


def send(client, method, path, fields, advice=""):
    """POST (or another ``method``) ``fields`` to ``path``, like a browser sending a form."""
    try:
        return client.post(path, fields, expect_errors=True) if method == "POST" else \
            client.get(path, fields, expect_errors=True)
    except Exception as error:
        crashed(f"Sending the form to {path}", error, advice)


def page(client, path, advice=""):
    """The page at ``path``, which must answer 200."""
    response = visit(client, path, advice)
    if response.status_int == 404:
        pytest.fail(f"Visiting {path} gave a 404 (page not found). {advice}".strip(), pytrace=False)
    assert response.status_int == 200, f"Visiting {path} answered {response.status}. {advice}".strip()
    return response


def shows_number(text, number):
    """Whether ``number`` appears in ``text`` as a number of its own (13, 13.0 or 13,0; not 130)."""
    return re.search(rf"(?<![\d.,]){number}(?:[.,]0+)?(?!\d)", text) is not None


def text_of(response):
    return visible_text(response.text)


def address(page_path, href):
    """Where a link or src on the page at ``page_path`` leads: (path with query, is on this site)."""
    parts = urlsplit(urljoin("http://localhost" + page_path, href))
    return parts.path + (f"?{parts.query}" if parts.query else ""), parts.netloc == "localhost"


class Templates:
    """Which template files the learner's Flask app loads while it answers: the page's own, and the
    ones it extends or includes. ``runs`` lists (name, loaded by) in order."""

    def __init__(self, app, monkeypatch):
        self.runs = []
        env = getattr(app, "jinja_env", None)
        self.watching = env is not None
        if env is None:
            return
        original, choose = env.get_template, env.select_template

        def get_template(name, parent=None, globals=None):
            self.runs.append((str(name), parent))
            return original(name, parent, globals)

        def select_template(names, parent=None, globals=None):
            template = choose(names, parent, globals)
            self.runs.append((template.name, parent))
            return template

        monkeypatch.setattr(env, "get_template", get_template)
        monkeypatch.setattr(env, "select_template", select_template)

    def during(self, client, path, advice=""):
        """(response, the page's own template or None, the other templates it used) for GET ``path``."""
        self.runs.clear()
        response = page(client, path, advice)
        own = next((name for name, parent in self.runs if parent is None), None)
        return response, own, {name for name, _ in self.runs} - {own}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, attrs, parent, [], []

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def descendants(self):
        for child in self.children:
            yield child
            yield from child.descendants()

    def words(self):
        """The text inside this element, whitespace collapsed."""
        return " ".join(" ".join([*self.text, *(" ".join(d.text) for d in self.descendants())]).split())


class Tree(HTMLParser):
    """A page's elements with their attributes, parents and children."""

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

    def handle_data(self, data):
        if self.open.tag not in ("script", "style"):
            self.open.text.append(data)

    def elements(self, tag=None):
        return [node for node in self.root.descendants() if tag is None or node.tag == tag]


def assert_shown_as_text(html, payload, where):
    """Fail with a sentence when ``payload`` (one of ``HOSTILE``) became real HTML on the page."""
    made = injected(html, payload)
    assert not made, (
        f"On {where}, the text {payload!r} became real HTML ({', '.join(dict.fromkeys(made))}), so a visitor's "
        "browser would run it. Print data with {{ ... }} in a template, which escapes it; |safe, Markup() and HTML "
        "pasted together in Python switch that off."
    )


def hostile_cities():
    """Cities whose name, country and conditions are texts that turn into markup when printed unescaped."""
    return [city(f"xss{n}", text, text, (15 + n, text, "sun", 50, 10)) for n, text in enumerate(HOSTILE)]


def title_of(html):
    """The page's <title> as a browser tab shows it ('' when it has none)."""
    titles = Tree(html).elements("title")
    return titles[0].words() if titles else ""
