import datetime

import pytest

# Saved in this order on purpose: neither the id order nor its reverse is "newest first".
ARTICLES = [
    ("Middle musings", "middle-musings", datetime.datetime(2024, 2, 1), True),
    ("Newest news", "newest-news", datetime.datetime(2024, 3, 1), True),
    ("Oldest origins", "oldest-origins", datetime.datetime(2024, 1, 1), True),
    ("Secret draft", "secret-draft", datetime.datetime(2024, 4, 1), False),
]


@pytest.fixture
def page(db, request):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    for title, slug, created_at, published in ARTICLES:
        Article.create(title=title, slug=slug, content=f"All about {title}.", published=published,
                       created_at=created_at)
    db.database.close()
    client = request.getfixturevalue("client")
    response = client.get("/blog/", expect_errors=True)
    assert response.status_int == 200, (
        f"Visiting /blog/ answered {response.status}. Add a route for '/blog/' that shows the list of articles."
    )
    return response.text


def test_lists_published_articles(page):
    """/blog/ lists the published articles"""
    for title, slug, _, published in ARTICLES:
        if published:
            assert title in page, f"The article list at /blog/ does not show the published article '{title}'."


def test_hides_drafts(page):
    """/blog/ hides drafts"""
    assert "Secret draft" not in page, (
        "The article list shows a draft (an article with published = False). "
        "Filter the query with .where(Article.published == True)."
    )


def test_newest_first(page):
    """/blog/ shows the newest article first"""
    positions = [page.find(title) for title in ("Newest news", "Middle musings", "Oldest origins")]
    assert -1 not in positions, "The article list at /blog/ should show every published article."
    assert positions == sorted(positions), (
        "The articles at /blog/ are not newest first. Sort them with .order_by(Article.created_at.desc())."
    )


def test_links_to_each_article(page):
    """Each title links to its own page"""
    for title, slug, _, published in ARTICLES:
        if published:
            assert f'href="/blog/{slug}/"' in page, (
                f"Link each title to its page: '{title}' should be inside <a href=\"/blog/{slug}/\">...</a>."
            )


def test_empty_list(db, client):
    """/blog/ works before anything is published"""
    response = client.get("/blog/", expect_errors=True)
    assert response.status_int == 200, f"With no articles at all, /blog/ answered {response.status}."
