"""Checks for "Hash the passwords": create_user.py saves an author with a salted scrypt hash.

The check runs the learner's create_user.py the way the Terminal would, answering its questions
(input() and getpass.getpass()), on the check's own temporary database. It watches hashlib.scrypt,
then reads the saved row and tries every fast hash an attacker would try first.
"""

import base64
import builtins
import getpass
import hashlib
import hmac
import re
import runpy
import sys

import pytest

PASSWORD = "correct-horse-7Q"
MIN_MEMORY = 16 * 1024 * 1024  # 128 * n * r bytes: n=2**14 with r=8, like Django's scrypt setting


@pytest.fixture
def scrypt_calls(monkeypatch):
    """Every call of hashlib.scrypt while the check runs: (password, salt, n, r, p)."""
    calls = []
    real = hashlib.scrypt

    def recording(password, **options):
        digest = real(password, **options)
        calls.append((bytes(password), bytes(options.get("salt", b"")), options.get("n", 0), options.get("r", 0),
                      options.get("p", 0)))
        return digest

    monkeypatch.setattr(hashlib, "scrypt", recording)
    return calls


@pytest.fixture
def add_author(scrypt_calls, db, workspace, monkeypatch):
    """add_author(username, password): run create_user.py and return the saved row's stored texts."""
    User = db.models.get("User")
    if User is None or "username" not in User._meta.fields:
        pytest.fail("There is no User model with a username field any more: keep it in models.py.", pytrace=False)
    script = workspace / "create_user.py"
    if not script.is_file():
        pytest.fail("There is no create_user.py in your lesson folder yet. Make it with New file in the Files panel.",
                    pytrace=False)

    def run(username, password):
        with monkeypatch.context() as patch:
            patch.setattr(builtins, "input", lambda prompt="": password if "pass" in str(prompt).lower() else username)
            patch.setattr(getpass, "getpass", lambda prompt="", stream=None: password)
            patch.setattr(sys, "argv", [str(script), username])
            try:
                runpy.run_path(str(script), run_name="__main__")
            except SystemExit:
                pass
        user = User.get_or_none(User.username == username)
        assert user is not None, (
            f"Running python create_user.py and answering '{username}' and a password saved no user called "
            f"'{username}'. Ask for the name with input(...) and the password with getpass.getpass(...), then "
            "save User.create(username=..., password_hash=hash_password(password)). If all that is in a function, "
            "call it at the end of the file, under if __name__ == \"__main__\":.")
        return stored_texts(user)

    return run


def stored_texts(user):
    """Every value the row keeps besides its id and username, as text."""
    texts = []
    for name in user._meta.fields:
        if name in ("id", "username"):
            continue
        value = getattr(user, name)
        if isinstance(value, (bytes, bytearray, memoryview)):
            texts += [bytes(value).hex(), base64.b64encode(bytes(value)).decode()]
        elif value is not None:
            texts.append(str(value))
    return texts


def decodings(part):
    """The bytes a stored piece of text could stand for: itself, hex, base64."""
    found = {part.encode()}
    try:
        found.add(bytes.fromhex(part))
    except ValueError:
        pass
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            found.add(decode(part + "=" * (-len(part) % 4)))
        except ValueError:
            pass
    return found


def fast_hash_of(password, texts):
    """The name of a fast hash (md5, sha256, ...) of the password, with or without a salt, found in texts."""
    parts = set(texts)
    for text in texts:
        parts.update(piece for piece in re.split(r"[$:;,.|\s]+", text) if piece)
    salts = {b""}
    for part in parts:
        salts.update(decodings(part))
    secret = password.encode()
    messages = {secret} | {salt + secret for salt in salts} | {secret + salt for salt in salts}
    shown = {part.lower() for part in parts} | {part.rstrip("=") for part in parts}
    for name in sorted(hashlib.algorithms_guaranteed):
        if name.startswith("shake"):
            continue
        digests = [hashlib.new(name, message).digest() for message in messages]
        digests += [hmac.new(salt, secret, name).digest() for salt in salts if salt]
        for digest in digests:
            forms = {digest.hex(), base64.b64encode(digest).decode().rstrip("="),
                     base64.urlsafe_b64encode(digest).decode().rstrip("=")}
            if forms & shown:
                return name
    return None


def test_create_user_saves_an_author(add_author):
    """python create_user.py saves an author"""
    add_author("ada", PASSWORD)


def test_password_is_not_stored(add_author):
    """The password itself is not stored"""
    texts = add_author("ada", PASSWORD)
    assert not any(PASSWORD in text for text in texts), (
        "The user row holds the password as it was typed. Anyone who sees the database (a backup, a stolen laptop) "
        "would read every password. Store hash_password(password) instead, never the password.")


def test_no_fast_hash(add_author):
    """The password is not kept with a fast hash like sha256 or md5"""
    texts = add_author("ada", PASSWORD)
    name = fast_hash_of(PASSWORD, texts)
    assert name is None, (
        f"The stored hash is a plain {name} of the password (salted or not). A graphics card computes billions of "
        f"those a second, so stolen hashes are cracked in minutes. Use hashlib.scrypt, which is slow and needs "
        "a lot of memory on purpose.")


def test_scrypt_with_real_cost(add_author, scrypt_calls):
    """The hash is made with scrypt, with a real memory cost"""
    add_author("ada", PASSWORD)
    mine = [call for call in scrypt_calls if PASSWORD.encode() in call[0]]
    assert mine, (
        "Saving an author never called hashlib.scrypt with the password. Hash it in hash_password with "
        "hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1): a memory-hard function, so that "
        "guessing passwords on fast hardware stays expensive.")
    _, _, n, r, _ = mine[-1]
    assert 128 * n * r >= MIN_MEMORY, (
        f"scrypt runs with n={n} and r={r}, so each guess needs only {128 * n * r // 1024} KB of memory and is "
        "cheap to repeat billions of times. Use at least n=2**14 with r=8 (16 MB per hash).")


def test_same_password_different_hashes(add_author, scrypt_calls):
    """Two authors with the same password get different hashes"""
    first = add_author("ada", PASSWORD)
    second = add_author("grace", PASSWORD)
    assert first != second, (
        "ada and grace chose the same password and got exactly the same stored hash, so whoever cracks one has "
        "both, and a precomputed table cracks them all. Give every password its own random salt, "
        "secrets.token_bytes(16), and store it next to the hash.")
    salts = [call[1] for call in scrypt_calls if PASSWORD.encode() in call[0]]
    assert all(len(salt) >= 16 for salt in salts), (
        "The salt given to scrypt is shorter than 16 bytes. Make it with secrets.token_bytes(16).")
    assert all(len(salt.replace(name.encode(), b"")) >= 16 for salt in salts for name in ("ada", "grace")), (
        "The salt is made from the username, so anyone can compute it in advance. Use a random salt: "
        "secrets.token_bytes(16).")


def test_taken_name_is_refused_politely(add_author, db, monkeypatch, workspace):
    """A name that is taken gets a message, not a crash"""
    add_author("ada", PASSWORD)
    try:
        add_author("ada", "another-password-9")
    except AssertionError:
        raise
    except Exception as error:  # noqa: BLE001 - the learner's script crashed
        pytest.fail(f"Running create_user.py for a name that already exists crashed with {type(error).__name__}: "
                    f"{error}. Catch peewee's IntegrityError around User.create(...) and say the name is taken, "
                    "for example with sys.exit(\"There is already an author called ...\").", pytrace=False)
    User = db.models["User"]
    assert User.select().where(User.username == "ada").count() == 1, "There are now two authors called ada."
