"""What htmx does with a page of the learner's app: which element asks for what, and where the answer goes."""

from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from dashboard import Tree, address, crashed, page, visit

HX_VERBS = ("hx-get", "data-hx-get", "hx-post", "data-hx-post")
FIELDS = ("input", "select", "textarea")
LAYOUT = ("html", "head", "body", "title")
SCRIPT = '<script src="{{ url_for(\'static\', filename=\'htmx.min.js\') }}" defer></script>'


class Htmx:
    """The first element of ``html`` (the page at ``path``) that makes an htmx request."""

    def __init__(self, html, path, advice):
        self.page = path
        self.elements = Tree(html).elements()
        self.ids = {node.attrs.get("id") for node in self.elements if node.attrs.get("id")}
        found = [node for node in self.elements if any(verb in node.attrs for verb in HX_VERBS)]
        if not found:
            pytest.fail(f"The page at {path} has no element with hx-get yet, so htmx never asks for anything. {advice}",
                        pytrace=False)
        self.node = found[0]
        verb = next(verb for verb in HX_VERBS if verb in self.node.attrs)
        self.method = "POST" if verb.endswith("post") else "GET"
        self.url, _ = address(path, self.node.attrs[verb] or path)

    def inherited(self, name):
        for node in (self.node, *self.node.ancestors()):
            for key in (name, "data-" + name):
                if key in node.attrs:
                    return node.attrs[key]
        return None

    def target_problem(self, what):
        """Why htmx would put the answer in the wrong place (``what`` names the answer), or None."""
        target = (self.inherited("hx-target") or "").strip()
        if not target or target == "this":
            if self.node.tag in (*FIELDS, "form", "button"):
                return (f"htmx would put {what} inside the <{self.node.tag}> itself. Say where it goes with "
                        "hx-target=\"#...\", naming the id of the element to fill.")
            return None
        if target.startswith("#") and target[1:] not in self.ids:
            return (f'hx-target="{target}" names no element of the page at {self.page}. Give the element for {what} '
                    f'id="{target[1:]}".')
        if target.startswith(".") and not any(target[1:] in node.attrs.get("class", "").split() for node in self.elements):
            return f'hx-target="{target}" names no element of the page at {self.page}: no element has class="{target[1:]}".'
        words = target.split()
        if len(words) == 1 and target.isidentifier() and target not in ("body", "next", "previous") and \
                not any(node.tag == target.lower() for node in self.elements):
            return (f'hx-target="{target}" looks for <{target}> elements, and the page at {self.page} has none. For the '
                    f'element with id="{target}", write hx-target="#{target}".')
        return None

    def words_name(self):
        """The name under which htmx sends what is typed (from the element, or the form it is)."""
        if self.node.tag in FIELDS and self.node.attrs.get("name"):
            return self.node.attrs["name"]
        boxes = [n for n in self.node.descendants() if n.tag == "input" and n.attrs.get("name")
                 and (n.attrs.get("type") or "text").lower() in ("text", "search")] if self.node.tag == "form" else []
        include = self.inherited("hx-include") or ""
        if not boxes and include.startswith("#"):
            boxes = [n for n in self.elements if n.attrs.get("id") == include[1:] and n.attrs.get("name")]
        assert boxes, (
            f"The element with hx-get is a <{self.node.tag}> that sends no words: htmx sends the value of the "
            'element itself. Put hx-get on the search box: <input type="search" name="q" hx-get=... >.')
        return boxes[0].attrs["name"]

    def ask(self, client, fields=None):
        """Send what htmx sends (with the HX-Request header), with ``fields`` when it sends a box's value."""
        headers = {"HX-Request": "true"}
        try:
            if self.method == "POST":
                return client.post(self.url, fields or {}, headers=headers, expect_errors=True)
            path = self.url
            if fields:
                path += ("&" if "?" in path else "?") + urlencode(fields)
            return client.get(path, headers=headers, expect_errors=True)
        except Exception as error:
            crashed(f"The htmx request to {self.url}", error, "")


def layout_in(html):
    """The tags of a whole page that ``html`` holds (none for a fragment)."""
    tags = {node.tag for node in Tree(html).elements()}
    return [tag for tag in LAYOUT if tag in tags]


def assert_loads_htmx(client, workspace, path):
    """The page at ``path`` loads htmx: from a CDN, from the app, or from the copy the sandbox lends."""
    sources = [node.attrs.get("src", "") for node in Tree(page(client, path).text).elements("script")]
    found = [src for src in sources if "htmx" in src.lower()]
    assert found, (
        f"The page at {path} does not load htmx, so hx-get does nothing in the browser. Add {SCRIPT} to the "
        "<head> of templates/base.html.")
    target, here = address(path, found[0])
    if not here:
        return  # a CDN's copy
    if urlsplit(urljoin("http://localhost", target)).path == "/static/htmx.min.js" and \
            not (workspace / "static" / "htmx.min.js").exists():
        return  # the sandbox's preview lends its own copy there
    script = visit(client, target)
    assert script.status_int == 200 and b"htmx" in script.body, (
        f"The page loads htmx from {target}, but your app answers that with {script.status} and no htmx. Use "
        "/static/htmx.min.js (the sandbox lends its copy there) or put the file in static/.")
