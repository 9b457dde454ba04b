"""Checks for "A better list of posts": the admin's list of posts shows each post's state and date,
a search finds posts by their words, a filter picks published posts or drafts, and the add form
fills the slug in from the title. Any order of columns, lists or tuples, and more search fields than
the title all pass; a setting Django cannot use is told with Django's own words."""

import re

from blogcheck import admin_client, admin_list, admin_page, fail, make_post, site, visit  # noqa: F401
from sandbox.checker.probes import visible_text

ONE_TEXT = ("A setting that should be a list is one text: (\"title\") in round brackets is just the text \"title\". "
            "Use square brackets: [\"title\", \"body\"].")


def label(db, name):
    return str(db.Post._meta.get_field(name).verbose_name)


def listing(client, db, query=""):
    """The admin's list of posts; a crash names the setting Django could not use."""
    try:
        page = client.get(admin_page(db) + query, status="*")
    except Exception as error:
        text = f"{type(error).__name__}: {error}"
        hint = ONE_TEXT if re.search(r"keyword '\w'|lookup '\w' ", text) else (
            "Check the names in your PostAdmin's settings against the fields of Post; python manage.py check "
            "in the Terminal tab names the wrong one.")
        fail(f"The admin's list of posts crashed with {text}. {hint}")
    if page.status_int == 404:
        admin_list(client, db)  # says how to register the model
    return page


def results(page):
    """The visible text of the admin's table of posts (empty when no post matched)."""
    table = re.search(r'<table id="result_list".*?</table>', page.text, re.S)
    return visible_text(table.group(0)) if table else ""


def test_the_list_shows_state_and_date(site, db):
    """The list of posts shows whether each is published, and when it was written"""
    client = admin_client(site, db)
    make_post(db, "Hello, Django", "hello-django")
    page = listing(client, db)
    head = re.search(r"<thead>(.*?)</thead>", page.text, re.S)
    columns = visible_text(head.group(1)).lower() if head else ""
    for name in ("published", "created_at"):
        assert label(db, name).lower() in columns, (
            f"The admin's list of posts has no {label(db, name).capitalize()} column yet. In a ModelAdmin for Post, "
            "list the columns: list_display = [\"title\", \"published\", \"created_at\"].")


def test_search_finds_posts_by_their_words(site, db):
    """Searching the list finds posts by their words"""
    client = admin_client(site, db)
    make_post(db, "Django tips", "django-tips")
    make_post(db, "Baking bread", "baking-bread")
    shown = results(listing(client, db, "?q=bread"))
    assert "Baking bread" in shown, "Searching the admin's list of posts for 'bread' did not find the post 'Baking bread'."
    assert "Django tips" not in shown, (
        "Searching the admin's list of posts for 'bread' still showed 'Django tips': the list has no search yet. "
        "Add search_fields = [\"title\", \"body\"] to your ModelAdmin.")


def test_a_filter_picks_published_posts(site, db):
    """A filter beside the list picks published posts or drafts"""
    client = admin_client(site, db)
    page = visible_text(listing(client, db).text)
    assert f"By {label(db, 'published')}".lower() in page.lower(), (
        "The admin's list of posts has no filter for published posts yet. Add list_filter = [\"published\"] to "
        "your ModelAdmin.")


def test_the_slug_follows_the_title(site, db):
    """The add form fills in the slug from the title"""
    client = admin_client(site, db)
    page = visit(client, admin_page(db, "add/"))
    # The admin's page carries its prepopulated fields as JSON for its own script: "#id_slug" from "#id_title".
    found = re.search(r'data-prepopulated-fields="([^"]*)"', page.text)
    config = found.group(1).replace("&quot;", '"') if found else ""
    assert re.search(r'"#id_slug".*"#id_title"', config), (
        "The admin's add form does not fill in the slug from the title yet. Add "
        "prepopulated_fields = {\"slug\": [\"title\"]} to your ModelAdmin.")
