"""Checks for the "Your API's own documentation" step."""

import json
import re
from html.parser import HTMLParser

import pytest


def openapi(client):
    r = client.get("/openapi.json", status="*")
    assert r.status_int == 200, (
        f"/openapi.json answered {r.status_int}: FastAPI writes it for every app unless it is switched off. "
        "Keep the app made with FastAPIOffline(...) and no openapi_url=None.")
    return json.loads(r.text)


class Assets(HTMLParser):
    """The addresses of the scripts and stylesheets a page loads."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").lower() and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_api_has_a_title(client):
    """The API has a title about tasks"""
    info = openapi(client).get("info", {})
    title = info.get("title", "")
    assert title != "FastAPI", (
        "Your docs still call the API \"FastAPI\", the title every app gets when it is not given one. "
        "Name yours: FastAPIOffline(title=\"Task API\", ...).")
    assert "task" in title.lower(), (
        f"Your API's title is {title!r}: make it say what the API is for, with the word task in it, "
        "like title=\"Task API\".")


def test_api_has_a_description(client):
    """The API has a description"""
    info = openapi(client).get("info", {})
    assert str(info.get("description") or "").strip(), (
        "The docs show no description of your API yet. Add one sentence: "
        "FastAPIOffline(title=\"Task API\", description=\"Keep track of what there is to do.\").")


def test_docs_page_works_offline(client):
    """/docs shows the docs page, without the internet"""
    r = client.get("/docs", status="*")
    assert r.status_int == 200, (
        f"/docs answered {r.status_int} instead of the documentation page. "
        "Leave docs_url alone: FastAPI serves the page at /docs by itself.")
    title = openapi(client)["info"]["title"]
    assert title.lower() in r.text.lower(), (
        f"The /docs page does not show your API's title {title!r}.")
    parser = Assets()
    parser.feed(r.text)
    outside = [url for url in parser.urls if re.match(r"(https?:)?//", url)]
    assert not outside, (
        f"The /docs page loads {outside[0]} from the internet, so without a connection it stays blank. "
        "Make the app with FastAPIOffline(...) (from fastapi_offline import FastAPIOffline), which serves "
        "those files from your own app.")


def test_home_still_works(client):
    """GET / still answers"""
    r = client.get("/", status="*")
    assert r.status_int == 200, f"GET / answered {r.status_int}: it worked in the last step."
