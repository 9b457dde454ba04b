import re

import pytest


def article_model(db):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    return Article


def send(client, data):
    client.extra_environ["SERVER_PROTOCOL"] = "HTTP/1.1"
    try:
        return client.post("/blog/new", data, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Sending the form to /blog/new crashed with {type(error).__name__}: {error}", pytrace=False)


def test_post_saves_and_redirects(db, client):
    """Sending the form saves the article and redirects to it"""
    Article = article_model(db)
    response = send(client, {"title": "Hello, World!", "content": "My first post from a form.", "published": "on"})
    assert response.status_int not in (404, 405), (
        f"Sending the form answered {response.status}. Add a route for POST requests: @app.post(\"/blog/new\")."
    )
    article = Article.get_or_none(Article.title == "Hello, World!")
    assert article is not None, "Sending the form did not save an article. Call Article.create(...) with the form's values."
    assert article.content == "My first post from a form.", "The saved article's content is not what the form sent."
    assert article.published, "The box 'published' was ticked (its value is \"on\") but the article was saved as a draft."
    assert response.status_int in (302, 303), (
        f"After saving, your app answered {response.status}; it should redirect to the new article with "
        "redirect(url, 303), so that refreshing the page does not send the form again."
    )
    location = response.headers.get("Location", "")
    assert location.split("?")[0].endswith(f"/blog/{article.slug}/"), (
        f"The redirect goes to {location!r}; it should go to the new article's page, /blog/{article.slug}/."
    )


def test_slug_is_made_from_the_title(db, client):
    """The slug is made from the title"""
    Article = article_model(db)
    send(client, {"title": "Hello, World!", "content": "Words.", "published": "on"})
    article = Article.get_or_none(Article.title == "Hello, World!")
    assert article is not None, "Sending the form did not save an article."
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", article.slug or ""), (
        f"The title 'Hello, World!' got the slug {article.slug!r}. A slug should have only lowercase letters, "
        "digits and dashes, like 'hello-world'."
    )
    assert "hello" in article.slug and "world" in article.slug, (
        f"The slug {article.slug!r} should be made from the title's words, like 'hello-world'."
    )


def test_unticked_box_saves_a_draft(db, client):
    """Without the box ticked, the article is a draft"""
    Article = article_model(db)
    send(client, {"title": "Not yet", "content": "Still thinking."})
    article = Article.get_or_none(Article.title == "Not yet")
    assert article is not None, "Sending the form did not save an article."
    assert not article.published, "A browser sends nothing for an unticked box, and then the article should be a draft."
