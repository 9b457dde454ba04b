"""Checks for "Your first posts": the learner's own database file holds at least one post they saved
from the Django shell. The file is opened read-only with sqlite3, never written."""

from blogcheck import database_file, fail, read_only, site, table_names  # noqa: F401

SHELL = ("In the Terminal tab, run python manage.py shell, then type: from blog.models import Post and "
         'Post.objects.create(title="Hello, Django", slug="hello-django", body="My first post.")')


def test_your_database_holds_a_post(site, db, workspace):
    """Your database holds at least one post"""
    path = database_file(workspace)
    assert path.is_file(), f"There is no {path.name} in your lesson folder: run python manage.py migrate first. {SHELL}"
    table = db.Post._meta.db_table
    connection = read_only(path)
    try:
        if table not in table_names(connection):
            fail(f"{path.name} has no {table} table, so Post.objects.create(...) had nowhere to save (\"no such "
                 f"table: {table}\"). Leave the shell with exit(), run python manage.py migrate, then save the post again.")
        count = connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    finally:
        connection.close()
    assert count >= 1, (
        f"The {table} table in {path.name} holds no posts yet. {SHELL}. A Post(...) made without .save() is not "
        "stored: Post.objects.create(...) makes and saves it at once.")
