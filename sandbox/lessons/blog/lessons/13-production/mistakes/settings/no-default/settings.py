"""The blog's settings, read from environment variables so each machine can have its own."""

import os

HERE = os.path.dirname(os.path.abspath(__file__))

# sqlite:///path/to/file.db locally; something like postgresql://user:password@host/blog in production.
DATABASE_URL = os.environ["DATABASE_URL"]
