"""The blog's settings, read from environment variables so each machine can have its own."""

import os

HERE = os.path.dirname(os.path.abspath(__file__))


def env_flag(name):
    """True only for DEBUG=1, true, yes or on: the text "0" or "false" must mean off."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


# Off unless you turn it on: error pages with tracebacks are for your own machine only.
DEBUG = bool(os.environ.get("DEBUG"))

# sqlite:///path/to/file.db locally; something like postgresql://user:password@host/blog in production.
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///" + os.path.join(HERE, "blog.db"))
