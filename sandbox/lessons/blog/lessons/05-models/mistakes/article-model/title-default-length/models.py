import os

from peewee import CharField, Model, SqliteDatabase, TextField

HERE = os.path.dirname(os.path.abspath(__file__))
db = SqliteDatabase(os.path.join(HERE, "blog.db"))


class Article(Model):
    title = CharField()
    slug = CharField(unique=True)
    content = TextField()

    class Meta:
        database = db
