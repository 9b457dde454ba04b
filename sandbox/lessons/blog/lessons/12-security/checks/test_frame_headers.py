PAGES = ["/", "/blog/", "/blog/search?q=x", "/api/articles"]


def test_pages_refuse_frames(db, client):
    """Pages can't be shown inside another site's frame"""
    for path in PAGES:
        check_page(client, path)


def check_page(client, path):
    r = client.get(path, expect_errors=True)
    assert r.status_int == 200, f"Visiting {path} answered {r.status} instead of a page."
    frame = r.headers.get("X-Frame-Options", "").upper()
    assert frame in ("DENY", "SAMEORIGIN"), (
        f"The page {path} can still be shown inside a frame on another site. Add an after_request hook "
        "that sets the header X-Frame-Options: DENY on every answer.")
    policy = r.headers.get("Content-Security-Policy", "").lower()
    assert "frame-ancestors" in policy, (
        f"The page {path} has no Content-Security-Policy with frame-ancestors. In the same hook, set "
        "Content-Security-Policy: frame-ancestors 'none' (the modern form of X-Frame-Options).")
