"""Checks for "Titles that make an address": a title without a single letter or digit (whose slug
would be empty) is refused with a message, and a title with punctuation around its words is fine.
Any way of validating passes: clean_title, clean with add_error, a validator on the field."""

from blogcheck import says_what_was_wrong, send_post, site  # noqa: F401

RETURN = "clean_title() must end with return title: what it returns becomes the title."


def test_a_title_without_letters_is_refused(site, db):
    """A title with no letter or digit is refused, with a message"""
    page, answer = send_post(site, "!!!", "Only punctuation in the title.", hint=RETURN)
    assert not db.Post.objects.filter(title="!!!").exists(), (
        "A post titled '!!!' was saved, so its slug is empty and it has no address of its own. In PostForm, add a "
        "method clean_title(self) that raises forms.ValidationError when slugify(title) is empty.")
    assert answer.status_int == 200, f"Sending the title '!!!' answered {answer.status}: show the form again, with its error."
    assert says_what_was_wrong(page, answer, "Only punctuation in the title.", "!!!"), (
        "The form refused '!!!' but did not say why. Raise forms.ValidationError(\"...\") with a message: the form "
        "shows it next to the title, with {{ form.as_p }} or {{ form.title.errors }}.")


def test_a_title_with_punctuation_is_fine(site, db):
    """A title with punctuation around its words is still accepted"""
    page, answer = send_post(site, "Hello, Django!", "Punctuation is fine.", hint=RETURN)
    post = db.Post.objects.filter(title="Hello, Django!").first()
    assert post is not None, (
        f"The title 'Hello, Django!' was refused (the form answered {answer.status}). Refuse only titles whose "
        "slug would be empty (if not slugify(title)), and end clean_title() with return title: what it returns "
        "becomes the title.")
    assert post.slug == "hello-django", f"The post 'Hello, Django!' got the slug {post.slug!r} instead of hello-django."
