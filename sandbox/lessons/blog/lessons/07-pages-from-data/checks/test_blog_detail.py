def test_article_page(db, request):
    """/blog/<slug>/ shows one article"""
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    Article.create(title="Hello, web", slug="hello-web", content="My very first post, in full.", published=True)
    Article.create(title="Another story", slug="another-story", content="Something else entirely.", published=True)
    db.database.close()
    client = request.getfixturevalue("client")
    response = client.get("/blog/hello-web/", expect_errors=True)
    assert response.status_int == 200, (
        f"Visiting /blog/hello-web/ answered {response.status}. Add a route '/blog/<slug>/' that shows the "
        "article with that slug."
    )
    assert "Hello, web" in response.text, "The page /blog/hello-web/ should show the article's title."
    assert "My very first post, in full." in response.text, "The page /blog/hello-web/ should show the article's content."
    assert "Something else entirely." not in response.text, (
        "The page /blog/hello-web/ shows another article too. Look up only the one whose slug matches."
    )
