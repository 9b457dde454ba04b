"""Every page loads a stylesheet that the app serves from static/ as CSS."""

from dashboard import KELSO, Tree, address, page, site, station, visit  # noqa: F401 (fixtures)

PAGES = ("/", f"/city/{KELSO['slug']}")
LINK = "<link rel=\"stylesheet\" href=\"{{ url_for('static', filename='style.css') }}\">"


def stylesheets(html):
    return [link.attrs.get("href", "") for link in Tree(html).elements("link")
            if "stylesheet" in link.attrs.get("rel", "").lower().split()]


def test_every_page_links_a_stylesheet(site):
    """Every page links a stylesheet"""
    for path in PAGES:
        found = stylesheets(page(site, path).text)
        assert found, (
            f"The page at {path} links no stylesheet. Put {LINK} in the <head> of templates/base.html: "
            "rel=\"stylesheet\" is what tells the browser the file is CSS for this page."
        )


def test_stylesheet_is_served_as_css(site):
    """The stylesheet's address gives CSS on every page"""
    for path in PAGES:
        href = stylesheets(page(site, path).text)[0]
        target, here = address(path, href)
        if not here:
            continue  # a stylesheet from another website
        response = visit(site, target)
        if response.status_int != 200:
            cause = ("Start the address at the site's root, with a slash: url_for('static', filename='style.css') "
                     "writes /static/style.css for you." if not href.startswith(("/", "{")) else
                     "Flask serves the files of the static/ folder beside app.py at /static/...: save the "
                     "stylesheet as static/style.css.")
            raise AssertionError(f"On {path}, the stylesheet {href!r} leads to {target}, which answers "
                                 f"{response.status}. {cause}")
        assert response.content_type == "text/css", (
            f"{target} answers with {response.content_type}, not CSS. Save the stylesheet in static/ with a name "
            "ending in .css, and link that file.")
        assert response.body.strip(), f"{target} is empty: write some CSS rules in it, like body {{ font-family: sans-serif; }}."
