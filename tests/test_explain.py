"""What a learner reads when a check fails names the real cause: a missing import, a misspelt name
or keyword, a route indented into another function, a package the sandbox lacks, a file named like a
library, input() in a web app, a file in another encoding; Details shows only the learner's frames."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.checker import explain, slips
from sandbox.packs.format import Choice, Step, check_quiz
from tests.test_checker import HELLO_APP, make_step

GET_HOME = """
def test_home(client):
    '''The home page answers'''
    r = client.get('/', status='*')
    assert r.status_int == 200, f"Visiting / answered {r.status_int}."
"""

ABOUT_CHECK = """
def test_about(client):
    '''The about page answers'''
    client.get('/', status='*')
    r = client.get('/about', status='*')
    assert r.status_int != 404, 'Visiting /about gave a 404 (page not found). Add a route for "/about".'
"""

# A check written the way lesson checks often are: it catches any error and wraps it in its own words.
CATCHING_CHECK = """
import pytest

def test_home(client):
    '''The home page answers'''
    try:
        client.get('/')
    except NameError as error:
        pytest.fail(f"a template uses the name '{error.name}', but nobody gave it a value.", pytrace=False)
    except Exception as error:
        pytest.fail(f"Visiting / crashed with {type(error).__name__}: {error}", pytrace=False)
"""


def failure_of(check_runner, tmp_path, files, check=GET_HOME):
    result = check_runner.run(*make_step(tmp_path, files, check))
    assert not result.passed, result.to_dict()
    return result.failures[0]


def app_with(body: str, imports: str = "from bottle import Bottle") -> str:
    return f"{imports}\napp = Bottle()\n\n\n@app.route('/')\ndef home():\n    {body}\n"


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize("check", [GET_HOME, CATCHING_CHECK], ids=["uncaught", "caught-by-the-check"])
def test_a_name_used_without_its_import_says_which_import_is_missing(check_runner, tmp_path, check):
    failure = failure_of(check_runner, tmp_path, {"app.py": app_with("return template('index')")}, check)
    assert failure.message == "app.py line 7 uses template, which is never imported: add `from bottle import template`."
    assert (failure.file, failure.line) == ("app.py", 7)


@pytest.mark.parametrize("name, body, line", [
    ("abort", "abort(404)", "from bottle import abort"),
    ("redirect", "redirect('/x')", "from bottle import redirect"),
    ("request", "return request.query.q", "from bottle import request"),
    ("CharField", "return str(CharField())", "from peewee import CharField"),
    ("json", "return json.dumps([])", "import json"),
    ("secrets", "return secrets.token_hex(4)", "import secrets"),
    ("datetime", "return str(datetime.now())", "from datetime import datetime"),
])
def test_each_library_name_gets_its_own_import(check_runner, tmp_path, name, body, line):
    failure = failure_of(check_runner, tmp_path, {"app.py": app_with(body)})
    assert failure.message == f"app.py line 7 uses {name}, which is never imported: add `{line}`."


def test_an_import_below_the_use_is_told_to_move_up(check_runner, tmp_path):
    app = "app = Bottle()\nfrom bottle import Bottle\n\n@app.route('/')\ndef home():\n    return 'x'\n"
    failure = failure_of(check_runner, tmp_path, {"app.py": app})
    assert failure.message == "app.py line 1 uses Bottle before line 2 imports it: move that line above this one."


@pytest.mark.parametrize("app, words", [
    ("from bottle import Bottle\n\n@app.route('/')\ndef home():\n    return 'x'\n\napp = Bottle()\n",
     "app.py line 3 uses app before line 7 makes it: move that line above this one."),
    ("from bottle import Bottle\napp = Bottle()\n\n@app.route('/')\ndef home():\n    return str(db)\n\n"
     "if __name__ == '__main__':\n    db = 'blog.db'\n",
     "app.py line 6 uses db, but line 9 makes it under if __name__ == \"__main__\":"),
    ("from bottle import Bottle\napp = Bottle()\n\ndef setup():\n    from bottle import template\n\n"
     "@app.route('/')\ndef home():\n    return template('x')\n",
     "app.py line 9 uses template, but line 5 imports it inside the function setup()"),
    ("from bottle import route\n\n@app.route('/')\ndef home():\n    return 'x'\n",
     "app.py line 3 uses app, which is not made yet: add app = Bottle() above your routes"),
    ("from bottle import Bottle\napp = Bottle()\n\n@app.route('/')\ndef home():\n    return f'Hello {name}'\n",
     "app.py line 6 uses the name name, which is not defined there"),
    ("from bottle import Bottle\napp = Bottle()\n\n@app.route('/')\ndef home():\n    return search\n",
     "app.py line 6 uses the name search, which is not defined there"),
])
def test_a_name_the_file_makes_out_of_reach_or_never_is_told_where(check_runner, tmp_path, app, words):
    failure = failure_of(check_runner, tmp_path, {"app.py": app})
    assert failure.message.startswith(words), failure.message


def test_a_name_missing_from_a_template_is_told_as_a_template_variable(check_runner, tmp_path):
    files = {"app.py": app_with("return template('index')", "from bottle import Bottle, template"),
             "views/index.tpl": "<h1>Blog</h1>\n<p>{{title}}</p>\n"}
    for check in (GET_HOME, CATCHING_CHECK):
        failure = failure_of(check_runner, tmp_path, files, check)
        assert "template" in failure.message and "'title'" in failure.message or "title" in failure.message
        assert "import" not in failure.message
    failure = failure_of(check_runner, tmp_path, files)
    assert failure.message.startswith("views/index.tpl line 2: the template uses the name title, but nobody gave it")


def test_a_misspelt_name_gets_pythons_suggestion(check_runner, tmp_path):
    app = "from bottle import Bottle, route\napp = Bottle()\n\n\n@rout('/')\ndef home():\n    return 'x'\n"
    failure = failure_of(check_runner, tmp_path, {"app.py": app})
    assert failure.message == "app.py line 5 uses rout, which is not defined: did you mean route?"


def test_a_misspelt_name_that_is_not_imported_gets_the_library_name(check_runner, tmp_path):
    failure = failure_of(check_runner, tmp_path, {"app.py": app_with("return templat('index')")})
    assert failure.message == "app.py line 7 uses templat, which is not defined: did you mean template (`from bottle import template`)?"


def test_a_misspelt_attribute_gets_pythons_suggestion(check_runner, tmp_path):
    app = "from bottle import Bottle\napp = Bottle()\n\n\n@app.rout('/')\ndef home():\n    return 'x'\n"
    failure = failure_of(check_runner, tmp_path, {"app.py": app})
    assert failure.message == "app.py line 5: app has no attribute rout; did you mean app.route?"


@pytest.mark.parametrize("line, word, meant", [
    ("retrun 'Hello'", "retrun", "return"),
    ("improt os", "improt", "import"),
    ("pass\nform bottle import template", "form", "from"),
    ("pass\nfrom bottle improt template", "improt", "import"),
    ("whiel True:\n        pass", "whiel", "while"),
])
def test_a_misspelt_keyword_is_named(check_runner, tmp_path, line, word, meant):
    failure = failure_of(check_runner, tmp_path, {"app.py": app_with(line)})
    assert failure.message.endswith(f": {word} is not a Python word; did you mean {meant}?"), failure.message
    assert "colon or bracket" not in failure.message


def test_a_real_missing_colon_still_says_so(check_runner, tmp_path):
    failure = failure_of(check_runner, tmp_path, {"app.py": "from bottle import Bottle\napp = Bottle()\ndef home()\n    return 'x'\n"})
    assert failure.message.startswith("app.py line 3: Python could not read this line") and "colon" in failure.message


# --- routes ---------------------------------------------------------------------------------------


def test_a_route_indented_into_another_function_is_named(check_runner, tmp_path):
    app = HELLO_APP + "\n    @app.route('/about')\n    def about():\n        return 'About'\n"
    failure = failure_of(check_runner, tmp_path, {"app.py": app}, ABOUT_CHECK)
    assert failure.message == ("app.py line 9: the route for /about is inside the function home(), so it only exists "
                               "while home() runs: move @app.route(\"/about\") and its function back to the left margin.")


def test_a_route_under_the_main_guard_is_named(check_runner, tmp_path):
    app = HELLO_APP + "\nif __name__ == '__main__':\n    @app.route('/about')\n    def about():\n        return 'About'\n"
    failure = failure_of(check_runner, tmp_path, {"app.py": app}, ABOUT_CHECK)
    assert failure.message.startswith("app.py line 10: the route for /about is inside if __name__ == \"__main__\":")


def test_a_route_without_its_leading_slash_is_told_to_add_it(check_runner, tmp_path):
    app = HELLO_APP + "\n@app.route('about')\ndef about():\n    return 'About'\n"
    failure = failure_of(check_runner, tmp_path, {"app.py": app}, ABOUT_CHECK)
    assert "with the slash at the start" in failure.message and failure.message.startswith("app.py line 9:")


def test_a_missing_route_is_not_blamed_on_a_slash(check_runner, tmp_path):
    failure = failure_of(check_runner, tmp_path, {"app.py": HELLO_APP}, ABOUT_CHECK)
    assert failure.message == 'Visiting /about gave a 404 (page not found). Add a route for "/about".'


# --- packages, files named like libraries, input() ------------------------------------------------------


def test_a_real_package_that_is_not_installed_says_so(check_runner, tmp_path):
    failure = failure_of(check_runner, tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    assert failure.message.startswith("app.py line 1: flask is Flask, a real package, but it is not installed in the sandbox")
    assert "spelled" not in failure.message


def test_a_misspelt_package_gets_the_close_name(check_runner, tmp_path):
    failure = failure_of(check_runner, tmp_path, {"app.py": "from botle import Bottle\napp = Bottle()\n"})
    assert failure.message == "app.py line 1: there is no module called botle: is the name spelled right? Did you mean bottle?"


def test_a_misspelt_name_imported_from_a_library_gets_the_close_name(check_runner, tmp_path):
    failure = failure_of(check_runner, tmp_path, {"app.py": app_with("return 'x'", "from bottle import Bottle, templat")})
    assert failure.message == "app.py line 1: bottle has nothing called templat to import. Did you mean template?"


def test_a_file_named_like_a_library_is_named_when_a_check_fails(check_runner, tmp_path):
    files = {"app.py": "import bottle\napp = bottle.Bottle()\n\n@app.route('/')\ndef home():\n    return bottle.hello()\n",
             "bottle.py": "from bottle import *\ndef hello():\n    return 'Hello'\n"}
    failure = failure_of(check_runner, tmp_path, files)
    assert failure.message.startswith("Your folder has bottle.py, a file with the same name as the library bottle; "
                                      "the sandbox uses the real bottle, so rename your file.")


def test_input_in_a_web_app_says_to_read_the_request(check_runner, tmp_path):
    failure = failure_of(check_runner, tmp_path, {"app.py": app_with("return input('Name? ')")})
    assert failure.message.startswith("app.py line 7 calls input(), which waits for someone typing at a keyboard")
    assert "request.forms" in failure.message


# --- encodings ----------------------------------------------------------------------------------------------


def test_a_python_file_in_windows_1252_names_its_encoding(check_runner, tmp_path):
    workspace, checks = make_step(tmp_path, {}, GET_HOME)
    (workspace / "app.py").write_bytes(app_with("return 'Café'").encode("cp1252"))
    failure = check_runner.run(workspace, checks).failures[0]
    assert failure.message.startswith("app.py is saved in Windows-1252 (cp1252), not UTF-8, so Python cannot read it")
    assert "colon" not in failure.message


def test_a_template_in_windows_1252_names_its_encoding(check_runner, tmp_path):
    workspace, checks = make_step(tmp_path, {"app.py": app_with("return template('index')", "from bottle import Bottle, template")}, GET_HOME)
    (workspace / "views").mkdir()
    (workspace / "views" / "index.tpl").write_bytes("<p>Café</p>".encode("cp1252"))
    failure = check_runner.run(workspace, checks).failures[0]
    assert failure.message.startswith("views/index.tpl is saved in Windows-1252 (cp1252), not UTF-8, so Bottle cannot read it")


def test_files_with_a_utf8_byte_order_mark_work_like_any_other(check_runner, tmp_path):
    check = GET_HOME + "\n    assert r.text.startswith('<html>') and 'Hi' in r.text, repr(r.text)\n"
    workspace, checks = make_step(tmp_path, {}, check)
    bom = b"\xef\xbb\xbf"
    (workspace / "app.py").write_bytes(bom + app_with("return template('index')", "from bottle import Bottle, template").encode())
    (workspace / "views").mkdir()
    (workspace / "views" / "index.tpl").write_bytes(bom + b"% rebase('layout')\n<p>Hi</p>\n")
    (workspace / "views" / "layout.tpl").write_bytes(bom + b"<html>{{!base}}</html>\n")
    result = check_runner.run(workspace, checks)
    assert result.passed, result.to_dict()


# --- details and SQL ----------------------------------------------------------------------------------------


def test_details_show_only_the_learners_frames(check_runner, tmp_path):
    failure = failure_of(check_runner, tmp_path, {"app.py": app_with("return {}['missing']")})
    assert 'File "app.py", line 7, in home' in failure.detail and failure.detail.rstrip().endswith("KeyError: 'missing'")
    for foreign in ("bottle.py", "site-packages", "_pytest", "pluggy", "sandbox/checker", "test_step.py"):
        assert foreign not in failure.detail


def test_details_of_a_failed_assertion_leave_pytests_explanation_out(check_runner, tmp_path):
    failure = failure_of(check_runner, tmp_path, {"app.py": HELLO_APP}, ABOUT_CHECK)
    assert failure.detail == 'AssertionError: Visiting /about gave a 404 (page not found). Add a route for "/about".\n'


def test_a_peewee_sql_dump_is_cut_from_the_message(check_runner, tmp_path):
    app = app_with("return Note.get(Note.text == 'nope').text",
                   "from bottle import Bottle\nfrom peewee import SqliteDatabase, Model, CharField\n"
                   "db = SqliteDatabase(':memory:')\nclass Note(Model):\n    text = CharField()\n"
                   "    class Meta:\n        database = db\ndb.create_tables([Note])")
    failure = failure_of(check_runner, tmp_path, {"app.py": app}, CATCHING_CHECK)
    assert failure.message.startswith("Visiting / crashed with NoteDoesNotExist: <Model: Note> instance matching query does not exist")
    assert "SQL" not in failure.message and "Params" not in failure.message and "SELECT" not in failure.message
    assert "SELECT" not in failure.detail


def test_trim_sql_keeps_the_words_around_the_dump():
    text = ('Visiting /x crashed with DoesNotExist: Article instance matching query does not exist:\n'
            'SQL: SELECT "t1"."id", "t1"."title" FROM "article" AS "t1" WHERE ("t1"."slug" = ?) LIMIT ? OFFSET ?\n'
            "Params: ['x', 1, 0]. When no article matches, answer 404.")
    assert explain.trim_sql(text) == ("Visiting /x crashed with DoesNotExist: Article instance matching query does "
                                      "not exist. When no article matches, answer 404.")


# --- the quiz ----------------------------------------------------------------------------------------------


def quiz(correct=(True, True, True, False)) -> Step:
    choices = [Choice(text=f"Choice {i}", correct=c, explain=f"Note {i}") for i, c in enumerate(correct)]
    return Step(id="q", title="Q", kind="quiz", instructions=Path("q.md"), question="Which?", choices=choices,
                multiple=True)


def test_a_quiz_with_right_answers_missing_says_how_many():
    result = check_quiz(quiz(), [0, 1])
    assert not result.correct and result.summary == "You found 2 of the 3 right answers; one is still missing."


def test_a_quiz_with_a_wrong_extra_choice_names_it():
    result = check_quiz(quiz(), [0, 1, 2, 3])
    assert result.summary == "You found all 3 right answers, but \u201cChoice 3\u201d is not one of them."
    result = check_quiz(quiz(), [0, 3])
    assert result.summary == ("You found 1 of the 3 right answers; two are still missing, and \u201cChoice 3\u201d "
                              "is not one of them.")


def test_a_right_quiz_answer_has_no_summary_to_fix():
    assert check_quiz(quiz(), [0, 1, 2]).correct


def test_misspelt_keyword_spots_only_lines_that_start_with_one():
    assert slips.misspelt_keyword("dfe home():") == ("dfe", "def")
    assert slips.misspelt_keyword("clas Article(Model):") == ("clas", "class")
    assert slips.misspelt_keyword("form = request.forms") is None
    assert slips.misspelt_keyword("pritn('x')") is None


@pytest.mark.parametrize("name, line", [
    ("template", "from bottle import template"), ("abort", "from bottle import abort"),
    ("static_file", "from bottle import static_file"), ("response", "from bottle import response"),
    ("Model", "from peewee import Model"), ("fn", "from peewee import fn"),
    ("SqliteMigrator", "from playhouse.migrate import SqliteMigrator"),
    ("model_to_dict", "from playhouse.shortcuts import model_to_dict"),
    ("timedelta", "from datetime import timedelta"), ("token_hex", "from secrets import token_hex"),
    ("sha256", "from hashlib import sha256"), ("hmac", "import hmac"), ("re", "import re"), ("os", "import os"),
    ("my_helper", None),
])
def test_importable_names_the_import_line(name, line):
    assert slips.importable(name) == line


def test_a_route_with_a_slash_too_many_is_named_only_when_the_check_never_used_that_form(check_runner, tmp_path):
    app = HELLO_APP + "\n@app.route('/about/')\ndef about():\n    return 'About'\n"
    failure = failure_of(check_runner, tmp_path, {"app.py": app}, ABOUT_CHECK)
    assert failure.message.startswith("app.py line 9: the route is for /about/, with a slash at the end")
    both = ABOUT_CHECK.replace("client.get('/', status='*')", "client.get('/about/', status='*')")
    failure = failure_of(check_runner, tmp_path, {"app.py": app}, both)
    assert failure.message == 'Visiting /about gave a 404 (page not found). Add a route for "/about".'


# --- the preview says the same ------------------------------------------------------------------------------


@pytest.fixture
def preview(tmp_path):
    from sandbox.preview.manager import PreviewManager

    manager = PreviewManager()
    folder = tmp_path / "ws"
    folder.mkdir()
    yield manager, folder
    manager.close()


def started(manager, folder):
    from tests.conftest import wait_for

    manager.open(1, folder)
    return wait_for(lambda: (s := manager.status(1)) and s.state != "starting" and s, what="the app to start")


@pytest.mark.parametrize("app, words", [
    ("app = Bottle()\n", "app.py line 1 uses Bottle, which is never imported: add `from bottle import Bottle`."),
    ("from flask import Flask\n", "flask is Flask, a real package, but it is not installed in the sandbox"),
    ("from bottle import Bottle\napp = Bottle()\nname = input('Name? ')\n", "app.py line 3 calls input()"),
    ("from bottle import Bottle\napp = Bottle()\n@app.rout('/')\ndef home():\n    retrun 'x'\n",
     "app.py line 5: retrun is not a Python word; did you mean return?"),
])
def test_the_preview_explains_a_start_up_failure_like_a_check(preview, app, words):
    manager, folder = preview
    (folder / "app.py").write_text(app)
    status = started(manager, folder)
    assert status.state == "error" and words in status.error["message"], status.error


def test_the_preview_console_names_a_library_copy_and_an_indented_route(preview):
    from tests.conftest import wait_for

    manager, folder = preview
    (folder / "app.py").write_text(HELLO_APP + "\n    @app.route('/about')\n    def about():\n        return 'About'\n")
    (folder / "bottle.py").write_text("# an old copy of Bottle\n")
    assert started(manager, folder).state == "running"
    output = wait_for(lambda: "route for /about" in manager.output(1)[0] and manager.output(1)[0], what="the note")
    assert "Your folder has bottle.py, a file with the same name as the library bottle" in output
    assert "the route for /about is inside the function home()" in output


def test_the_preview_reads_templates_with_a_bom_and_names_another_encoding(preview):
    import urllib.error
    import urllib.request

    from tests.conftest import wait_for

    manager, folder = preview
    (folder / "app.py").write_text(HELLO_APP.replace("return 'Hello'", "return template('index')")
                                   .replace("import Bottle", "import Bottle, template")
                                   + "\n@app.route('/old')\ndef old():\n    return template('old')\n")
    (folder / "views").mkdir()
    (folder / "views" / "index.tpl").write_bytes(b"\xef\xbb\xbf% rebase('layout')\n<p>Hi</p>\n")
    (folder / "views" / "layout.tpl").write_bytes(b"<main>{{!base}}</main>\n")
    (folder / "views" / "old.tpl").write_bytes("<p>Café</p>".encode("cp1252"))
    status = started(manager, folder)
    with urllib.request.urlopen(status.url, timeout=5) as response:
        assert response.read().decode().strip() == "<main><p>Hi</p>\n</main>"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(status.url + "old", timeout=5)
    wait_for(lambda: "views/old.tpl is saved in Windows-1252 (cp1252)" in manager.output(1)[0], what="the console")


def test_a_check_keeps_its_own_words_about_a_value_that_is_none(check_runner, tmp_path):
    app = app_with("return Note.get_or_none(Note.text == 'nope').text",
                   "from bottle import Bottle\nfrom peewee import SqliteDatabase, Model, CharField\n"
                   "db = SqliteDatabase(':memory:')\nclass Note(Model):\n    text = CharField()\n"
                   "    class Meta:\n        database = db\ndb.create_tables([Note])")
    failure = failure_of(check_runner, tmp_path, {"app.py": app}, CATCHING_CHECK)
    assert failure.message == "Visiting / crashed with AttributeError: 'NoneType' object has no attribute 'text'"


def test_the_source_fixture_leaves_a_byte_order_mark_out(check_runner, tmp_path):
    check = "def test_source(source):\n    assert source('app.py').startswith('from bottle'), repr(source('app.py')[:3])\n"
    workspace, checks = make_step(tmp_path, {}, check)
    (workspace / "app.py").write_bytes(b"\xef\xbb\xbf" + HELLO_APP.strip().encode())
    result = check_runner.run(workspace, checks)
    assert result.passed, result.to_dict()


def test_the_lesson_page_says_how_many_right_answers_are_missing(client, settings, tmp_path):
    import shutil

    from sandbox.packs.install import install_pack
    from tests.support import FIXTURE_PACK, HELLO_STEP

    pack = tmp_path / "hello"
    shutil.copytree(FIXTURE_PACK, pack)
    lesson = pack / "lessons" / "01-first-routes" / "lesson.toml"
    lesson.write_text(lesson.read_text().replace('question = "What does @app.route(\\"/\\") do?"\n', (
        'question = "What does @app.route(\\"/\\") do?"\nmultiple = true\n\n[[steps.choices]]\n'
        'text = "It names the path it answers."\ncorrect = true\nexplain = "Yes."\n\n[[steps.choices]]\n'
        'text = "It ties a function to requests."\ncorrect = true\nexplain = "Yes, that too."\n')))
    from tests.test_lesson_pages import GOOD, check

    install_pack(pack, settings.packs_dir)
    client.get(HELLO_STEP)
    check(client, GOOD)  # the quiz unlocks once the code step before it passes
    quiz = HELLO_STEP.rsplit("/", 1)[0] + "/why-routes"
    page = client.post(quiz + "/quiz", [("choice", "0"), ("choice", "1"), ("choice", "3"), ("csrf_token", client.csrf)],
                       headers={"HX-Request": "true"}).text
    assert "You found 2 of the 3 right answers; one is still missing, and \u201cIt starts the web server.\u201d is not one of them." in page


NOTES = ("from bottle import Bottle\nfrom peewee import SqliteDatabase, Model, CharField\n"
         "db = SqliteDatabase(':memory:')\nclass Note(Model):\n    text = CharField(unique=True)\n"
         "    class Meta:\n        database = db\ndb.create_tables([Note])")


@pytest.mark.parametrize("body, imports, words", [
    ("return str(datetime.datetime.now())", "from bottle import Bottle\nfrom datetime import datetime",
     "app.py line 8: datetime here is the class datetime (from datetime import datetime), not the module"),
    ("return request.form.get('title')", "from bottle import Bottle, request",
     "app.py line 7: request has no attribute form; did you mean request.forms?"),
    ("return Note.get(Note.text == 'nope').text", NOTES,
     "app.py line 14: NoteDoesNotExist: <Model: Note> instance matching query does not exist. get() found nothing"),
    ("Note.create(text='a'); Note.create(text='a')", NOTES,
     "app.py line 14: IntegrityError: UNIQUE constraint failed: note.text. Another row already has this text"),
    ("return str(db.execute_sql('SELECT * FROM notes').fetchall())", NOTES,
     "app.py line 14: OperationalError: no such table: notes. There is no table notes in the database"),
])
def test_errors_whose_words_are_not_enough_get_what_to_do(check_runner, tmp_path, body, imports, words):
    failure = failure_of(check_runner, tmp_path, {"app.py": app_with(body, imports)})
    assert failure.message.startswith(words), failure.message
    assert "SQL:" not in failure.message


def test_a_circular_import_is_named(check_runner, tmp_path):
    files = {"app.py": "from bottle import Bottle\nfrom models import Note\napp = Bottle()\n",
             "models.py": "from app import app\nclass Note:\n    pass\n"}
    failure = failure_of(check_runner, tmp_path, files)
    assert "a circular import" in failure.message and failure.message.startswith("models.py line 1: app.py and")


def test_a_quiz_with_no_right_answer_yet_says_so():
    assert check_quiz(quiz(), [3]).summary == ("You found none of the 3 right answers yet, and \u201cChoice 3\u201d "
                                               "is not one of them.")


def test_the_source_fixture_names_a_file_in_another_encoding(check_runner, tmp_path):
    check = "def test_source(source):\n    assert 'Caf' in source('views/index.tpl')\n"
    workspace, checks = make_step(tmp_path, {"app.py": HELLO_APP}, check)
    (workspace / "views").mkdir()
    (workspace / "views" / "index.tpl").write_bytes("<p>Café</p>".encode("cp1252"))
    failure = check_runner.run(workspace, checks).failures[0]
    assert failure.message.startswith("views/index.tpl is saved in Windows-1252 (cp1252), not UTF-8, so the check cannot read it")


def test_two_letters_swapped_beat_two_letters_changed(check_runner, tmp_path):
    app = HELLO_APP.replace("from bottle import Bottle", "from bottle import Bottle, abort") + (
        "\n\n@app.route('/about')\ndef about():\n    abrot(404)\n")
    check = GET_HOME.replace("'/'", "'/about'")
    failure = failure_of(check_runner, tmp_path, {"app.py": app}, check)
    assert failure.message == "app.py line 12 uses abrot, which is not defined: did you mean abort?"


def test_a_wildcard_route_with_a_final_slash_is_not_blamed_for_a_page_that_needs_its_own_route(tmp_path):
    from sandbox.checker.explain import not_found_explanation

    (tmp_path / "app.py").write_text("from bottle import Bottle\napp = Bottle()\n\n"
                                     "@app.route('/blog/<slug>/')\ndef article(slug):\n    return slug\n")
    assert not_found_explanation(tmp_path, ["/blog/new"]) is None
    (tmp_path / "app.py").write_text("from bottle import Bottle\napp = Bottle()\n\n"
                                     "@app.route('/about/')\ndef about():\n    return 'About'\n")
    assert "with a slash at the end" in not_found_explanation(tmp_path, ["/about"])
