"""The city page has a form that adds the city to the visitor's own list, shown on the home page."""

import pytest

from dashboard import KELSO, TIMBUKTU, crashed, page, site, station, text_of, visit  # noqa: F401 (fixtures)

SECRET = ("Flask keeps the session in a cookie it signs, so it needs a secret key: "
          "app.secret_key = \"...\" under app = Flask(__name__).")
FORM = ('<form method="post" action="{{ url_for(\'add_favourite\') }}"><input type="hidden" name="city" '
        'value="{{ now.slug }}"><button>Add to my cities</button></form>')


def favourite_form(client, city):
    path = f"/city/{city['slug']}"
    forms = [form for form in page(client, path).forms.values() if form.method.upper() == "POST"]
    if not forms:
        pytest.fail(f"The page at {path} has no form that sends with method=\"post\" yet. Add one to "
                    f"templates/city.html: {FORM}", pytrace=False)
    return forms[-1]


def add(client, city):
    """Send the city page's form like a browser; return the page the visitor lands on."""
    form = favourite_form(client, city)
    try:
        response = form.submit(expect_errors=True)
    except Exception as error:
        crashed(f"Sending the form on /city/{city['slug']}", error, SECRET)
    if response.status_int == 500:
        pytest.fail(f"Sending the form on /city/{city['slug']} answered 500. {SECRET}", pytrace=False)
    assert response.status_int != 405, (
        f"Sending the form on /city/{city['slug']} to {form.action} answered 405 (method not allowed): that "
        "route does not take POST. Write it as @app.post(\"/favourites\") or @app.route(\"/favourites\", "
        "methods=[\"POST\"]).")
    assert response.status_int in (301, 302, 303), (
        f"Sending the form on /city/{city['slug']} answered {response.status} instead of a redirect. After a form "
        "is sent, send the visitor on with return redirect(url_for(\"home\")): reloading that page then does "
        "not send the form again.")
    try:
        return response.follow(expect_errors=True)
    except Exception as error:
        crashed("The page the form sent the visitor to", error, "")


def shows(text, city):
    reading = city["readings"][0]
    return city["name"] in text and reading["condition"] in text


SAVED = ("Keep the list in the session and assign it back, so Flask saves it: session[\"favourites\"] = "
         "favourites + [slug]. On the home page, show weather.current(slug) of each one.")


def test_city_page_has_a_form_that_posts(site):
    """The city page has a form that sends with POST"""
    favourite_form(site, KELSO)


def test_adding_cities_shows_their_weather_at_home(site):
    """Cities added with the form show their weather on the home page"""
    before = text_of(page(site, "/"))
    assert not shows(before, KELSO), "The home page shows Kelso's weather before anyone added it."
    landed = add(site, KELSO)
    assert landed.request.path == "/", f"After the form, the visitor lands on {landed.request.path}: send them home."
    assert shows(text_of(landed), KELSO), f"After adding Kelso, the home page does not show its weather (Drizzle). {SAVED}"
    home = text_of(add(site, TIMBUKTU))
    assert shows(home, TIMBUKTU) and shows(home, KELSO), (
        f"After adding Kelso and then Timbuktu, the home page does not show both. {SAVED}")


def test_adding_a_city_twice_lists_it_once(site):
    """A city added twice is listed once"""
    add(site, KELSO)
    home = text_of(add(site, KELSO))
    assert home.count(KELSO["readings"][0]["condition"]) == 1, (
        "After adding Kelso twice, the home page shows its weather twice. Add a city only when it is not in the "
        "list yet: if slug not in favourites.")


def test_each_visitor_has_their_own_cities(site):
    """Each visitor has their own list"""
    add(site, KELSO)
    site.reset()  # another browser: no cookies
    assert not shows(text_of(page(site, "/")), KELSO), (
        "A new visitor sees Kelso under their cities, added by someone else. Keep the list in the session, which "
        "belongs to one browser, not in a variable of the app that every visitor shares.")
