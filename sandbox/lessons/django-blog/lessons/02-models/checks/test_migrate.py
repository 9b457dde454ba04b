"""Checks for "Apply the migrations": the learner's own database file (the one DATABASES names) has
Django's tables and every migration of their blog app applied, and so the post table.

The file is opened read-only with sqlite3, never through Django (which would make an empty file where
there is none); the blog's migrations it should hold are the migration files in the app's folder.
"""

from pathlib import Path

from blogcheck import database_file, fail, read_only, site, table_names  # noqa: F401

RUN = "In the Terminal tab, run python manage.py migrate"


def test_your_database_has_every_migration(site, db, workspace):
    """Your database has Django's tables and every migration of your blog app applied"""
    path = database_file(workspace)
    assert path.is_file(), f"There is no {path.name} in your lesson folder yet: the migrations were never applied. {RUN}."
    connection = read_only(path)
    try:
        tables = table_names(connection)
        if "django_migrations" not in tables:
            fail(f"{path.name} has no tables yet, so no migration was applied to it. {RUN}.")
        applied = set(connection.execute("SELECT app, name FROM django_migrations").fetchall())
    finally:
        connection.close()
    Post = db.Post
    label = Post._meta.app_label
    folder = Path(Post._meta.app_config.path) / "migrations"
    wanted = sorted(path.stem for path in folder.glob("*.py") if path.name != "__init__.py")
    missing = [name for name in wanted if (label, name) not in applied]
    if missing:
        fail(f"{path.name} does not have your {label} migration {missing[0]} applied, so it has no table for posts "
             f"yet. {RUN} (after python manage.py makemigrations, if you changed the model).")
    for model in (db.User, Post):
        assert model._meta.db_table in tables, (
            f"{path.name} says its migrations are applied, but it has no {model._meta.db_table} table. Delete the "
            f"file (rm {path.name} in the Terminal tab) and run python manage.py migrate again.")
