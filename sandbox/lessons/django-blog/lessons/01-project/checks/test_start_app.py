"""Checks for "Add the blog app": an app of the learner's own, made by startapp and listed in
INSTALLED_APPS, so Django loads it. Any app name and either way of listing it passes ('blog' or
'blog.apps.BlogConfig')."""

from blogcheck import fail, learner_apps, site  # noqa: F401


def test_your_app_is_installed(site, db, workspace):
    """Your blog app is part of the project"""
    if learner_apps(db, workspace):
        return
    made = sorted(path.parent.name for path in workspace.glob("*/apps.py"))
    if made:
        fail(f"The app {made[0]}/ is there, but the project does not use it yet: add '{made[0]}', to the "
             "INSTALLED_APPS list in mysite/settings.py.")
    fail("Your project has no app of its own yet. In the Terminal tab, run: python manage.py startapp blog")
