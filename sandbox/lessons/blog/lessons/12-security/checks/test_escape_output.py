import re

import pytest

CONTENT = "First paragraph here.\n\nSecond one <script>alert('hacked')</script> with a tag.\r\n\r\nThird & last."


@pytest.fixture
def page(db, client):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    Article.create(title="Tags <b>in</b> titles", slug="tags", content=CONTENT, published=True)
    r = client.get("/blog/tags/", expect_errors=True)
    assert r.status_int == 200, f"Visiting a published article's page answered {r.status} instead of the page."
    return r.text


def test_paragraphs(page):
    """Each paragraph gets its own <p>"""
    assert re.search(r"<p[^>]*>\s*First paragraph here\.\s*</p>", page), (
        "Split the content on blank lines and put each paragraph in its own <p>...</p>, "
        "with a % for loop in views/blog_detail.tpl.")
    assert re.search(r"<p[^>]*>\s*Third &amp; last\.\s*</p>", page), (
        "The last paragraph should be in its own <p> too (and its & shown as &amp;). "
        "Text typed in the form has \\r\\n line ends: use .replace('\\r\\n', '\\n') before splitting.")


@pytest.mark.independent
def test_script_is_escaped(page):
    """A <script> in an article stays harmless text"""
    assert "<script>alert" not in page, (
        "Your article page let a <script> tag through, so it would run in every visitor's browser. "
        "Show text with {{...}} (which escapes it), never with {{!...}}.")
    assert "&lt;script&gt;" in page, "The <script> in the article should still be shown as text, escaped as &lt;script&gt;."
    assert "<b>in</b>" not in page, "The title's <b> tag was sent as HTML: show the title with {{article.title}}."
