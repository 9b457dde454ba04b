"""On a shared computer the instructor's actions (the gradebook, importing reports, removing packs)
can be locked behind a passphrase set on first use, kept only as a scrypt hash, with a clear way in
(unlock) and out (lock now, it runs out, remove it, or `sandbox instructor forget`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.classroom import lock, reports
from sandbox.launch.cli import main
from sandbox.packs.install import install_pack
from sandbox.store.preferences import get_preference

PRACTICE = Path(__file__).parent / "fixtures" / "packs" / "practice"
PASSPHRASE = "correct horse battery"


@pytest.fixture
def pack(settings):
    return install_pack(PRACTICE, settings.packs_dir).pack


@pytest.fixture
def classroom(client, pack):
    """Two learners' reports imported while nothing is locked."""
    files = [("reports", f"{name}.json", json.dumps(reports.build_report(1, name, pack)).encode())
             for name in ("Ada Pupil", "Bob Pupil")]
    client.post("/instructor/import", {"csrf_token": client.csrf}, upload_files=files)
    return client


def set_passphrase(client, passphrase=PASSPHRASE, again=None, status=200):
    return client.post("/instructor/passphrase", {"passphrase": passphrase, "again": again or passphrase,
                                                  "csrf_token": client.csrf}, status=status)


def another_browser(client, settings):
    """The same computer's window after the instructor left: the session, but no unlock."""
    client.reset()
    client.get(f"/?token={settings.token}", status=303)
    return client


def test_nothing_is_locked_until_a_passphrase_is_set(classroom):
    page = classroom.get("/instructor").text
    assert "Ada Pupil" in page and "Lock with this passphrase" in page
    assert "Remove" in classroom.get("/packs").text
    assert classroom.get("/instructor/class.csv").status_int == 200


@pytest.mark.parametrize("passphrase, again, words", [
    ("short", "short", "at least 8 characters"),
    (PASSPHRASE, PASSPHRASE + "!", "not the same"),
    (" " * 12, " " * 12, "only spaces"),
])
def test_a_passphrase_that_will_not_do_is_refused_with_a_sentence(classroom, passphrase, again, words):
    r = set_passphrase(classroom, passphrase, again, status=400)
    assert words in r.text and not lock.is_set()


def test_the_passphrase_is_kept_only_as_a_scrypt_hash(classroom):
    r = set_passphrase(classroom)
    assert "The instructor passphrase is set" in r.text and "Ada Pupil" in r.text  # still unlocked here
    stored = get_preference(lock.KEY)
    assert stored.startswith("scrypt$16384$8$1$") and PASSPHRASE not in stored
    assert lock.matches(stored, PASSPHRASE) and not lock.matches(stored, PASSPHRASE.upper())
    assert lock.hash_passphrase(PASSPHRASE) != lock.hash_passphrase(PASSPHRASE)  # a fresh salt each time


def test_once_locked_a_pupil_sees_no_grades_and_cannot_remove_packs(classroom, settings):
    set_passphrase(classroom)
    pupil = another_browser(classroom, settings)
    page = pupil.get("/instructor").text
    assert "Unlock" in page and "Ada Pupil" not in page and "Bob Pupil" not in page
    for method, path, fields in [("post", "/instructor/import", {}), ("get", "/instructor/class.csv", None),
                                 ("post", "/instructor/clear", {}), ("post", "/packs/practice/remove", {})]:
        if method == "post":
            r = pupil.post(path, {**fields, "csrf_token": pupil.csrf}, status=403)
        else:
            r = pupil.get(path, status=403)
        assert "is for the instructor: unlock it with the instructor passphrase" in r.text, path
        assert "Ada Pupil" not in r.text
    packs_page = pupil.get("/packs").text
    assert "locked for the instructor" in packs_page and 'action="/packs/practice/remove"' not in packs_page
    assert (settings.packs_dir / "practice").is_dir()


def test_the_way_in_and_the_way_out(classroom, settings):
    set_passphrase(classroom)
    browser = another_browser(classroom, settings)
    wrong = browser.post("/instructor/unlock", {"passphrase": "guess guess", "csrf_token": browser.csrf}, status=403)
    assert "That is not the instructor passphrase" in wrong.text and "Ada Pupil" not in wrong.text
    right = browser.post("/instructor/unlock", {"passphrase": PASSPHRASE, "csrf_token": browser.csrf})
    assert "Unlocked" in right.text and "Ada Pupil" in right.text
    assert "Ada Pupil" in browser.get("/instructor/class.csv").text
    assert 'action="/packs/practice/remove"' in browser.get("/packs").text
    out = browser.post("/instructor/lock", {"csrf_token": browser.csrf})
    assert "Locked." in out.text and "Ada Pupil" not in out.text
    assert browser.get("/instructor/class.csv", status=403)


def test_an_unlock_runs_out_and_ends_when_the_passphrase_changes(classroom, settings):
    set_passphrase(classroom)
    value = lock.unlock_value(settings.token)
    assert lock.is_unlocked(settings.token, value)
    assert not lock.is_unlocked(settings.token, value, now=10**10)  # long after
    assert not lock.is_unlocked("another launch's token", value)
    assert not lock.is_unlocked(settings.token, "9999999999.forged")
    set_passphrase(classroom, "a new passphrase here")
    assert not lock.is_unlocked(settings.token, value)


def test_removing_the_passphrase_needs_the_current_one(classroom, settings):
    set_passphrase(classroom)
    r = classroom.post("/instructor/passphrase/remove", {"passphrase": "not it at all", "csrf_token": classroom.csrf},
                       status=403)
    assert "type the current one" in r.text and lock.is_set()
    r = classroom.post("/instructor/passphrase/remove", {"passphrase": PASSPHRASE, "csrf_token": classroom.csrf})
    assert "is removed" in r.text and not lock.is_set()
    assert "Ada Pupil" in another_browser(classroom, settings).get("/instructor").text


def test_a_locked_browser_cannot_change_or_remove_the_passphrase(classroom, settings):
    set_passphrase(classroom)
    pupil = another_browser(classroom, settings)
    set_passphrase(pupil, "pupil's own phrase", status=403)
    pupil.post("/instructor/passphrase/remove", {"passphrase": PASSPHRASE, "csrf_token": pupil.csrf}, status=403)
    assert lock.verify(PASSPHRASE)


def test_a_forgotten_passphrase_is_removed_from_the_command_line(classroom, settings, store, capsys):
    set_passphrase(classroom)
    assert main(["instructor", "forget", "--data-dir", str(settings.data_dir)]) == 0
    assert "is removed" in capsys.readouterr().out
    store.activate()
    assert not lock.is_set()
    assert main(["instructor", "forget", "--data-dir", str(settings.data_dir)]) == 0
    assert "There was no instructor passphrase" in capsys.readouterr().out
