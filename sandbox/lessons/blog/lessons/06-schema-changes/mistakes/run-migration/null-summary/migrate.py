from models import db


def upgrade():
    columns = [column.name for column in db.get_columns("article")]
    if "summary" not in columns:
        db.execute_sql("ALTER TABLE article ADD COLUMN summary TEXT")


if __name__ == "__main__":
    upgrade()
