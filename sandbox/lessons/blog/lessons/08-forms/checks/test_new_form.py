def test_new_article_form(db, client):
    """/blog/new shows a form to write an article"""
    response = client.get("/blog/new", expect_errors=True)
    assert response.status_int == 200, (
        f"Visiting /blog/new answered {response.status}. Add a route for '/blog/new' that shows a form."
    )
    forms = list(response.forms.values())
    assert forms, "The page /blog/new has no <form> yet. Put one in views/blog_form.tpl."
    posting = [form for form in forms if (form.method or "").upper() == "POST"]
    assert posting, 'The form should send its data with method="post": write <form method="post" action="/blog/new">.'
    form = posting[0]
    assert (form.action or "/blog/new").split("?")[0] in ("/blog/new", ""), (
        f'The form sends its data to {form.action!r}; it should go to /blog/new: action="/blog/new".'
    )
    for name in ("title", "content"):
        assert name in form.fields, f'The form needs a field named {name}, like <input name="title"> or <textarea name="content">.'
