"""Every page shows the logo, an image the app serves from static/, at an address that works at any depth."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

PAGES = ("/", "/blog/", "/blog/new", "/blog/hello-logo/")


class Images(HTMLParser):
    """The attributes of every <img> on a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))

    handle_startendtag = handle_starttag


def visit(client, path):
    try:
        return client.get(path, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Visiting {path} crashed with {type(error).__name__}: {error}", pytrace=False)


def images(client, page):
    parser = Images()
    parser.feed(visit(client, page).text)
    return parser.images


def served_image(client, page, src):
    """The path ``src`` leads to from ``page``, and whether the app answers it with an image."""
    address = urlsplit(urljoin("http://localhost" + page, src))
    if address.netloc != "localhost":
        return address.geturl(), False
    response = visit(client, address.path + (f"?{address.query}" if address.query else ""))
    return address.path, response.status_int == 200 and response.content_type.startswith("image/")


@pytest.fixture
def site(db, client):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet: keep the Article class in models.py."
    Article.create(title="Hello, logo", slug="hello-logo", content="A page one folder deeper.", published=True)
    return client


def test_logo_is_served(workspace, site):
    """The home page shows an image served from static/"""
    found = images(site, "/")
    assert found, 'The home page has no <img> yet. Add <img src="/static/logo.svg" alt=""> to the header in views/layout.tpl.'
    results = [(image.get("src", ""), *served_image(site, "/", image.get("src", ""))) for image in found]
    working = [path for _, path, ok in results if ok and path.startswith("/static/")]
    src, path, _ = results[0]
    assert working, (
        f"The image {src!r} on the home page leads to {path}, which your app does not answer with an image. Save the "
        "logo as static/logo.svg and show it with <img src=\"/static/logo.svg\" alt=\"\">."
    )


def test_logo_on_every_page(site):
    """The logo shows on every page"""
    home = {served_image(site, "/", image.get("src", ""))[0] for image in images(site, "/")}
    for page in PAGES[1:]:
        found = images(site, page)
        assert found, f"The page {page} has no <img>. Put the logo in views/layout.tpl, which every page uses."
        results = [(image.get("src", ""), *served_image(site, page, image.get("src", ""))) for image in found]
        assert any(ok and path in home for _, path, ok in results), (
            f"On {page} the image address {results[0][0]!r} leads to {results[0][1]}, which shows no logo. "
            + ("Start the address with a slash, like src=\"/static/logo.svg\", so it works from every page."
               if not results[0][0].startswith("/") else "Use the same address as on the home page.")
        )


def test_logo_has_a_text_alternative(site):
    """The logo has a text alternative"""
    for image in images(site, "/"):
        assert "alt" in image, (
            "The logo's <img> has no alt attribute, so screen readers read out its file name. Describe it, or write "
            'alt="" when the image is only decoration.'
        )
