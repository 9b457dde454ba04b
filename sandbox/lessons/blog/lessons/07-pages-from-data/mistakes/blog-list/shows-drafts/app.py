import os

from bottle import TEMPLATE_PATH, Bottle, template
from models import Article, create_tables, db

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_PATH.insert(0, os.path.join(HERE, "views"))

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
    return Article.select().order_by(Article.created_at.desc())


@app.route("/")
def home():
    articles = Article.select().order_by(Article.created_at.desc())
    return template("index", articles=articles)


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


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080, debug=True, reloader=True)
