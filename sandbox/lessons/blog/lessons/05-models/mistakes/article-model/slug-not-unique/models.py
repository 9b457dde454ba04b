import os

from peewee import CharField, Model, SqliteDatabase, TextField

HERE = os.path.dirname(os.path.abspath(__file__))
db = SqliteDatabase(os.path.join(HERE, "blog.db"))


class Article(Model):
    title = CharField(max_length=200)
    slug = CharField()
    content = TextField()

    class Meta:
        database = db
