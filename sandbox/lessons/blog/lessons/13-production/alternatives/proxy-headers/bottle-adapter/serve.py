import os

from app import app

if __name__ == "__main__":
    app.run(
        server="waitress",
        host="127.0.0.1",
        port=int(os.environ.get("PORT", 8080)),
        trusted_proxy="127.0.0.1",
        trusted_proxy_headers="x-forwarded-for x-forwarded-proto",
    )
