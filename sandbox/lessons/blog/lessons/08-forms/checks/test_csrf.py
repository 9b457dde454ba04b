"""A CSRF token: each visitor gets their own, the real form works, and every forged POST gets 403."""

from urllib.parse import urljoin, urlsplit

import pytest
import webtest

# Over https, so a cookie set with secure=True comes back, as browsers send it to localhost.
BROWSER = {"SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "https", "HTTP_HOST": "localhost"}


def article_model(db):
    Article = db.models.get("Article")
    assert Article is not None, "There is no model named Article yet: keep the Article class in models.py."
    return Article


class Visitor:
    """A browser of its own (its own cookies) that opened the form at /blog/new."""

    def __init__(self, app):
        self.client = webtest.TestApp(app, extra_environ=BROWSER)
        try:
            page = self.client.get("/blog/new", expect_errors=True)
        except Exception as error:
            pytest.fail(f"Visiting /blog/new crashed with {type(error).__name__}: {error}", pytrace=False)
        assert page.status_int == 200, f"Visiting /blog/new answered {page.status}."
        forms = [form for form in page.forms.values() if (form.method or "GET").upper() == "POST"]
        assert forms, 'The page /blog/new should show a form with method="post".'
        self.form = forms[0]
        self.action = urlsplit(urljoin("http://localhost/blog/new", self.form.action or "")).path
        self.hidden = {name: fields[0].value or "" for name, fields in self.form.fields.items()
                       if name and isinstance(fields[0], webtest.forms.Hidden)}
        self.cookies = dict(self.client.cookies)

    def fields(self, title):
        """What the form sends for ``title``, box ticked, without its hidden fields."""
        self.form["title"], self.form["content"] = title, "Sent to see who gets through."
        for name, fields in self.form.fields.items():
            if name and isinstance(fields[0], webtest.forms.Checkbox):
                self.form[name] = True
        return {name: value for name, value in self.form.submit_fields() if name not in self.hidden}


def forge(app, path, data, cookies):
    """POST ``data`` to ``path`` with exactly ``cookies``, from a browser with nothing else."""
    client = webtest.TestApp(app, extra_environ=BROWSER)
    headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())} if cookies else {}
    try:
        return client.post(path, data, headers=headers, expect_errors=True)
    except Exception as error:
        pytest.fail(f"A forged POST made your app crash with {type(error).__name__}: {error}. Refuse it with "
                    "abort(403) before using the token in any other way.", pytrace=False)


def refused(db, response, what):
    saved = article_model(db).select().count()
    assert response.status_int == 403 and saved == 0, (
        f"A POST {what} answered {response.status}{' and saved the article' if saved else ''}. Another site "
        "could send that. Refuse it with abort(403) unless the token from the form matches the one in this "
        "visitor's cookie."
    )


@pytest.fixture
def visitor(db, app, client):  # client: the app's own errors reach the check, with the learner's line
    article_model(db)
    return Visitor(app)


def test_form_has_a_token(visitor):
    """The form carries a secret token, also kept in a cookie"""
    assert any(visitor.hidden.values()), (
        "The form has no hidden token yet. Add <input type=\"hidden\" name=\"csrf_token\" value=\"{{csrf}}\"> "
        "to the form, with a random token made by secrets.token_urlsafe()."
    )
    assert visitor.cookies, "Visiting /blog/new should also store the token in a cookie: response.set_cookie(...)."


def test_form_with_token_works(db, visitor):
    """The form still saves articles"""
    visitor.fields("Safe and sound")
    try:
        response = visitor.form.submit(expect_errors=True)
    except Exception as error:
        pytest.fail(f"Sending the form from /blog/new crashed with {type(error).__name__}: {error}", pytrace=False)
    assert article_model(db).select().count() == 1 and response.status_int in (302, 303), (
        f"Sending the form from /blog/new, token included, answered {response.status} instead of saving the "
        "article and redirecting. Compare the token sent with the form to the one in the cookie."
    )


def test_each_visitor_gets_their_own_token(visitor, app):
    """Two visitors get different tokens"""
    other = Visitor(app)
    assert visitor.hidden != other.hidden, (
        "Two visitors got the same token. A token everyone shares is no secret: another site can copy it from "
        "your form. Make a new random token for each visitor with secrets.token_urlsafe(), and keep it in their cookie."
    )


def test_form_shown_again_after_a_mistake_still_works(db, visitor):
    """After a mistake, the form shown again can still be sent"""
    visitor.fields("")
    try:
        again = visitor.form.submit(expect_errors=True)
        forms = [form for form in again.forms.values() if (form.method or "GET").upper() == "POST"]
        assert forms, f"Sending the form with an empty title answered {again.status} without the form."
        form = forms[0]
        form["title"], form["content"] = "Fixed it", "Second try."
        response = form.submit(expect_errors=True)
    except AssertionError:
        raise
    except Exception as error:
        pytest.fail(f"Showing the form again after a mistake, or sending it from there, crashed with "
                    f"{type(error).__name__}: {error}. Pass the token to every template(\"blog_form\", ...) you "
                    "render.", pytrace=False)
    assert article_model(db).select().count() == 1 and response.status_int in (302, 303), (
        f"The form shown again after an empty title, sent with a title, answered {response.status}. Put the "
        "token in that form too: pass csrf=csrf_token() to every template(\"blog_form\", ...)."
    )


def test_forged_posts_are_refused(db, visitor, app):
    """Every forged POST is refused with 403"""
    other = Visitor(app)
    title = visitor.fields("Forged")
    blank = {name: "" for name in visitor.hidden}
    forged = [
        ("with neither the token nor its cookie", title, {}),
        ("with the visitor's cookie but without the hidden token", title, visitor.cookies),
        ("with a made-up token", {**title, **{name: "made-up-" + value for name, value in visitor.hidden.items()}},
         visitor.cookies),
        ("with another visitor's token", {**title, **other.hidden}, visitor.cookies),
        ("with the form's token but no cookie", {**title, **visitor.hidden}, {}),
        ("with the form's token but a different cookie", {**title, **visitor.hidden},
         {name: "some-other-value" for name in visitor.cookies}),
        ("with an empty token and an empty cookie", {**title, **blank}, {name: "" for name in visitor.cookies}),
    ]
    for what, data, cookies in forged:
        refused(db, forge(app, visitor.action, data, cookies), what)
