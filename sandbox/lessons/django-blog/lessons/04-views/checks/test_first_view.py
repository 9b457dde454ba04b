"""Checks for "Your first view": the home page / is answered by a view of the learner's app, not by
Django's welcome page. Any view (a function or a class) and any URLconf layout passes."""

from blogcheck import fail, site, visit, visible_text  # noqa: F401

WELCOME = "The install worked successfully"


def test_the_home_page_is_yours(site):
    """The home page is answered by your own view"""
    page = visit(site, "/")
    if page.status_int == 404:
        fail("Visiting / answered 404 Not Found: no URL pattern matches the home page's empty path. In "
             "mysite/urls.py include your app's URLs at the empty path, path('', include('blog.urls')), and in "
             "blog/urls.py map path('', views.home).")
    assert page.status_int == 200, f"Visiting / answered {page.status} instead of showing your page."
    assert WELCOME not in page.text, (
        "Visiting / still shows Django's welcome page, the rocket: no URL pattern sends / to your view yet. In "
        "mysite/urls.py add path('', include('blog.urls')) to urlpatterns (and import include).")
    assert visible_text(page.text), "The home page answers, but shows no text at all: return some words in the HttpResponse."
