from flask import Flask, abort, render_template

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


if __name__ == "__main__":
    app.run(debug=True)
