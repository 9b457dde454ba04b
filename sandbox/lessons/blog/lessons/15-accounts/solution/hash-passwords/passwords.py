"""Passwords are stored as scrypt hashes: slow to compute and hungry for memory, on purpose."""

import hashlib
import hmac
import secrets

# scrypt's cost settings: with n=2**14 and r=8 one hash needs 16 MB of memory (128 * n * r bytes).
N, R, P = 2**14, 8, 1


def hash_password(password):
    """The text to store for a password: the settings, a fresh random salt and the hash, joined by $."""
    salt = secrets.token_bytes(16)  # new random bytes for every password
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def check_password(password, stored):
    """True when password is the one that stored (a text made by hash_password) was made from."""
    try:
        name, n, r, p, salt, digest = stored.split("$")
        n, r, p, salt, digest = int(n), int(r), int(p), bytes.fromhex(salt), bytes.fromhex(digest)
    except ValueError:
        return False
    # The settings come from the stored text, so old hashes still work after you raise N.
    candidate = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p,
                               maxmem=256 * n * r * p, dklen=len(digest))
    return name == "scrypt" and hmac.compare_digest(candidate, digest)
