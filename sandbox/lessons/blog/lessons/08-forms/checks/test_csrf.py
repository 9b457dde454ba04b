import pytest
import webtest


def open_form(client):
    client.extra_environ["SERVER_PROTOCOL"] = "HTTP/1.1"
    response = client.get("/blog/new", expect_errors=True)
    assert response.status_int == 200, f"Visiting /blog/new answered {response.status}."
    forms = [form for form in response.forms.values() if (form.method or "").upper() == "POST"]
    assert forms, "The page /blog/new should show a form with method=\"post\"."
    return forms[0]


def hidden_fields(form):
    return {name: fields[0].value for name, fields in form.fields.items()
            if name and isinstance(fields[0], webtest.forms.Hidden) and fields[0].value}


def send(client, data):
    try:
        return client.post("/blog/new", data, expect_errors=True)
    except Exception as error:
        pytest.fail(f"Sending the form crashed with {type(error).__name__}: {error}", pytrace=False)


def count(db):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet."
    return Article.select().count()


def test_form_has_a_token(db, client):
    """The form carries a secret token, also kept in a cookie"""
    form = open_form(client)
    assert hidden_fields(form), (
        "The form has no hidden token yet. Add <input type=\"hidden\" name=\"csrf_token\" value=\"{{csrf}}\"> "
        "to the form, with a random token made by secrets.token_urlsafe()."
    )
    assert client.cookies, "Visiting /blog/new should also store the token in a cookie: response.set_cookie(...)."


def test_form_with_token_works(db, client):
    """The form still saves articles"""
    form = open_form(client)
    form["title"] = "Safe and sound"
    form["content"] = "Sent from the real form."
    response = form.submit(expect_errors=True)
    assert count(db) == 1 and response.status_int in (302, 303), (
        f"Sending the form from /blog/new, token included, answered {response.status} instead of saving the "
        "article and redirecting. Compare the token sent with the form to the one in the cookie."
    )


def test_post_without_token_is_refused(db, client):
    """A POST without the token is refused with 403"""
    open_form(client)
    response = send(client, {"title": "Forged", "content": "Sent by another site."})
    assert count(db) == 0 and response.status_int == 403, (
        f"A POST without the hidden token answered {response.status}. Another site could post to your blog "
        "that way: when the token is missing, stop with abort(403)."
    )


def test_post_with_wrong_token_is_refused(db, client):
    """A POST with a wrong token is refused with 403"""
    form = open_form(client)
    data = {"title": "Forged", "content": "Sent with a made-up token."}
    data.update({name: "made-up-" + value for name, value in hidden_fields(form).items()} or {"csrf_token": "made-up"})
    response = send(client, data)
    assert count(db) == 0 and response.status_int == 403, (
        f"A POST with a wrong token answered {response.status}. Checking that a token is there is not enough: "
        "compare it with the token in the cookie, request.get_cookie(...), and abort(403) when they differ."
    )
