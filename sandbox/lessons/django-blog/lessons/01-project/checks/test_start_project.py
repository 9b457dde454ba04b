"""Checks for "Start a project": manage.py at the top of the lesson folder, settings that load, and
Django answering requests, its admin login page among them.

Any project name passes: the checks find the settings the way manage.py does.
"""

from blogcheck import ADMIN, settings_name, site, visit  # noqa: F401


def test_manage_py_is_at_the_top(workspace):
    """manage.py is at the top of your lesson folder"""
    settings_name(workspace)


def test_django_answers(site):
    """Django starts and answers requests"""
    home = visit(site, "/")
    assert home.status_int < 400, f"Your project should answer / with a page, but it answered {home.status}."
    login = visit(site, ADMIN + "login/")
    assert login.status_int == 200, (
        f"The admin's login page {ADMIN}login/ answered {login.status}: keep the line "
        "path('admin/', admin.site.urls) in mysite/urls.py.")
