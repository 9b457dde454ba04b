import os

from flask import Flask, abort, redirect, render_template, request, session, url_for

import weather

app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY", "dev-only-not-secret")


@app.route("/")
def home():
    favourites = [weather.current(slug) for slug in session.get("favourites", [])]
    return render_template("home.html", cities=weather.cities(), favourites=favourites)


@app.route("/city/<slug>")
def city(slug):
    now = weather.current(slug)
    if now is None:
        abort(404)
    return render_template("city.html", now=now)


@app.route("/city/<slug>/now")
def city_now(slug):
    now = weather.current(slug)
    if now is None:
        abort(404)
    return render_template("_now.html", now=now)


@app.route("/search")
def search():
    q = request.args.get("q", "").strip()
    found = [city for city in weather.cities() if q.lower() in city["name"].lower()] if q else []
    if request.headers.get("HX-Request"):
        return render_template("_results.html", q=q, found=found)
    return render_template("search.html", q=q, found=found)


@app.post("/favourites")
def add_favourite():
    slug = request.form.get("city", "")
    if weather.find_city(slug) is None:
        abort(400)
    favourites = session.get("favourites", [])
    if slug not in favourites:
        session["favourites"] = favourites + [slug]
    return redirect(url_for("home"))


@app.route("/api/cities/<slug>")
def api_city(slug):
    now = weather.current(slug)
    if now is None:
        return {"error": f"There is no city called {slug!r}."}, 404
    return now


if __name__ == "__main__":
    app.run(debug=True)
