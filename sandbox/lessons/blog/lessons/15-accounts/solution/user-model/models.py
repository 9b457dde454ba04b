import datetime

import settings
from peewee import BooleanField, CharField, DateTimeField, Model, TextField
from playhouse.db_url import connect

db = connect(settings.DATABASE_URL)


class Article(Model):
    title = CharField(max_length=200)
    slug = CharField(unique=True)
    content = TextField()
    summary = TextField(default="")
    published = BooleanField(default=False)
    created_at = DateTimeField(default=datetime.datetime.now)

    class Meta:
        database = db


class User(Model):
    """An author who may log in and write. The password itself is never stored, only its hash."""

    username = CharField(max_length=50, unique=True)
    password_hash = CharField()

    class Meta:
        database = db


def create_tables():
    with db:
        db.create_tables([Article, User], safe=True)
