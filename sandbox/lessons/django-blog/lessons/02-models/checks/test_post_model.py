"""Checks for "The Post model": a title of up to 200 characters, a unique slug of up to 200 slug
characters, a body, a published flag that starts off, and a creation time filled in on saving.

No migration is needed yet: the check makes the model's table itself in its own database (if a
migration already made it, that one is used). Any correct field set-up passes: the checks save,
read and validate posts instead of reading the code.
"""

import pytest

from blogcheck import fail, refused, site  # noqa: F401

FIELDS = ("title", "slug", "body", "published", "created_at")


@pytest.fixture
def Post(site, db):
    model = db.Post
    missing = [name for name in FIELDS if name not in {field.name for field in model._meta.get_fields()}]
    if missing:
        fail(f"Your Post model has no {missing[0]} field yet: add {missing[0]} = models.... to the class.")
    if model._meta.db_table not in db.database.introspection.table_names():
        with db.database.schema_editor() as editor:
            editor.create_model(model)
    return model


def valid(Post, **changes):
    """Is a post with these values accepted by the model's own validation (full_clean)?"""
    values = {"title": "A title", "slug": "a-slug", "body": "Some words."} | changes
    try:
        Post(**values).full_clean()
    except Exception as error:  # Django's ValidationError, naming each field it refused
        if not hasattr(error, "message_dict"):
            raise
        return set(error.message_dict)
    return set()


def test_a_post_is_saved_and_read_back(Post):
    """A post keeps its title, slug and body, starts as a draft and gets its creation time"""
    try:
        Post.objects.create(title="Hello, Django", slug="hello-django", body="My first post.")
    except Exception as error:
        if refused(error) and "created_at" in str(error):
            fail("Saving a post left created_at empty. Let Django fill it in when the post is first saved: "
                 "models.DateTimeField(auto_now_add=True).")
        raise
    post = Post.objects.get(slug="hello-django")
    assert (post.title, post.body) == ("Hello, Django", "My first post."), (
        "A post saved with Post.objects.create(...) did not come back with the same title and body.")
    assert post.published is False, (
        "A new post was published straight away. A post should start as a draft: "
        "models.BooleanField(default=False).")
    assert post.created_at is not None, (
        "A new post has no creation time. Use models.DateTimeField(auto_now_add=True).")


def test_title_holds_up_to_200_characters(Post):
    """A title holds up to 200 characters, and no more"""
    assert "title" not in valid(Post, title="x" * 200), (
        "A title of 200 characters was refused: the blog allows titles up to 200. Write models.CharField(max_length=200).")
    assert "title" in valid(Post, title="x" * 201), (
        "A title of 201 characters was accepted: titles should stop at 200. Write models.CharField(max_length=200).")


def test_slug_is_made_of_slug_characters(Post):
    """A slug holds letters, digits and dashes, up to 200 of them"""
    assert "slug" in valid(Post, slug="two words!"), (
        "A slug with spaces and punctuation was accepted. Make slug a models.SlugField: it only takes letters, "
        "digits, dashes and underscores, the characters that read well in an address.")
    assert "slug" not in valid(Post, slug="a" * 200), (
        "A slug of 200 characters was refused. A SlugField keeps 50 characters unless you say more: "
        "models.SlugField(max_length=200, unique=True), as long as the longest title.")


def test_two_posts_cannot_share_a_slug(Post):
    """Two posts cannot share a slug"""
    Post.objects.create(title="First", slug="same-slug", body="One.")
    try:
        Post.objects.create(title="Second", slug="same-slug", body="Two.")
    except Exception as error:
        if refused(error):
            return
        raise
    fail("Two posts could share the slug 'same-slug'. Add unique=True to the slug field, so each address "
         "leads to exactly one post.")
