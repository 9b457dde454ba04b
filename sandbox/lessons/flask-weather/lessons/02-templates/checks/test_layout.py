"""The home page and the city pages share one layout, keep their own content, and have their own titles."""

from dashboard import KELSO, Templates, page, shows_number, site, station, text_of, title_of  # noqa: F401

PAGES = [("/", "templates/home.html"), (f"/city/{KELSO['slug']}", "templates/city.html")]
EXTEND = ("Make the layout templates/base.html, and start each page's template with {% extends \"base.html\" %}, "
          "its own HTML inside {% block content %} ... {% endblock %}.")


def test_pages_share_one_layout(site, app, monkeypatch):
    """Every page is wrapped in the same layout"""
    templates = Templates(app, monkeypatch)
    if not templates.watching:
        return
    shared = None
    for path, file in PAGES:
        _, own, others = templates.during(site, path, EXTEND)
        assert own is not None, f"The page at {path} is not made from a template file any more. Keep {file}."
        assert others, f"The page at {path} is not wrapped in the layout yet. {EXTEND}"
        shared = others if shared is None else shared & others
    assert shared, (
        "The home page and the city page use different layouts. Give both the same one: "
        "{% extends \"base.html\" %} at the top of each.")


def test_pages_keep_their_own_content(site):
    """Each page still shows its own content inside the layout"""
    reading = KELSO["readings"][0]
    city = text_of(page(site, PAGES[1][0], EXTEND))
    home = text_of(page(site, "/", EXTEND))
    lost = [path for path, shown in ((PAGES[1][0], shows_number(city, reading["temp_c"]) and reading["condition"] in city),
                                     ("/", KELSO["name"] in home)) if not shown]
    assert not lost, (
        f"The page at {lost[0]} is wrapped in the layout, but its own content is missing. A page that extends a "
        "layout only shows what it puts inside blocks the layout has: use the same name in both, "
        "{% block content %} in base.html and in each page."
    )


def test_each_page_has_its_own_title(site):
    """Each page has its own title in the browser tab"""
    titles = {path: title_of(page(site, path, EXTEND).text) for path, _ in PAGES}
    for path, title in titles.items():
        assert title, (
            f"The page at {path} has no title for the browser tab. In base.html write "
            "<title>{% block title %}{% endblock %} · Weather</title>, and fill that block in each page.")
    assert len(set(titles.values())) == len(titles), (
        f"Both pages have the title {titles['/']!r}. Put {{% block title %}}{{% endblock %}} inside <title> in "
        "base.html, and give each page its own: {% block title %}{{ now.city }}{% endblock %} in city.html."
    )
