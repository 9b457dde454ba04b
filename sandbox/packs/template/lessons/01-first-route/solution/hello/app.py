from bottle import Bottle

app = Bottle()


@app.route("/")
def home():
    return "Hello, web!"
