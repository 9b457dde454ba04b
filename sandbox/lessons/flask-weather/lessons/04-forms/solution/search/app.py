from flask import Flask, abort, render_template, request

import weather

app = Flask(__name__)


@app.route("/")
def home():
    return render_template("home.html", cities=weather.cities())


@app.route("/city/<slug>")
def city(slug):
    now = weather.current(slug)
    if now is None:
        abort(404)
    return render_template("city.html", now=now)


@app.route("/search")
def search():
    q = request.args.get("q", "").strip()
    found = [city for city in weather.cities() if q.lower() in city["name"].lower()] if q else []
    return render_template("search.html", q=q, found=found)


if __name__ == "__main__":
    app.run(debug=True)
