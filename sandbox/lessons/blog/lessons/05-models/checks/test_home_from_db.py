"""Checks for "The home page reads the database": the articles saved in the database, newest first.

The articles are saved through the learner's own models on the check's database, the app is
restarted, and the page is read as a visitor sees it; the order is checked with dates the check
sets itself, saved in the opposite order so that sorting by id cannot pass. The check's articles are
published, so a page that already hides drafts passes too.
"""

import datetime
from urllib.parse import quote

import peewee
import pytest

from sandbox.checker.probes import HOSTILE, assert_escaped, visible_text

OLD_LIST = ("Hello, web", "Why Python?")  # the ARTICLES list this step replaces
NAMES = [text for text in HOSTILE if "/" not in text] + ["<script>alert('xss7q')", "<svg onload=alert('xss7q')>"]


def article_model(db):
    model = db.models.get("Article")
    if model is None:
        pytest.fail("There is no model named Article yet.", pytrace=False)
    return model


def home(client):
    response = client.get("/", expect_errors=True)
    assert response.status_int == 200, f"The home page answered {response.status} instead of showing the page."
    return response.text


def restarted(db, restart, what="Your articles"):
    """Restart the app and return its new client; fail naming the cause when the articles are gone."""
    before = db.Article.select().count()
    client = restart()
    try:
        after = db.Article.select().count()
    except peewee.OperationalError:
        after = 0
    if after < before:
        pytest.fail(f"{what} were gone after the app restarted: " + (
            "the database lives in memory, so it is emptied whenever the app stops. Give SqliteDatabase a file "
            "name such as blog.db: db = SqliteDatabase(os.path.join(HERE, \"blog.db\"))." if db.in_memory else
            "something that runs when the app starts removes them (drop_tables, or deleting blog.db). Keep the "
            "rows: create_tables(safe=True) only makes the tables that are missing."), pytrace=False)
    return client


def test_home_lists_saved_articles(db, restart):
    """The home page lists the articles in the database, newest first"""
    Article = article_model(db)
    Article.create(title="Peewee rocks", slug="peewee-rocks", content="Models are friendly.", published=True,
                   created_at=datetime.datetime(2024, 2, 1, 9, 0))
    Article.create(title="Tea with Bottle", slug="tea-with-bottle", content="Brewing a web app.", published=True,
                   created_at=datetime.datetime(2024, 1, 1, 9, 0))
    page = visible_text(home(restarted(db, restart)))
    for title in ("Tea with Bottle", "Peewee rocks"):
        assert title in page, (
            f"The home page does not show the saved article '{title}'. In home(), query the database with "
            "Article.select() and pass the result to the template instead of the ARTICLES list."
        )
    assert page.index("Peewee rocks") < page.index("Tea with Bottle"), (
        "The home page lists the article from January 2024 before the one from February 2024. Show the newest "
        "first: Article.select().order_by(Article.created_at.desc())."
    )


def test_home_works_with_no_articles(db, client):
    """The home page works when there are no articles yet"""
    page = visible_text(home(client))
    old = [title for title in OLD_LIST if title in page]
    assert not old, (
        f"With no articles in the database, the home page still shows {old[0]!r} from the old ARTICLES list. "
        "Show the articles from the database instead, and delete ARTICLES."
    )


def test_saved_text_is_shown_as_text(db, client):
    """Titles that hold HTML are shown as text"""
    Article = article_model(db)
    for number, text in enumerate(HOSTILE):
        Article.delete().execute()
        Article.create(title=text, slug=f"hostile-{number}", content=text, published=True)
        assert_escaped(home(client), text, "the home page, in an article's title")


@pytest.mark.independent
def test_names_from_the_address_are_still_shown_as_text(client):
    """A <script> in the address is still shown as text"""
    for name in NAMES:
        response = client.get("/hello/" + quote(name, safe=""), expect_errors=True)
        assert response.status_int == 200, f"Visiting /hello/{name} answered {response.status}."
        assert_escaped(response.text, name, f"the page at /hello/{name}, in the name from the address")
