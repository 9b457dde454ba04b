import re

import pytest


def send(client, data):
    client.extra_environ["SERVER_PROTOCOL"] = "HTTP/1.1"
    try:
        return client.post("/blog/new", data, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Sending the form to /blog/new crashed with {type(error).__name__}: {error}", pytrace=False)


def error_text(html):
    """The text inside elements whose class contains 'error'."""
    found = re.findall(r"<(\w+)[^>]*class=[\"'][^\"']*\berror\b[^\"']*[\"'][^>]*>(.*?)</\1>", html, re.S | re.I)
    return " ".join(re.sub(r"<[^>]+>", " ", inner) for _, inner in found)


def count(db):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    return Article.select().count()


def test_empty_title_is_refused(db, client):
    """An empty title is refused with a message"""
    response = send(client, {"title": "  ", "content": "Keep me around."})
    assert count(db) == 0, "An article with an empty title was saved. Check the title before calling Article.create."
    assert response.status_int == 400, (
        f"Sending the form with an empty title answered {response.status}; it should answer 400 (set "
        "response.status = 400) and show the form again."
    )
    assert "<form" in response.text.lower(), "When the form has an error, show the form again so the writer can fix it."
    assert "title" in error_text(response.text).lower(), (
        'Show what went wrong about the title, in an element with class="error", like '
        '<p class="error">Please give your article a title.</p>.'
    )
    assert "Keep me around." in response.text, (
        "The content the writer typed was lost. Put the sent values back into the fields, like "
        "<textarea name=\"content\">{{form.get('content', '')}}</textarea>."
    )


def test_long_title_is_refused(db, client):
    """A title longer than 200 characters is refused"""
    response = send(client, {"title": "x" * 201, "content": "Words."})
    assert count(db) == 0 and response.status_int == 400, (
        "A title of 201 characters was accepted. SQLite does not enforce max_length itself: answer 400 with an "
        "error when the title is longer than 200 characters."
    )


def test_empty_content_is_refused(db, client):
    """Empty content is refused"""
    response = send(client, {"title": "A title", "content": ""})
    assert count(db) == 0 and response.status_int == 400, (
        "An article with no content was accepted. Answer 400 with an error when the content is empty."
    )
