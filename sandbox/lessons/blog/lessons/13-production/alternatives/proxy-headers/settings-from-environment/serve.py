"""Serve the blog with Waitress behind nginx: python serve.py"""

import os

import waitress

from app import app

OPTIONS = {
    "host": os.environ.get("HOST", "127.0.0.1"),
    "port": os.environ.get("PORT", "8080"),
    "threads": 8,
    "trusted_proxy": os.environ.get("TRUSTED_PROXY", "127.0.0.1"),
    "trusted_proxy_headers": ["X-Forwarded-For", "X-Forwarded-Proto"],
    "clear_untrusted_proxy_headers": True,
}

if __name__ == "__main__":
    waitress.serve(app, **OPTIONS)
