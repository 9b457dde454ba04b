"""Checks for "One layout for every page": the home page and a post's page are whole HTML pages
with a title and a link back to the home page, and a post's page is titled with the post's title.
Template inheritance is the natural way; any templates that give that result pass."""

from blogcheck import links, make_post, path_of, site, title_of, visit  # noqa: F401


def pages(site, db):
    make_post(db, "Hello, Django", "hello-django")
    return {"home page": visit(site, "/"), "post's page": visit(site, "/post/hello-django/")}


def test_every_page_has_the_layout(site, db):
    """Every page has a title and a link back to the home page"""
    for name, page in pages(site, db).items():
        assert page.status_int == 200, f"The {name} answered {page.status}."
        assert title_of(page.text), (
            f"The {name} has no <title>. Put the whole page around it in blog/templates/blog/base.html, with "
            "{% block title %}, and start each page's template with {% extends \"blog/base.html\" %}.")
        assert any(path_of(href) == "/" for href, text in links(page.text)), (
            f"The {name} has no link back to the home page. Put one in the layout, base.html: "
            "<a href=\"{% url 'home' %}\">My blog</a>, so that every page has it.")


def test_a_post_page_is_titled_by_its_post(site, db):
    """A post's page has the post's title in its <title>"""
    title = title_of(pages(site, db)["post's page"].text)
    assert "Hello, Django" in title, (
        f"The post's page is titled '{title}', which does not name the post. In post_detail.html fill the layout's "
        "title block: {% block title %}{{ post.title }} | My blog{% endblock %}.")
