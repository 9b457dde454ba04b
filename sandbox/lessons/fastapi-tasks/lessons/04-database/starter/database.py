"""The tasks database: one SQLite file, and a connection for each request that asks for one."""

import sqlite3

DATABASE = "tasks.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 3
)
"""


def get_db():
    """A dependency: FastAPI calls it for each request whose endpoint asks for it, hands the
    connection to the endpoint, and runs the code after yield once the answer is sent."""
    # check_same_thread=False: FastAPI may open the connection in one thread and use it in another.
    connection = sqlite3.connect(DATABASE, check_same_thread=False)
    connection.row_factory = sqlite3.Row  # rows that know their column names: row["title"]
    connection.execute(SCHEMA)
    try:
        yield connection
    finally:
        connection.close()
