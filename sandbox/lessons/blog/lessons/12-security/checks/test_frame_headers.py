import pytest

PAGES = ["/", "/about", "/blog/", "/blog/framed/", "/blog/search?q=framed", "/blog/new", "/api/articles",
         "/api/articles/framed"]
SAFE_SOURCES = {"'none'", "'self'"}


@pytest.fixture
def site(db, client):
    Article = db.models.get("Article")
    if Article is None:
        pytest.fail("There is no Article model any more: keep the Article class in models.py.", pytrace=False)
    Article.create(title="Framed", slug="framed", content="Can this page be framed?", published=True)
    return client


def frame_ancestors(policies):
    """The sources of every frame-ancestors directive in the Content-Security-Policy headers."""
    found = []
    for policy in policies:
        for directive in policy.split(";"):
            words = directive.split()
            if words and words[0].lower() == "frame-ancestors":
                found.append({word.lower() for word in words[1:]})
    return found


def check_page(client, path):
    r = client.get(path, expect_errors=True)
    assert r.status_int == 200, f"Visiting {path} answered {r.status} instead of a page."
    frame = [value.strip().upper() for value in r.headers.getall("X-Frame-Options")]
    assert frame and all(value in ("DENY", "SAMEORIGIN") for value in frame), (
        f"The page {path} can still be shown inside a frame on another site. Add an after_request hook "
        "that sets the header X-Frame-Options: DENY on every answer."
        + (f" (It says {', '.join(frame)}, which browsers don't take as a refusal.)" if frame else ""))
    ancestors = frame_ancestors(r.headers.getall("Content-Security-Policy"))
    assert ancestors, (
        f"The page {path} has no Content-Security-Policy with frame-ancestors. In the same hook, set "
        "Content-Security-Policy: frame-ancestors 'none' (the modern form of X-Frame-Options).")
    for sources in ancestors:
        assert sources and sources <= SAFE_SOURCES, (
            f"The page {path} sends frame-ancestors {' '.join(sorted(sources)) or '(nothing)'}, which lets other "
            "sites frame it. Use frame-ancestors 'none' (or 'self' to allow only your own pages).")


def test_pages_refuse_frames(site):
    """Pages can't be shown inside another site's frame"""
    for path in PAGES:
        check_page(site, path)
