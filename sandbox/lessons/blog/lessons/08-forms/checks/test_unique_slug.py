import pytest


def test_same_title_three_times(db, client):
    """Articles with the same title get different slugs"""
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    client.extra_environ["SERVER_PROTOCOL"] = "HTTP/1.1"
    for number in (1, 2, 3):
        try:
            client.post("/blog/new", {"title": "Same title", "content": f"Version {number}.", "published": "on"},
                        expect_errors=True)
        except Exception as error:
            pytest.fail(f"Saving article number {number} with the title 'Same title' crashed ({type(error).__name__}: "
                        f"{error}). Before saving, check whether the slug is taken and try same-title-2, "
                        "same-title-3... until one is free.", pytrace=False)
    slugs = [article.slug for article in Article.select().order_by(Article.id)]
    assert len(slugs) == 3, f"Three articles titled 'Same title' were sent, but {len(slugs)} were saved."
    assert len(set(slugs)) == 3, f"The three articles got the slugs {slugs}; each needs its own."
    assert all(slug.startswith("same-title") for slug in slugs), (
        f"The slugs {slugs} should all start with the title's slug, same-title."
    )
    for number, slug in enumerate(slugs, start=1):
        page = client.get(f"/blog/{slug}/", expect_errors=True)
        assert f"Version {number}." in page.text, f"The page /blog/{slug}/ does not show the article saved with that slug."
