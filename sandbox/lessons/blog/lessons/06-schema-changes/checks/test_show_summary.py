"""Checks for "Show the summary": the home page shows each article's summary, escaped."""

import datetime
from urllib.parse import quote

import pytest

from sandbox.checker.probes import HOSTILE, assert_escaped, visible_text

NAMES = [text for text in HOSTILE if "/" not in text] + ["<script>alert('xss7q')", "<svg onload=alert('xss7q')>"]


def article_with_summary(db):
    Article = db.models.get("Article")
    assert Article is not None and "summary" in Article._meta.fields, "Add a summary field to Article first."
    return Article


def home(client):
    response = client.get("/", expect_errors=True)
    assert response.status_int == 200, f"The home page answered {response.status} instead of showing the page."
    return response.text


def test_home_shows_summaries(db, restart):
    """The home page shows each article's summary"""
    Article = article_with_summary(db)
    Article.create(title="Tea with Bottle", slug="tea-with-bottle", content="Brewing a web app.", published=True,
                   summary="A gentle start with routes.", created_at=datetime.datetime(2024, 1, 1, 9, 0))
    Article.create(title="Peewee rocks", slug="peewee-rocks", content="Models are friendly.", published=True,
                   summary="Tables as Python classes.", created_at=datetime.datetime(2024, 2, 1, 9, 0))
    page = visible_text(home(restart()))
    for title in ("Tea with Bottle", "Peewee rocks"):
        assert title in page, "The home page should still list each article's title."
    for summary in ("A gentle start with routes.", "Tables as Python classes."):
        assert summary in page, (
            "The home page does not show the article's summary. In views/index.tpl, add {{article.summary}} "
            "next to the title."
        )


def test_summaries_are_shown_as_text(db, client):
    """Titles and summaries that hold HTML are shown as text"""
    Article = article_with_summary(db)
    for number, text in enumerate(HOSTILE):
        Article.delete().execute()
        Article.create(title=f"Article {number}", slug=f"hostile-{number}", content="Words.", summary=text,
                       published=True)
        assert_escaped(home(client), text, "the home page, in an article's summary")
        Article.delete().execute()
        Article.create(title=text, slug=f"hostile-title-{number}", content="Words.", summary="Calm words.",
                       published=True)
        assert_escaped(home(client), text, "the home page, in an article's title")


@pytest.mark.independent
def test_names_from_the_address_are_still_shown_as_text(client):
    """A <script> in the address is still shown as text"""
    for name in NAMES:
        response = client.get("/hello/" + quote(name, safe=""), expect_errors=True)
        assert response.status_int == 200, f"Visiting /hello/{name} answered {response.status}."
        assert_escaped(response.text, name, f"the page at /hello/{name}, in the name from the address")
