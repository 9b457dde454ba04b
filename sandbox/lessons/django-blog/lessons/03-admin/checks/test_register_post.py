"""Checks for "Posts in the admin": a superuser (the check's own) sees posts on the admin's front
page, opens their list, and writes a new post with the admin's form. Any way of registering the
model passes (admin.site.register, @admin.register, with or without a ModelAdmin)."""

from blogcheck import ADMIN, admin_client, admin_list, admin_page, form_with, make_post, site, submit, visit  # noqa: F401


def test_the_admin_lists_your_posts(site, db):
    """The admin site lists your posts"""
    client = admin_client(site, db)
    front = visit(client, ADMIN)
    make_post(db, "Hello, Django", "hello-django")
    page = admin_list(client, db)
    assert page.status_int == 200, f"The admin's list of posts ({admin_page(db)}) answered {page.status}."
    assert admin_page(db) in front.text, "The admin's front page does not link to your posts yet: register the Post model."


def test_a_post_can_be_written_in_the_admin(site, db):
    """A post can be written with the admin's form"""
    client = admin_client(site, db)
    admin_list(client, db)
    add = admin_page(db, "add/")
    form = form_with(visit(client, add), "title", add)
    fields = {"title": "Written in the admin", "slug": "written-in-the-admin", "body": "Saved with the add form."}
    answer = submit(form, add, **{name: value for name, value in fields.items() if name in form.fields})
    assert answer.status_int == 302, (
        f"Saving a post with the admin's add form answered {answer.status} instead of saving it: the form "
        "probably asks for a field the post cannot fill in. Let Django fill created_at (auto_now_add=True).")
    assert db.Post.objects.filter(title="Written in the admin").exists(), "The admin's add form did not save the post."
