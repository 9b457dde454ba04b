import pytest

ATTACKS = ["' OR '1'='1", "' OR 1=1 --", "%') OR 1=1 --", "x%' OR published = 0 OR title LIKE '"]
SAFE_ADVICE = ("Pass the words to the database as parameters (the ? marks in the SQL), "
               "never with an f-string or + inside the SQL text.")


@pytest.fixture
def articles(db):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    Article.create(title="Kitchen notes", slug="kitchen-notes", content="Don't forget the salt.", published=True)
    Article.create(title="Travel diary", slug="travel-diary", content="Trains in Japan run on time.", published=True)
    Article.create(title="Hidden plans", slug="hidden-plans", content="Top secret draft.", published=False)
    return Article


def search(client, words, why):
    try:
        r = client.get("/blog/search", {"q": words}, expect_errors=True)
    except Exception as error:  # the database refused the query
        pytest.fail(f"Searching for {words} {why} crashed your app ({type(error).__name__}: {error}). "
                    "The search words became part of your SQL. " + SAFE_ADVICE, pytrace=False)
    assert r.status_int == 200, f"Searching for {words} {why} answered {r.status} instead of the results page."
    return r


def test_search_looks_in_content(articles, client):
    """The search finds words in the content too"""
    r = search(client, "japan", "")
    assert "Travel diary" in r.text, (
        "Searching for 'japan' should find 'Travel diary', whose content mentions Japan. "
        "Search the title OR the content: ... WHERE published = 1 AND (title LIKE ? OR content LIKE ?).")
    assert "Kitchen notes" not in r.text, "Searching for 'japan' also listed 'Kitchen notes': only list articles that contain the words."
    assert "Hidden plans" not in r.text, "The search showed an unpublished article. Keep published = 1 in the query."


def test_quote_marks_are_fine(articles, client):
    """A word with a quote mark works"""
    r = search(client, "don't", "(with a quote mark)")
    assert "Kitchen notes" in r.text, "Searching for don't should find 'Kitchen notes', whose content says Don't."


def test_sql_injection_is_refused(articles, client):
    """SQL injection attacks find nothing secret"""
    for attack in ATTACKS:
        r = search(client, attack, "(an SQL injection attack)")
        assert "Hidden plans" not in r.text, (
            f"Searching for {attack} showed an unpublished article: the search words changed your SQL. " + SAFE_ADVICE)
