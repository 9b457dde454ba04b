import os

from waitress import serve

from app import app

serve(app, host="127.0.0.1", port=int(os.environ.get("PORT", 8080)))
