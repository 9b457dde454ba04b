"""The blog's settings, read from environment variables so each machine can have its own."""

import os
import secrets

HERE = os.path.dirname(os.path.abspath(__file__))


def env_flag(name):
    """True only for DEBUG=1, true, yes or on: the text "0" or "false" must mean off."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


# Off unless you turn it on: error pages with tracebacks are for your own machine only.
DEBUG = env_flag("DEBUG")

# sqlite:///path/to/file.db locally; something like postgresql://user:password@host/blog in production.
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///" + os.path.join(HERE, "blog.db"))

# Signs the login cookie. On a server, set SECRET_KEY to a long random text that never changes.
# Without it, every start makes a new random key: safe, but everyone is logged out at each restart.
SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
