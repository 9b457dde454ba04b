"""Checks for "A template for the home page": the home page lists the published posts, newest first,
leaves drafts out, and prints titles as text (Django's templates escape them unless told not to).
Any query, view or template that shows that passes."""

import pytest

from blogcheck import assert_shown_as_text, make_post, site, visit, visible_text  # noqa: F401
from sandbox.checker.probes import HOSTILE


def test_published_posts_are_listed_newest_first(site, db):
    """The home page lists published posts, newest first, without drafts"""
    make_post(db, "An older post", "an-older-post", day=1)
    make_post(db, "A draft in progress", "a-draft-in-progress", published=False, day=2)
    make_post(db, "The newest post", "the-newest-post", day=3)
    text = visible_text(visit(site, "/").text)
    for title in ("An older post", "The newest post"):
        assert title in text, (
            f"The home page does not show the published post '{title}'. In the view, fetch the posts and pass them "
            "to the template: render(request, \"blog/home.html\", {\"posts\": posts}); in the template, loop over them.")
    assert "A draft in progress" not in text, (
        "The home page shows a draft. Visitors should only see published posts: Post.objects.filter(published=True).")
    assert text.index("The newest post") < text.index("An older post"), (
        "The home page lists the oldest post first. Put the newest on top: .order_by(\"-created_at\") (the minus "
        "means newest first).")


@pytest.mark.independent
def test_titles_are_shown_as_text(site, db):
    """A title that looks like HTML is shown as text, not run as code"""
    for number, payload in enumerate(HOSTILE):
        make_post(db, payload, f"hostile-{number}")
    html = visit(site, "/").text
    for payload in HOSTILE:
        assert_shown_as_text(html, payload, "the home page, in a post's title")
