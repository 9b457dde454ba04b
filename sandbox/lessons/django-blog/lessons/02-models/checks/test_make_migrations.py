"""Checks for "Make a migration": the blog app has migration files, and applying them to a fresh,
empty database (as migrate does on a new computer) makes a table that keeps every field of the Post
model as it is now.

The check's database is made from scratch by running the project's migrations, so a post saved and
read back there proves the migrations work, whatever they are called and however many there are.
When the model changed after the last migration, the message names the change.
"""

from pathlib import Path

from blogcheck import fail, site  # noqa: F401

RUN = "In the Terminal tab, run python manage.py makemigrations"


def test_your_app_has_migrations(site, db):
    """Your blog app has migrations"""
    label = db.Post._meta.app_label
    folder = Path(db.Post._meta.app_config.path) / "migrations"
    files = [path for path in folder.glob("*.py") if path.name != "__init__.py"] if folder.is_dir() else []
    if not files:
        fail(f"Your {label} app has no migrations yet, so a database made from them has no table for posts. {RUN}.")
    if not (folder / "__init__.py").is_file():
        fail(f"{label}/migrations/ holds migration files but no __init__.py, so Django does not see them. "
             f"Make an empty file {label}/migrations/__init__.py in the Files panel.")


def test_migrations_make_a_table_that_keeps_posts(site, db):
    """Applied to an empty database, the migrations make a table that keeps every field of a post"""
    Post = db.Post
    assert Post._meta.db_table in db.database.introspection.table_names(), (
        f"Applying your migrations to an empty database made no {Post._meta.db_table} table. {RUN}.")
    try:
        Post.objects.create(title="Hello, Django", slug="hello-django", body="Kept in a real table.", published=True)
    except Exception as error:
        if "no such" not in str(error) and "no column" not in str(error):
            raise
        fail(f"Your model changed since your last migration: the table your migrations make does not fit it "
             f"({error}). {RUN} again, so that a new migration adds what is missing.")
    post = Post.objects.get(slug="hello-django")
    assert (post.title, post.body, post.published) == ("Hello, Django", "Kept in a real table.", True), (
        "A post saved in the table made by your migrations did not come back the same.")
    assert post.created_at is not None, "A post saved in the table made by your migrations has no created_at."
