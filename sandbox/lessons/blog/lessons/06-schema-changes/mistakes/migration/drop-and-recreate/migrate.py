from models import Article, db


def upgrade():
    with db:
        db.drop_tables([Article])
        db.create_tables([Article])


if __name__ == "__main__":
    upgrade()
