from models import Article, db
from playhouse.migrate import SqliteMigrator, migrate


def upgrade():
    migrate(SqliteMigrator(db).add_column("article", "summary", Article.summary))


if __name__ == "__main__":
    upgrade()
