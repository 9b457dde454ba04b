"""Articles with the same title get their own slugs, drafts and restarts included."""

from urllib.parse import urljoin, urlsplit

import pytest
import webtest

from sandbox.checker.probes import visible_text


def article_model(db):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet: keep the Article class in models.py."
    return Article


def send(client, title, content, published, number, after_restart=False):
    """Fill in the form at /blog/new like a visitor and send it."""
    client.extra_environ["SERVER_PROTOCOL"] = "HTTP/1.1"
    try:
        page = client.get("/blog/new", expect_errors=True)
        form = next(form for form in page.forms.values() if (form.method or "GET").upper() == "POST")
        form["title"], form["content"] = title, content
        for name, fields in form.fields.items():
            if name and isinstance(fields[0], webtest.forms.Checkbox):
                form[name] = published
        return form.submit(expect_errors=True)
    except Exception as error:
        when = "After a restart, saving" if after_restart else "Saving"
        pytest.fail(f"{when} article number {number} with the title '{title}' crashed ({type(error).__name__}: "
                    f"{error}). Before saving, ask the database whether the slug is taken (drafts too) and try "
                    "the-title-2, the-title-3... until one is free.", pytrace=False)


def slugs(db):
    Article = db.models.get("Article")
    return [article.slug for article in Article.select().order_by(Article.id)]


def test_same_title_three_times(db, client):
    """Articles with the same title get different slugs"""
    article_model(db)
    answers = [send(client, "Same title", f"Version {number}.", number > 1, number) for number in (1, 2, 3)]
    saved = slugs(db)
    assert len(saved) == 3, f"Three articles titled 'Same title' were sent, but {len(saved)} were saved."
    assert len(set(saved)) == 3, f"The three articles got the slugs {saved}; each needs its own."
    assert all(slug.startswith("same-title") for slug in saved), (
        f"The slugs {saved} should all start with the title's slug, same-title, so the address still says what "
        "the article is about."
    )
    for number, answer in enumerate(answers[1:], start=2):
        path = urlsplit(urljoin("http://localhost/blog/new", answer.headers.get("Location", ""))).path
        page = client.get(path, expect_errors=True)
        assert f"Version {number}." in visible_text(page.text), (
            f"Article number {number} was sent to {path}, which does not show it. Redirect to the slug it was saved with."
        )


def test_slugs_stay_unique_after_a_restart(db, client, restart):
    """Slugs stay unique after the app restarts"""
    article_model(db)
    send(client, "Once more", "Before the restart.", True, 1)
    send(client, "Once more", "Also before the restart.", True, 2)
    again = restart()
    send(again, "Once more", "After the restart.", True, 3, after_restart=True)
    saved = slugs(db)
    assert len(saved) == 3 and len(set(saved)) == 3, (
        f"After a restart, the third article titled 'Once more' was not saved with a slug of its own (slugs: "
        f"{saved}). Ask the database which slugs are taken instead of counting in a Python variable, which "
        "starts again from zero each time the app starts."
    )
