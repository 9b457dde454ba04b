from flask import Flask

import weather

app = Flask(__name__)


@app.route("/")
def home():
    names = [city["name"] for city in weather.cities()]
    return "My weather dashboard: " + ", ".join(names)


if __name__ == "__main__":
    app.run(debug=True)
