"""Checks for "A superuser": the learner's own database (read-only, with sqlite3) holds an active
superuser with a real password, as createsuperuser makes; and the admin lets a superuser in (the
check's own, in its own database, since it cannot know the learner's password)."""

from blogcheck import ADMIN, admin_client, database_file, fail, read_only, site, table_names, visit  # noqa: F401

RUN = "In the Terminal tab, run python manage.py createsuperuser and answer its questions"


def test_your_database_has_a_superuser(site, db, workspace):
    """Your database has a superuser with a password"""
    path = database_file(workspace)
    assert path.is_file(), f"There is no {path.name} in your lesson folder: run python manage.py migrate first. {RUN}."
    table = db.User._meta.db_table
    connection = read_only(path)
    try:
        if table not in table_names(connection):
            fail(f"{path.name} has no {table} table, so there is nowhere to keep users: run python manage.py "
                 f"migrate first. {RUN}.")
        users = connection.execute(
            f'SELECT username, is_superuser, is_staff, is_active, password FROM "{table}"').fetchall()
    finally:
        connection.close()
    assert users, f"There is no user in {path.name} yet. {RUN}."
    admins = [user for user in users if user[1] and user[2] and user[3]]
    assert admins, (
        f"{path.name} has the user {users[0][0]}, but not a superuser who may use the admin site. A user made with "
        f"create_user() is an ordinary visitor. {RUN}.")
    # A usable password is stored as algorithm$...; one that starts with ! can never match.
    assert any("$" in password and not password.startswith("!") for *_, password in admins), (
        f"Your superuser {admins[0][0]} has no usable password, so they cannot log in. In the Terminal tab, "
        f"run python manage.py changepassword {admins[0][0]}.")


def test_a_superuser_can_log_in(site, db):
    """A superuser can log in to the admin site"""
    page = visit(admin_client(site, db), ADMIN)
    assert page.status_int == 200, f"After logging in, the admin's front page {ADMIN} answered {page.status}."
