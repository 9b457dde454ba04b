"""Checks for "Only authors may write": a visitor who is not logged in is sent to a login page that
exists, and cannot save a post even by sending the form straight to /write/; a user who logs in there
(the check's own superuser) comes back and writes. @login_required, LoginRequiredMixin or a check
of your own all pass, with the admin's login page or one of your own."""

from blogcheck import CHECK_PASSWORD, CHECK_USER, WRITE, log_in, path_of, send_post, site, visit  # noqa: F401


def login_page(site):
    page = visit(site, WRITE)
    assert page.status_int in (301, 302, 303), (
        f"{WRITE} showed its page ({page.status}) to a visitor who is not logged in. Put @login_required (from "
        "django.contrib.auth.decorators) on the line above def write.")
    login = path_of(page.location, WRITE)
    target = visit(site, login)
    assert target.status_int == 200, (
        f"A visitor who is not logged in is sent to {login}, which answered {target.status}. Tell Django where the "
        "login page is: LOGIN_URL = \"admin:login\" in mysite/settings.py.")
    return login


def test_visitors_are_sent_to_log_in(site, db):
    """A visitor who is not logged in is sent to a login page"""
    login_page(site)


def test_visitors_cannot_send_the_form(site, db):
    """A visitor who is not logged in cannot save a post, even by sending the form directly"""
    site.post(WRITE, {"title": "Sneaky", "body": "Not logged in.", "published": "on"}, status="*")
    assert not db.Post.objects.filter(title="Sneaky").exists(), (
        f"A visitor who is not logged in saved a post by sending the form straight to {WRITE}: hiding the form is not "
        "enough. Protect the view itself with @login_required.")


def test_a_logged_in_author_can_write(site, db):
    """After logging in, an author writes a post"""
    login = login_page(site)
    db.User.objects.create_superuser(CHECK_USER, "checker@example.com", CHECK_PASSWORD)
    answer = log_in(site, login)
    back = path_of(answer.location, login)
    assert back.split("?")[0] == WRITE, (
        f"After logging in, the author was sent to {back} instead of back to {WRITE}: keep the ?next= that "
        "@login_required adds to the login address.")
    send_post(site, "Written after logging in")
    assert db.Post.objects.filter(title="Written after logging in").exists(), "A logged-in author's post was not saved."
