"""The city page shows the icon of the city's conditions, an image from static/icons/, with a text alternative."""

from dashboard import BERGEN, KELSO, TIMBUKTU, Tree, address, page, site, station, visit  # noqa: F401 (fixtures)

IMG = "<img src=\"{{ url_for('static', filename='icons/' ~ now.icon ~ '.svg') }}\" alt=\"{{ now.condition }}\">"


def icon_of(workspace, name):
    path = workspace / "static" / "icons" / f"{name}.svg"
    assert path.is_file(), (
        f"static/icons/{name}.svg is missing from your folder. The lesson gave you the icons in static/icons/: "
        "put them back.")
    return path.read_bytes()


def images(client, path):
    """(src, where it leads, the bytes the app answers there or None) for every <img> on the page."""
    found = []
    for image in Tree(page(client, path).text).elements("img"):
        src = image.attrs.get("src", "")
        target, here = address(path, src)
        response = visit(client, target) if here else None
        body = response.body if response is not None and response.status_int == 200 else None
        found.append((image, src, target, body))
    return found


def test_city_page_shows_the_icon_of_its_weather(workspace, site):
    """The city page shows the icon of the city's conditions"""
    for city in (KELSO, TIMBUKTU, BERGEN):
        reading = city["readings"][0]
        path, icon = f"/city/{city['slug']}", reading["icon"]
        found = images(site, path)
        assert found, f"The page at {path} shows no image yet. Add the icon to templates/city.html: {IMG}"
        if any(body == icon_of(workspace, icon) for _, _, _, body in found):
            continue
        _, src, target, body = found[0]
        if body is None:
            cause = ("Start the address at the site's root, with a slash: url_for('static', filename=...) does that "
                     "for you." if not src.startswith("/") else "Check the folder and the file name.")
            raise AssertionError(f"On {path}, the image {src!r} leads to {target}, which shows no image. {cause}")
        raise AssertionError(
            f"On {path} the image is {target}, but {city['name']}'s conditions are {reading['condition']}, whose "
            f"icon is static/icons/{icon}.svg. Build the address from the reading's icon: {IMG}")


def test_icon_has_a_text_alternative(workspace, site):
    """The icon has a text alternative"""
    path = f"/city/{KELSO['slug']}"
    icon = icon_of(workspace, KELSO["readings"][0]["icon"])
    for image, src, _, body in images(site, path):
        if body == icon:
            assert "alt" in image.attrs, (
                f"The icon {src!r} has no alt attribute, so a screen reader reads out its file name instead. "
                "Describe it with alt=\"{{ now.condition }}\", or write alt=\"\" when the conditions are written "
                "beside it anyway.")
