def test_app_creates_its_tables(db, request):
    """Your app creates the article table when it starts"""
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    db.database.drop_tables([Article])
    db.database.close()
    client = request.getfixturevalue("client")  # imports app.py now, on a database without tables
    assert Article.table_exists(), (
        "When your app starts, the article table should exist. Write a create_tables() function in models.py "
        "and call create_tables() in app.py, just after app = Bottle()."
    )
    response = client.get("/", expect_errors=True)
    assert response.status_int == 200, f"The home page answered {response.status} instead of showing the page."
