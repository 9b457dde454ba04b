def test_home_shows_summaries(db, request):
    """The home page shows each article's summary"""
    Article = db.models.get("Article")
    assert Article is not None and "summary" in Article._meta.fields, "Add a summary field to Article first."
    Article.create(title="Tea with Bottle", slug="tea-with-bottle", content="Brewing a web app.",
                   summary="A gentle start with routes.")
    db.database.close()
    client = request.getfixturevalue("client")
    response = client.get("/", expect_errors=True)
    assert response.status_int == 200, f"The home page answered {response.status} instead of showing the page."
    assert "Tea with Bottle" in response.text, "The home page should still list each article's title."
    assert "A gentle start with routes." in response.text, (
        "The home page does not show the article's summary. In views/index.tpl, add {{article.summary}} "
        "next to the title."
    )
