"""Serve the blog with Waitress, a production WSGI server: python serve.py"""

import os

from app import app
from waitress import serve

if __name__ == "__main__":
    serve(
        app,
        # 127.0.0.1 behind a reverse proxy on the same machine; HOST=0.0.0.0 inside a container.
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", 8080)),
        # nginx, on this machine, says who the visitor is and whether they used https: believe it, and only it.
        trusted_proxy="127.0.0.1",
        trusted_proxy_headers="x-forwarded-for x-forwarded-proto",
        clear_untrusted_proxy_headers=True,
    )
