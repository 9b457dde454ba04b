import datetime
import os

from peewee import BooleanField, CharField, DateTimeField, Model, SqliteDatabase, TextField

HERE = os.path.dirname(os.path.abspath(__file__))
db = SqliteDatabase(os.path.join(HERE, "blog.db"))


class Article(Model):
    title = CharField(max_length=200)
    slug = CharField(unique=True)
    content = TextField()
    summary = TextField(default="")
    published = BooleanField(default=False)
    created_at = DateTimeField(default=datetime.datetime.now)

    class Meta:
        database = db


def create_tables():
    with db:
        db.create_tables([Article], safe=True)
