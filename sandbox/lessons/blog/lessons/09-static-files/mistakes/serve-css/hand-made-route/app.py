import os
import re
import secrets

from bottle import TEMPLATE_PATH, Bottle, abort, redirect, request, response, template
from models import Article, create_tables, db

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_PATH.insert(0, os.path.join(HERE, "views"))
STATIC = os.path.join(HERE, "static")

app = Bottle()
create_tables()


@app.hook("before_request")
def open_db():
    db.connect(reuse_if_open=True)


@app.hook("after_request")
def close_db():
    if not db.is_closed():
        db.close()


def published_articles():
    return Article.select().where(Article.published == True).order_by(Article.created_at.desc())  # noqa: E712


def slugify(title):
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug or "article"


def unique_slug(title):
    base = slug = slugify(title)
    number = 2
    while Article.select().where(Article.slug == slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def csrf_token():
    token = request.get_cookie("csrf_token")
    if not token:
        token = secrets.token_urlsafe(16)
        response.set_cookie("csrf_token", token, httponly=True, samesite="strict", path="/")
    return token


@app.route("/")
def home():
    return template("index", articles=list(published_articles().limit(5)))


@app.route("/about")
def about():
    return "This blog is built with Bottle, one small step at a time."


@app.route("/hello/<name>")
def hello(name):
    return template("hello", name=name)


@app.route("/api/status")
def status():
    return {"status": "ok"}


@app.route("/blog/")
def blog_list():
    return template("blog_list", articles=list(published_articles()))


@app.route("/blog/new")
def new_article_form():
    return template("blog_form", errors={}, form={}, csrf=csrf_token())


@app.post("/blog/new")
def create_article():
    form = {
        "title": request.forms.getunicode("title", "").strip(),
        "content": request.forms.getunicode("content", "").strip(),
        "published": request.forms.get("published") == "on",
    }
    sent = request.forms.get("csrf_token")
    if not sent or sent != request.get_cookie("csrf_token"):
        abort(403, "This form has expired. Please reload the page and try again.")
    errors = {}
    if not form["title"]:
        errors["title"] = "Please give your article a title."
    elif len(form["title"]) > 200:
        errors["title"] = "Titles can be at most 200 characters long."
    if not form["content"]:
        errors["content"] = "Please write something in your article."
    if errors:
        response.status = 400
        return template("blog_form", errors=errors, form=form, csrf=csrf_token())
    article = Article.create(title=form["title"], slug=unique_slug(form["title"]), content=form["content"],
                             published=form["published"])
    redirect(f"/blog/{article.slug}/", 303)


@app.route("/blog/<slug>/")
def blog_detail(slug):
    article = Article.get_or_none((Article.slug == slug) & (Article.published == True))  # noqa: E712
    if article is None:
        abort(404, "No article here.")
    return template("blog_detail", article=article)


@app.route("/static/<filepath:path>")
def static(filepath):
    with open(os.path.join(STATIC, filepath), encoding="utf-8") as file:
        return file.read()


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080, debug=True, reloader=True)
