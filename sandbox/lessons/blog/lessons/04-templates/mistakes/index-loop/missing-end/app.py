import os

from bottle import TEMPLATE_PATH, Bottle, template

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_PATH.insert(0, os.path.join(HERE, "views"))

app = Bottle()

ARTICLES = [
    {"title": "Hello, web", "summary": "My very first post."},
    {"title": "Why Python?", "summary": "Readable code and a friendly community."},
]


@app.route("/")
def home():
    return template("index", articles=ARTICLES)


@app.route("/about")
def about():
    return "This blog is built with Bottle, one small step at a time."


@app.route("/hello/<name>")
def hello(name):
    return template("hello", name=name)


@app.route("/api/status")
def status():
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080, debug=True, reloader=True)
