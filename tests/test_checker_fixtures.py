"""The checker's database fixtures: `db` finds the learner's database however Peewee was set up,
and `restart` brings the app back on the same temporary database, or an empty one when it lives
in memory."""

from __future__ import annotations

import pytest

from tests.test_checker import make_step

pytestmark = pytest.mark.slow

LIST_ROUTE = """
app = Bottle()


@app.route('/')
def home():
    return ', '.join(a.title for a in Article.select().order_by(Article.id))
"""

ARTICLE = """
class Article({base}):
    title = CharField()
"""

# Correct ways to set up Peewee that the fixture once got wrong: each holds models.py (or more
# modules) and an app.py that lists the articles on its home page.
SETUPS = {
    "a DatabaseProxy initialised in models.py": {
        "models.py": """
            from peewee import CharField, DatabaseProxy, Model, SqliteDatabase

            db = DatabaseProxy()


            class Article(Model):
                title = CharField()

                class Meta:
                    database = db


            db.initialize(SqliteDatabase('blog.db'))
        """,
        "app.py": "from bottle import Bottle\nfrom models import Article\n" + LIST_ROUTE,
    },
    "a DatabaseProxy that only the app initialises": {
        "models.py": """
            from peewee import CharField, DatabaseProxy, Model

            db = DatabaseProxy()


            class Article(Model):
                title = CharField()

                class Meta:
                    database = db
        """,
        "app.py": "from bottle import Bottle\nfrom peewee import SqliteDatabase\nfrom models import Article, db\n\n"
                  "db.initialize(SqliteDatabase('blog.db'))\n" + LIST_ROUTE,
    },
    "a BaseModel on a DatabaseProxy": {
        "models.py": """
            from peewee import CharField, DatabaseProxy, Model

            db = DatabaseProxy()


            class BaseModel(Model):
                class Meta:
                    database = db


            class Article(BaseModel):
                title = CharField()
        """,
        "app.py": "from bottle import Bottle\nfrom peewee import SqliteDatabase\nfrom models import Article, db\n\n"
                  "db.initialize(SqliteDatabase('blog.db'))\n" + LIST_ROUTE,
    },
    "models bound by the app with Model.bind": {
        "models.py": "from peewee import CharField, Model\n" + ARTICLE.format(base="Model"),
        "app.py": "from bottle import Bottle\nfrom peewee import SqliteDatabase\nfrom models import Article\n\n"
                  "db = SqliteDatabase('blog.db')\nArticle.bind(db)\n" + LIST_ROUTE,
    },
    "models bound by the app with db.bind": {
        "database.py": "from peewee import SqliteDatabase\n\ndb = SqliteDatabase('blog.db')\n",
        "models.py": "from peewee import CharField, Model\n" + ARTICLE.format(base="Model"),
        "app.py": "from bottle import Bottle\nfrom database import db\nfrom models import Article\n\n"
                  "db.bind([Article])\n" + LIST_ROUTE,
    },
    "a database named later with db.init": {
        "models.py": """
            from peewee import CharField, Model, SqliteDatabase

            db = SqliteDatabase(None)


            class Article(Model):
                title = CharField()

                class Meta:
                    database = db
        """,
        "app.py": "from bottle import Bottle\nfrom models import Article, db\n\ndb.init('blog.db')\n" + LIST_ROUTE,
    },
}

LISTS_SAVED_ARTICLES = """
    def test_saved_articles_are_listed(db, client):
        db.Article.create(title='First post')
        db.Article.create(title='Second')
        page = client.get('/', status='*')
        assert page.text == 'First post, Second', page.text[-300:]
"""


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_db_fixture_makes_the_tables_however_the_database_is_set_up(check_runner, tmp_path, setup):
    result = check_runner.run(*make_step(tmp_path, SETUPS[setup], LISTS_SAVED_ARTICLES))
    assert result.passed, result.to_dict()


def test_the_learner_database_file_is_never_written_by_a_check(check_runner, tmp_path):
    files = {
        "models.py": """
            from peewee import CharField, Model, SqliteDatabase

            db = SqliteDatabase('blog.db')


            class Article(Model):
                title = CharField()

                class Meta:
                    database = db
        """,
        # A second database object on the same file, which the app opens for every request.
        "app.py": "from bottle import Bottle\nfrom peewee import SqliteDatabase\nfrom models import Article\n\n"
                  "db = SqliteDatabase('blog.db')\n" + LIST_ROUTE + """

@app.hook('before_request')
def open_db():
    db.connect()


@app.hook('after_request')
def close_db():
    db.close()
""",
    }
    check = LISTS_SAVED_ARTICLES + """
    def test_blog_db_is_untouched(db, client, workspace):
        client.get('/')
        assert not (workspace / 'blog.db').exists(), 'the check wrote into the learner file'

    def test_blog_db_is_untouched_when_the_app_was_imported_first(client, db, workspace):
        db.Article.create(title='First post')
        assert client.get('/').text == 'First post'
        assert not (workspace / 'blog.db').exists(), 'the check wrote into the learner file'
    """
    result = check_runner.run(*make_step(tmp_path, files, check))
    assert result.passed, result.to_dict()


def test_a_model_without_a_database_is_one_sentence_naming_what_was_looked_for(check_runner, tmp_path):
    files = {
        "models.py": "from peewee import CharField, Model\n" + ARTICLE.format(base="Model"),
        "app.py": "from bottle import Bottle\nfrom models import Article\n" + LIST_ROUTE,
    }
    result = check_runner.run(*make_step(tmp_path, files, LISTS_SAVED_ARTICLES))
    assert not result.passed
    message = result.failures[0].message
    assert message.startswith("Your Article model is not connected to a database"), message
    for looked_for in ("class Meta", "database = db", "bind", "models.py", "app.py"):
        assert looked_for in message, message


FILE_DB = {
    "models.py": """
        from peewee import CharField, Model, SqliteDatabase

        db = SqliteDatabase('blog.db')
        STARTS = []


        class Article(Model):
            title = CharField()

            class Meta:
                database = db


        def create_tables():
            STARTS.append(1)
            db.create_tables([Article], safe=True)
    """,
    "app.py": "from bottle import Bottle\nfrom models import Article, create_tables\n\ncreate_tables()\n" + LIST_ROUTE,
}


def test_restart_brings_a_fresh_app_back_on_the_same_database(check_runner, tmp_path):
    check = """
    import sys

    def test_rows_survive_a_restart(db, client, restart):
        db.Article.create(title='Kept')
        first_models = sys.modules['models']
        assert first_models.STARTS == [1]
        client = restart()
        assert sys.modules['models'] is not first_models, 'models.py was not imported again'
        assert sys.modules['models'].STARTS == [1], 'the fresh models module starts afresh'
        assert db.Article is sys.modules['models'].Article, 'db.Article is the freshly imported class'
        assert db.Article.select().count() == 1
        assert client.get('/').text == 'Kept'
        assert not db.in_memory

    def test_the_app_makes_its_own_tables_again_on_restart(db, restart):
        db.database.drop_tables([db.Article])
        client = restart()
        assert db.Article.table_exists(), 'the app called create_tables() when it started'
        assert client.get('/').text == ''
    """
    result = check_runner.run(*make_step(tmp_path, FILE_DB, check))
    assert result.passed, result.to_dict()
    assert not (tmp_path / "workspace" / "blog.db").exists()


@pytest.mark.parametrize("opened", [
    "SqliteDatabase(':memory:')",
    "SqliteDatabase('file::memory:', uri=True)",
    "connect('sqlite:///:memory:')",
])
def test_a_database_in_memory_stays_in_memory_and_is_empty_after_restart(check_runner, tmp_path, opened):
    files = {
        "models.py": f"""
            from peewee import CharField, Model, SqliteDatabase
            from playhouse.db_url import connect

            db = {opened}


            class Article(Model):
                title = CharField()

                class Meta:
                    database = db
        """,
        "app.py": "from bottle import Bottle\nfrom models import Article\n" + LIST_ROUTE,
    }
    check = """
    def test_rows_are_gone_after_restart(db, restart, client):
        assert db.in_memory
        db.Article.create(title='Lost')
        assert client.get('/').text == 'Lost'
        client = restart()
        assert db.Article.select().count() == 0
        assert client.get('/').text == ''
    """
    result = check_runner.run(*make_step(tmp_path, files, check))
    assert result.passed, result.to_dict()
