"""Checks for the "A list with a loop" step: the home page loops over ARTICLES."""

import html
import sys

import pytest
from bottle import TemplateError

ADDED = "Added by the check"


def visit(client, path, label=None):
    """GET path, turning the usual template slips into plain advice."""
    label = label or path
    try:
        response = client.get(path, expect_errors=True)
    except TemplateError as error:
        pytest.fail(
            f"Visiting {label}: Bottle could not use a template ({error}). "
            "Keep index.tpl in the views folder, next to app.py, and render it with template(\"index\", articles=ARTICLES).",
            pytrace=False,
        )
    except NameError as error:
        missing = getattr(error, "name", None) or str(error)
        pytest.fail(
            f"A template uses the name '{missing}', but nobody gave it a value. Pass every "
            "variable the template needs to template(), like template(\"index\", articles=ARTICLES).",
            pytrace=False,
        )
    if response.status_int == 500 and "not found" in response.text and "Template" in response.text:
        pytest.fail(
            f"Visiting {label}: Bottle could not find the template. Keep index.tpl in the views "
            "folder, next to app.py, and render it with template(\"index\", articles=ARTICLES).",
            pytrace=False,
        )
    assert response.status_int == 200, f"Visiting {label} answered {response.status}."
    return response


def the_articles(app):
    """The learner's ARTICLES list (the app fixture has imported app.py)."""
    module = sys.modules.get("app")
    articles = getattr(module, "ARTICLES", None)
    if not isinstance(articles, list) or not articles:
        pytest.fail(
            "Add a list named ARTICLES to app.py, with a dictionary for each article "
            "(a 'title' and a 'summary').",
            pytrace=False,
        )
    return articles


def title_of(article):
    return str(article.get("title", "")) if isinstance(article, dict) else str(article)


def shows(page, text):
    return text in page or html.escape(text) in page


def test_home_lists_the_articles(app, client):
    """The home page lists your articles"""
    articles = the_articles(app)
    page = visit(client, "/").text
    for article in articles:
        title = title_of(article)
        assert shows(page, title), (
            f"The home page does not show the article {title!r} yet. Render views/index.tpl "
            "with template(\"index\", articles=ARTICLES), and loop over the articles in it."
        )


def test_list_follows_the_data(app, client):
    """A new article appears without touching the template"""
    articles = the_articles(app)
    first = articles[0]
    extra = {key: f"{ADDED} ({key})" for key in first} if isinstance(first, dict) else ADDED
    articles.append(extra)
    try:
        page = visit(client, "/").text
    finally:
        articles.remove(extra)
    assert ADDED in page, (
        "The check added an article to ARTICLES, but the home page did not show it. Write the "
        "list in views/index.tpl with a % for loop over articles, not by hand."
    )


def test_loop_ends_in_the_right_place(app, client):
    """The loop repeats only the list items"""
    page = visit(client, "/").text.lower()
    for tag in ("ul", "ol"):
        assert page.count(f"</{tag}>") <= page.count(f"<{tag}"), (
            "Part of your page after the loop is repeated for every article. End the loop in "
            f"views/index.tpl with a line % end, just before </{tag}>."
        )
