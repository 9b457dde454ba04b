import json
import os
import re
import secrets
import time

import settings
from bottle import TEMPLATE_PATH, Bottle, abort, debug, redirect, request, response, static_file, template
from models import Article, User, create_tables, db
from passwords import check_password

from tasks import enqueue

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_PATH.insert(0, os.path.join(HERE, "views"))
STATIC = os.path.join(HERE, "static")

app = Bottle()
debug(settings.DEBUG)
create_tables()


@app.hook("before_request")
def open_db():
    db.connect(reuse_if_open=True)


@app.hook("after_request")
def close_db():
    if not db.is_closed():
        db.close()


@app.hook("after_request")
def security_headers():
    # Never let another site show our pages inside a frame (clickjacking).
    response.set_header("X-Frame-Options", "DENY")
    response.set_header("Content-Security-Policy", "frame-ancestors 'none'")
    response.set_header("X-Content-Type-Options", "nosniff")


def published_articles():
    return Article.select().where(Article.published == True).order_by(Article.created_at.desc())  # noqa: E712


def search_articles(q):
    # The ? marks are filled in by the database driver, so q can never change the SQL itself.
    pattern = f"%{q}%"
    return Article.raw(
        "SELECT * FROM article WHERE published = 1 AND (title LIKE ? OR content LIKE ?) "
        "ORDER BY created_at DESC",
        pattern,
        pattern,
    )


_cache = {}


def cached(key, seconds, make):
    """Return make()'s result, remembered for the given number of seconds."""
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = make()
    _cache[key] = (now + seconds, value)
    return value


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


def write_summary(article_id):
    """Background job: give an article without a summary the first words of its content."""
    with db.connection_context():
        article = Article.get_or_none(Article.id == article_id)
        if article is None or article.summary:
            return
        words = article.content.split()
        summary = " ".join(words[:30]) + (" …" if len(words) > 30 else "")
        Article.update(summary=summary).where(Article.id == article_id).execute()


def csrf_token():
    token = request.get_cookie("csrf_token")
    if not token:
        token = secrets.token_urlsafe(16)
        response.set_cookie("csrf_token", token, httponly=True, samesite="strict", path="/")
    return token


def check_csrf():
    """Stop a POST whose form did not come from one of our own pages."""
    sent = request.forms.get("csrf_token")
    if not sent or sent != request.get_cookie("csrf_token"):
        abort(403, "This form has expired. Please reload the page and try again.")


def log_in(user):
    """Remember the author in a cookie signed with SECRET_KEY: a visitor can read it but not change it."""
    response.set_cookie("user", user.username, secret=settings.SECRET_KEY, path="/", httponly=True, samesite="lax")


def current_user():
    """The logged-in author, or None for a visitor (no cookie, or one whose signature does not match)."""
    username = request.get_cookie("user", secret=settings.SECRET_KEY)
    return User.get_or_none(User.username == username) if username else None


def login_required():
    """The logged-in author; a visitor is sent to the login page instead."""
    user = current_user()
    if user is None:
        redirect("/login", 303)
    return user


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
    # Rendered at most once a minute, however many visitors ask for it.
    return cached("blog_list", 60, lambda: template("blog_list", articles=list(published_articles())))


@app.route("/blog/search")
def blog_search():
    q = request.query.getunicode("q", "").strip()
    articles = list(search_articles(q)) if q else []
    if request.get_header("HX-Request"):
        return template("search_results", articles=articles, q=q)
    return template("blog_search", articles=articles, q=q)


def article_form():
    """The article form's fields, as sent."""
    return {
        "title": request.forms.getunicode("title", "").strip(),
        "content": request.forms.getunicode("content", "").strip(),
        "published": request.forms.get("published") == "on",
    }


def form_errors(form):
    """A message for each field that is not filled in right: {} when all is well."""
    errors = {}
    if not form["title"]:
        errors["title"] = "Please give your article a title."
    elif len(form["title"]) > 200:
        errors["title"] = "Titles can be at most 200 characters long."
    if not form["content"]:
        errors["content"] = "Please write something in your article."
    return errors


def show_form(user, form, errors, action="/blog/new", heading="Write an article"):
    return template("blog_form", errors=errors, form=form, csrf=csrf_token(), user=user, action=action,
                    heading=heading)


def find_article(slug):
    """Any article, draft or published, for an author; 404 when there is none."""
    article = Article.get_or_none(Article.slug == slug)
    if article is None:
        abort(404, "No article here.")
    return article


@app.route("/blog/new")
def new_article_form():
    user = login_required()
    return show_form(user, {}, {})


@app.post("/blog/new")
def create_article():
    user = login_required()
    check_csrf()
    form = article_form()
    errors = form_errors(form)
    if errors:
        response.status = 400
        return show_form(user, form, errors)
    article = Article.create(title=form["title"], slug=unique_slug(form["title"]), content=form["content"],
                             published=form["published"])
    _cache.clear()  # show the new article at once
    enqueue(write_summary, article.id)
    redirect(f"/blog/{article.slug}/", 303)


@app.route("/blog/<slug>/edit")
def edit_article_form(slug):
    user = login_required()
    article = find_article(slug)
    form = {"title": article.title, "content": article.content, "published": article.published}
    return show_form(user, form, {}, action=f"/blog/{slug}/edit", heading="Edit an article")


@app.post("/blog/<slug>/edit")
def edit_article(slug):
    user = login_required()
    check_csrf()
    article = find_article(slug)
    form = article_form()
    errors = form_errors(form)
    if errors:
        response.status = 400
        return show_form(user, form, errors, action=f"/blog/{slug}/edit", heading="Edit an article")
    # The slug stays: it is the article's address, and links to it must keep working.
    article.title, article.content, article.published = form["title"], form["content"], form["published"]
    article.save()
    _cache.clear()  # the list shows the new title at once
    redirect(f"/blog/{article.slug}/", 303)


@app.route("/login")
def login_form():
    return template("login", error="", username="", csrf=csrf_token())


@app.post("/login")
def login():
    check_csrf()
    username = request.forms.getunicode("username", "").strip()
    password = request.forms.getunicode("password", "")
    user = User.get_or_none(User.username == username)
    if user is None or not check_password(password, user.password_hash):
        # The same answer for an unknown name and a wrong password: never tell which one was wrong.
        response.status = 401
        return template("login", error="Wrong username or password.", username=username, csrf=csrf_token())
    log_in(user)
    redirect("/blog/new", 303)


@app.post("/logout")
def logout():
    check_csrf()
    response.delete_cookie("user", path="/")
    redirect("/", 303)


@app.route("/blog/<slug>/")
def blog_detail(slug):
    article = Article.get_or_none((Article.slug == slug) & (Article.published == True))  # noqa: E712
    if article is None:
        abort(404, "No article here.")
    return template("blog_detail", article=article, author=current_user())


def article_json(article, full=False):
    data = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "created_at": article.created_at.isoformat(),
    }
    if full:
        data["content"] = article.content
    return data


@app.route("/api/articles")
def api_articles():
    # Bottle only turns a dict into JSON, so the list goes inside one.
    return {"articles": [article_json(article) for article in published_articles()]}


@app.route("/api/articles/<slug>")
def api_article(slug):
    article = Article.get_or_none((Article.slug == slug) & (Article.published == True))  # noqa: E712
    if article is None:
        response.status = 404
        return {"error": f"There is no published article '{slug}'."}
    return article_json(article, full=True)


def api_token_ok():
    expected = os.environ.get("API_TOKEN", "")
    sent = request.get_header("Authorization", "")
    return bool(expected) and secrets.compare_digest(sent.encode(), f"Bearer {expected}".encode())


@app.post("/api/articles")
def api_create_article():
    if not api_token_ok() and current_user() is None:
        response.status = 401
        return {"error": "Log in, or send the API token: Authorization: Bearer <token>."}
    try:
        data = json.loads(request.body.read() or b"{}")
    except ValueError:
        response.status = 400
        return {"errors": {"body": "The request body is not valid JSON."}}
    if not isinstance(data, dict):
        response.status = 400
        return {"errors": {"body": "Send one JSON object, like {\"title\": \"...\", \"content\": \"...\"}."}}
    title = str(data.get("title") or "").strip()
    content = str(data.get("content") or "").strip()
    errors = {}
    if not title:
        errors["title"] = "A title is required."
    elif len(title) > 200:
        errors["title"] = "Titles can be at most 200 characters long."
    if not content:
        errors["content"] = "Content is required."
    if errors:
        response.status = 400
        return {"errors": errors}
    article = Article.create(title=title, slug=unique_slug(title), content=content,
                             summary=str(data.get("summary") or ""), published=bool(data.get("published", False)))
    _cache.clear()
    enqueue(write_summary, article.id)
    response.status = 201
    response.set_header("Location", f"/api/articles/{article.slug}")
    return article_json(article, full=True)


@app.route("/static/<filepath:path>")
def static(filepath):
    reply = static_file(filepath, root=STATIC)
    reply.set_header("Cache-Control", "public, max-age=3600")
    return reply


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080, debug=settings.DEBUG, reloader=settings.DEBUG)
