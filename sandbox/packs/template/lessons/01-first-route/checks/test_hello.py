"""Checks for the step 'hello'. An assert's message is what the learner reads."""


def test_home_page_answers(client):
    response = client.get("/", expect_errors=True)
    assert response.status_int == 200, f"Visiting / should show a page, but it answered {response.status}"


def test_home_page_says_hello(client):
    response = client.get("/", expect_errors=True)
    assert "Hello, web!" in response.text, "The home page should say exactly 'Hello, web!'"
