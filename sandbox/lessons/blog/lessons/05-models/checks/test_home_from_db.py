import datetime


def test_home_lists_saved_articles(db, request):
    """The home page lists the articles in the database"""
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    Article.create(title="Tea with Bottle", slug="tea-with-bottle", content="Brewing a web app.",
                   created_at=datetime.datetime(2024, 1, 1))
    Article.create(title="Peewee rocks", slug="peewee-rocks", content="Models are friendly.",
                   created_at=datetime.datetime(2024, 2, 1))
    db.database.close()
    client = request.getfixturevalue("client")
    response = client.get("/", expect_errors=True)
    assert response.status_int == 200, f"The home page answered {response.status} instead of showing the page."
    page = response.text
    for title in ("Tea with Bottle", "Peewee rocks"):
        assert title in page, (
            f"The home page does not show the saved article '{title}'. In home(), query the database with "
            "Article.select() and pass the result to the template instead of the ARTICLES list."
        )
    assert "Why Python?" not in page, (
        "The home page still shows the old ARTICLES list. Show the articles from the database instead, "
        "and delete ARTICLES."
    )


def test_home_works_with_no_articles(db, client):
    """The home page works when there are no articles yet"""
    response = client.get("/", expect_errors=True)
    assert response.status_int == 200, f"With an empty database the home page answered {response.status}."
