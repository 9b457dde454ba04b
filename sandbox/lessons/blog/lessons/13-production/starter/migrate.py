"""Add the summary column to an existing article table without losing any rows."""

from models import Article, db
from playhouse.migrate import SqliteMigrator, migrate


def upgrade():
    columns = [column.name for column in db.get_columns("article")]
    if "summary" not in columns:
        migrate(SqliteMigrator(db).add_column("article", "summary", Article.summary))


if __name__ == "__main__":
    upgrade()
