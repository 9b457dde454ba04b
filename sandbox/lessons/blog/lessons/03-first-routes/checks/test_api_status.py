"""Checks for the "A bit of JSON" step."""


def test_status_answers_with_json(client):
    """/api/status answers with JSON"""
    response = client.get("/api/status", expect_errors=True)
    assert response.status_int != 404, (
        "Visiting /api/status gave a 404 (page not found). Add a route for \"/api/status\"."
    )
    if "Unsupported response type" in response.text:
        raise AssertionError(
            "Bottle can send a dictionary as JSON, but not a list. "
            "Return the dictionary itself: return {\"status\": \"ok\"}"
        )
    assert response.status_int == 200, f"Visiting /api/status answered {response.status}."
    assert response.content_type == "application/json", (
        f"/api/status was sent as {response.content_type or 'plain text'}, not as JSON. "
        "Return a Python dictionary, like {\"status\": \"ok\"}, and Bottle turns it into JSON for you."
    )


def test_status_says_ok(client):
    """The JSON says the status is ok"""
    response = client.get("/api/status")
    data = response.json
    assert isinstance(data, dict) and data.get("status") == "ok", (
        f"/api/status answered {response.text.strip()[:80]}, but it should say {{\"status\": \"ok\"}}: "
        "a key named status, with the text ok as its value."
    )
