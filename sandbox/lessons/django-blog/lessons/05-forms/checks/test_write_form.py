"""Checks for "A form to write posts": /write/ shows a form; sent as a browser sends it (with Django's
CSRF check on), it saves the post with a slug made from its title and redirects; an empty title is
refused, with a message, and nothing is saved. A ModelForm, a plain Form or a CreateView all pass."""

from blogcheck import fail, path_of, says_what_was_wrong, send_post, site, visit, write_form  # noqa: F401


def test_the_page_shows_a_form(site):
    """/write/ shows a form with a title and a body"""
    write_form(site)


def test_a_post_written_with_the_form_is_saved(site, db):
    """A post sent with the form is saved, with a slug from its title, and the browser is redirected"""
    page, answer = send_post(site, "My new post", "Written with the form.")
    post = db.Post.objects.filter(title="My new post").first()
    assert post is not None, (
        f"Sending the form answered {answer.status}, but no post titled 'My new post' was saved. In the view, when "
        "request.method == \"POST\", make the form from request.POST, and if form.is_valid(), save it.")
    assert post.body == "Written with the form.", "The post was saved, but without the text typed in the body field."
    assert post.slug == "my-new-post", (
        f"The new post's slug is {post.slug!r}. Make it from the title before saving: post = form.save(commit=False), "
        "post.slug = slugify(post.title), post.save(). slugify(\"My new post\") gives my-new-post.")
    assert answer.status_int in (301, 302, 303), (
        f"After saving, the form answered {answer.status} instead of redirecting. End with return redirect(\"home\"): "
        "then reloading the page cannot send the form a second time.")
    landing = visit(site, path_of(answer.location, "/write/"))
    assert landing.status_int == 200, f"After saving, the form redirects to {answer.location}, which answered {landing.status}."


def test_an_empty_title_is_refused(site, db):
    """A post without a title is refused, with a message"""
    page, answer = send_post(site, "", "A post with no title.")
    assert not db.Post.objects.exists(), (
        "A post with an empty title was saved. Save only when form.is_valid() is true; a ModelForm refuses an "
        "empty title by itself.")
    assert answer.status_int == 200, (
        f"Sending the form with an empty title answered {answer.status}. Show the form again, with its errors: "
        "render the same template with the form that was sent.")
    assert says_what_was_wrong(page, answer, "A post with no title."), (
        "The form came back, but without saying what was wrong. Show the form's errors: {{ form.as_p }} does, "
        "or {{ form.title.errors }} next to the field.")
