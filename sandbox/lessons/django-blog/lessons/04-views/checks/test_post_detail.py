"""Checks for "A page for each post": /post/<slug>/ shows a published post's title and text, and
answers 404 Not Found for a slug no post has and for a draft. A function view, a DetailView or a
query with its own 404 all pass."""

from blogcheck import make_post, site, visit, visible_text  # noqa: F401

NOT_FOUND = ("A post that is not there should answer 404 Not Found, not crash: "
             "get_object_or_404(Post, slug=slug, published=True) does that.")


def test_a_post_has_its_own_page(site, db):
    """A published post has its own page with its title and text"""
    make_post(db, "Hello, Django", "hello-django", body="My first post, on a page of its own.")
    page = visit(site, "/post/hello-django/", hint=NOT_FOUND)
    assert page.status_int == 200, (
        f"Visiting /post/hello-django/ answered {page.status}. In blog/urls.py, add "
        "path(\"post/<slug:slug>/\", views.post_detail, name=\"post_detail\"), and write the post_detail view.")
    text = visible_text(page.text)
    assert "Hello, Django" in text, "The post's page does not show the post's title."
    assert "My first post, on a page of its own." in text, "The post's page does not show the post's text (its body)."


def test_a_missing_post_is_not_found(site, db):
    """An address no post has answers 404 Not Found"""
    page = visit(site, "/post/no-such-post/", hint=NOT_FOUND)
    assert page.status_int == 404, f"Visiting /post/no-such-post/ answered {page.status} instead of 404 Not Found."


def test_a_draft_has_no_page_yet(site, db):
    """A draft has no page yet"""
    make_post(db, "Not finished", "not-finished", published=False)
    page = visit(site, "/post/not-finished/", hint=NOT_FOUND)
    assert page.status_int == 404, (
        f"The page of a draft answered {page.status}: visitors can read it before it is published. Look only among "
        "published posts: get_object_or_404(Post, slug=slug, published=True).")
