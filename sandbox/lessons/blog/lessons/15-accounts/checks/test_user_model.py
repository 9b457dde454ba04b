"""Checks for "A User model": authors have a unique username and a field for their password's hash."""

import peewee
import pytest


def user_model(db):
    model = db.models.get("User")
    if model is None:
        pytest.fail("There is no User model yet. In models.py, write class User(Model): with a username and a "
                    "password_hash field, and class Meta: database = db inside it.", pytrace=False)
    if "username" not in model._meta.fields:
        pytest.fail("Your User model has no username field yet: add username = CharField(unique=True).", pytrace=False)
    return model


def filler(field):
    """A value for a field the check knows nothing about, so that a row can be saved."""
    if isinstance(field, (peewee.IntegerField, peewee.FloatField, peewee.DecimalField)):
        return 0
    if isinstance(field, peewee.BooleanField):
        return False
    if isinstance(field, peewee.BlobField):
        return b"0123456789abcdef"
    if isinstance(field, (peewee.DateTimeField, peewee.DateField)):
        import datetime
        return datetime.datetime(2024, 5, 1, 9, 30)
    return "scrypt$16384$8$1$0123456789abcdef$fedcba9876543210"


def new_user(User, username):
    values = {name: filler(field) for name, field in User._meta.fields.items()
              if name not in ("id", "username") and not field.null and field.default is None
              and not isinstance(field, peewee.AutoField)}
    return User.create(username=username, **values)


def test_user_model(db):
    """A User model with a username and a field for the password's hash"""
    User = user_model(db)
    others = [name for name, field in User._meta.fields.items()
              if name not in ("id", "username") and isinstance(field, (peewee.CharField, peewee.TextField))]
    assert others, ("Your User model needs a field that keeps the password's hash (a text), like "
                    "password_hash = CharField(). The password itself is never stored.")
    user = new_user(User, "ada")
    again = User.get_by_id(user.id)
    assert again.username == "ada", "A user saved with User.create(username=\"ada\", ...) came back with another name."


def test_username_is_unique(db):
    """Two authors can't share a username"""
    User = user_model(db)
    new_user(User, "ada")
    try:
        with db.database.atomic():
            new_user(User, "ada")
    except peewee.IntegrityError:
        return
    pytest.fail("Two users could both be called 'ada', so a login could not tell them apart. "
                "Write username = CharField(unique=True).", pytrace=False)


def test_app_creates_the_user_table(db, request):
    """Your app creates the user table when it starts"""
    User = user_model(db)
    db.database.drop_tables([User])
    db.database.close()
    client = request.getfixturevalue("client")  # imports app.py now, on a database without the user table
    assert User.table_exists(), (
        "When your app starts, the user table should exist, like the article table. In models.py, add User "
        "to the list in create_tables(): db.create_tables([Article, User], safe=True).")
    r = client.get("/", expect_errors=True)
    assert r.status_int == 200, f"The home page answered {r.status} instead of showing the page."
