import datetime

import pytest


@pytest.fixture
def home(db, request):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    for day in range(1, 7):
        Article.create(title=f"Post number {day}", slug=f"post-{day}", content="Words.", summary=f"Teaser {day}.",
                       published=True, created_at=datetime.datetime(2024, 5, day))
    Article.create(title="Unfinished idea", slug="unfinished-idea", content="Hmm.", published=False,
                   created_at=datetime.datetime(2024, 5, 9))
    db.database.close()
    client = request.getfixturevalue("client")
    response = client.get("/", expect_errors=True)
    assert response.status_int == 200, f"The home page answered {response.status}."
    return response.text


def test_home_hides_drafts(home):
    """The home page hides drafts"""
    assert "Unfinished idea" not in home, (
        "The home page shows a draft. Use published_articles() there too, so only published articles appear."
    )


def test_home_shows_the_latest_five(home):
    """The home page shows the five newest articles"""
    for day in range(2, 7):
        assert f"Post number {day}" in home, f"The home page should show the newest articles, like 'Post number {day}'."
    assert "Post number 1" not in home, (
        "The home page shows more than five articles. Show at most 5, the newest ones: add .limit(5) to the query."
    )


def test_home_links_to_articles(home):
    """Home page titles link to their articles"""
    assert 'href="/blog/post-6/"' in home, (
        "Make each title on the home page a link to its page: <a href=\"/blog/{{article.slug}}/\">...</a>."
    )
