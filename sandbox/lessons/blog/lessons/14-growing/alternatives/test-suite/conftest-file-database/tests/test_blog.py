import json

from models import Article


class TestPages:
    def test_home(self, client):
        status, _ = client.get("/")
        assert status == 200

    def test_article_shows_its_title(self, client):
        Article.create(title="A real post", slug="a-real-post", content="Words.", published=True)
        status, page = client.get("/blog/a-real-post/")
        assert (status, "A real post" in page) == (200, True)

    def test_draft_is_not_found(self, client):
        Article.create(title="Draft", slug="draft", content="Soon.", published=False)
        assert client.get("/blog/draft/")[0] == 404


class TestApi:
    def test_list_has_the_published_article(self, client):
        Article.create(title="Listed", slug="listed", content="Yes.", published=True)
        status, text = client.get("/api/articles")
        assert status == 200
        assert "Listed" in [item["title"] for item in json.loads(text)["articles"]]
