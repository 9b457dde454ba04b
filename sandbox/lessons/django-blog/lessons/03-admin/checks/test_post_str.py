"""Checks for "Posts by their titles": the admin's list of posts names each post by its title,
through the model's __str__ (any text that contains the title passes)."""

import re

from blogcheck import admin_client, admin_list, admin_page, make_post, site  # noqa: F401
from sandbox.checker.probes import visible_text


def test_the_admin_names_posts_by_title(site, db):
    """The admin names each post by its title"""
    client = admin_client(site, db)
    post = make_post(db, "Hello, Django", "hello-django")
    page = admin_list(client, db)
    names = re.findall(rf'<a href="{re.escape(admin_page(db, pk=post.pk))}"[^>]*>(.*?)</a>', page.text, re.S)
    shown = visible_text(names[0]) if names else visible_text(page.text)
    assert "Hello, Django" in shown, (
        f"The admin lists the post titled 'Hello, Django' as {shown!r}. Give Post a method def __str__(self): "
        "that returns self.title (two underscores on each side of str).")
