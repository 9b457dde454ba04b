"""The instructor's passphrase: on a shared computer, the instructor's actions (the gradebook,
importing reports, removing packs) can be locked so pupils cannot remove a pack or read each
other's grades.

The passphrase is set on the Instructor page the first time the instructor wants it, and kept only
as a memory-hard hash (``hashlib.scrypt``, 16 MiB and a random salt per passphrase) in the data
folder's preferences. Unlocking lasts a while (``UNLOCK_MINUTES`` after the last instructor action)
or until "Lock now". This keeps pupils out of the pages; it does not protect the data folder from
someone who can run commands or read files as the same user (``sandbox instructor forget`` removes
the passphrase from the command line).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from sandbox.errors import BadRequest, Refused
from sandbox.store.models import Preference
from sandbox.store.preferences import get_preference, set_preference

KEY = "instructor_passphrase"
MIN_LENGTH = 8
MAX_LENGTH = 1024  # scrypt reads all of it; a page never needs more
UNLOCK_MINUTES = 20
_N, _R, _P, _LENGTH = 2**14, 8, 1, 32  # n * r * 128 bytes = 16 MiB of memory per try


def is_set() -> bool:
    """Is there an instructor passphrase (so the instructor's actions are locked)?"""
    return bool(get_preference(KEY))


def hash_passphrase(passphrase: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex), the form the passphrase is kept in."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_LENGTH,
                            maxmem=64 * 1024 * 1024)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def matches(stored: str, passphrase: str) -> bool:
    """Does ``passphrase`` match the kept hash ``stored``? Compared in constant time."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt" or len(passphrase) > MAX_LENGTH:
            return False
        given = hashlib.scrypt(passphrase.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(bytes.fromhex(digest)), maxmem=64 * 1024 * 1024)
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(given, bytes.fromhex(digest))


def verify(passphrase: str) -> bool:
    stored = get_preference(KEY)
    return bool(stored) and matches(stored, passphrase or "")


def choose(passphrase: str, again: str) -> None:
    """Set (or change) the passphrase; BadRequest with a sentence when it will not do."""
    passphrase = passphrase or ""
    if len(passphrase) < MIN_LENGTH:
        raise BadRequest(f"Choose a passphrase of at least {MIN_LENGTH} characters (a few words are easy to remember).")
    if len(passphrase) > MAX_LENGTH:
        raise BadRequest(f"That passphrase is longer than {MAX_LENGTH} characters; choose a shorter one.")
    if passphrase != (again or ""):
        raise BadRequest("The two passphrases are not the same; type it twice, the same way.")
    if not passphrase.strip():
        raise BadRequest("A passphrase of only spaces is too easy to guess; choose some words.")
    set_preference(KEY, hash_passphrase(passphrase))


def forget() -> bool:
    """Remove the passphrase (the instructor's actions are open again); True when there was one."""
    return Preference.delete().where(Preference.key == KEY).execute() > 0


# -- an unlocked browser session: a signed expiry in a cookie ------------------------------------

def fingerprint() -> str:
    """Changes whenever the passphrase is set, changed or removed, which ends every unlock."""
    return hashlib.sha256((get_preference(KEY) or "").encode()).hexdigest()[:16]


def unlock_value(secret: str, *, now: float | None = None) -> str:
    """The cookie value that says this browser is unlocked until ``UNLOCK_MINUTES`` from now."""
    until = int((now or time.time()) + UNLOCK_MINUTES * 60)
    return f"{until}.{_sign(secret, until)}"


def is_unlocked(secret: str, value: str | None, *, now: float | None = None) -> bool:
    """Is the cookie ``value`` a valid unlock for the current passphrase that has not run out?"""
    try:
        until_text, signature = (value or "").split(".", 1)
        until = int(until_text)
    except ValueError:
        return False
    return until > (now or time.time()) and hmac.compare_digest(signature, _sign(secret, until))


def _sign(secret: str, until: int) -> str:
    return hmac.new(secret.encode(), f"instructor:{until}:{fingerprint()}".encode(), hashlib.sha256).hexdigest()


def refuse(action: str) -> None:
    """Raise Refused: ``action`` (like "Removing a pack") needs the instructor to unlock first."""
    raise Refused(f"{action} is for the instructor: unlock it with the instructor passphrase on the Instructor page.")
