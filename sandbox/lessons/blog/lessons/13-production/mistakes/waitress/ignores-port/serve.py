"""Serve the blog with Waitress, a production WSGI server: python serve.py"""

import os

from app import app
from waitress import serve

if __name__ == "__main__":
    # 127.0.0.1 behind a reverse proxy on the same machine; HOST=0.0.0.0 inside a container.
    serve(app, host=os.environ.get("HOST", "127.0.0.1"), port=8080)
