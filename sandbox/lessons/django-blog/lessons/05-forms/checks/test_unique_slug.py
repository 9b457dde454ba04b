"""Checks for "Two posts, one title": posts whose titles make the same slug each get their own
(hello-world, then another one, then a third), and each has its own page. Any scheme of unique slugs
passes (-2, -3, a number, a date...), made in the view, the form or the model's save()."""

from blogcheck import send_post, site, visit, visible_text  # noqa: F401

TITLES = ("Hello world", "Hello, world!", "hello WORLD")
UNIQUE = ("Two posts cannot share a slug, so saving the second one fails. Before saving, find a slug no post has "
          "yet: try hello-world, then hello-world-2, hello-world-3... while Post.objects.filter(slug=slug).exists().")


def send(site, db, count):
    for number, title in enumerate(TITLES[:count], start=1):
        send_post(site, title, f"Post number {number}.", hint=UNIQUE)
        assert db.Post.objects.filter(title=title).exists(), f"The post titled {title!r} was not saved."
    posts = list(db.Post.objects.order_by("pk"))
    slugs = [post.slug for post in posts]
    assert len(set(slugs)) == len(slugs), f"Posts share a slug: {slugs}. {UNIQUE}"
    for post in posts:
        page = visit(site, f"/post/{post.slug}/")
        assert page.status_int == 200 and post.body in visible_text(page.text), (
            f"The post {post.title!r} got the slug {post.slug!r}, but /post/{post.slug}/ answered {page.status} "
            "instead of showing it. Keep slugs to letters, digits and dashes.")


def test_a_second_post_gets_its_own_slug(site, db):
    """A second post whose title makes the same slug gets a slug of its own"""
    send(site, db, 2)


def test_a_third_post_gets_its_own_slug(site, db):
    """So does a third"""
    send(site, db, 3)
