"""Checks for "From the list to each post": on the home page, each post's title is a link, and the
link leads to that post's page. {% url %}, get_absolute_url or a path written out all pass."""

from blogcheck import links, make_post, path_of, site, visit, visible_text  # noqa: F401

POSTS = (("Hello, Django", "hello-django", "My first post."), ("Second thoughts", "second-thoughts", "Another post."))


def test_titles_link_to_their_posts(site, db):
    """Each title on the home page links to its post's page"""
    for day, (title, slug, body) in enumerate(POSTS, start=1):
        make_post(db, title, slug, body=body, day=day)
    home = visit(site, "/").text
    for title, slug, body in POSTS:
        targets = [path_of(href) for href, text in links(home) if title in text and href]
        assert targets, (
            f"On the home page, the title '{title}' is not a link yet. Wrap it in a link to its page: "
            "<a href=\"{% url 'post_detail' post.slug %}\">{{ post.title }}</a>.")
        page = visit(site, targets[0])
        assert page.status_int == 200, (
            f"The title '{title}' links to {targets[0]}, which answered {page.status}. A post's page is at "
            f"/post/{slug}/: build the link from the slug, with {{% url 'post_detail' post.slug %}}.")
        assert body in visible_text(page.text), f"The title '{title}' links to {targets[0]}, which is not that post's page."
