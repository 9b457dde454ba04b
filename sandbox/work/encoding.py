"""Which text encoding a learner's file is in: UTF-8 (with or without a byte order mark), or the
encoding another editor saved it in (Windows-1252, Latin-1, UTF-16), or not text at all.

The editor, history, the checks and the preview all read files through ``decode``, so a file
saved elsewhere is recognised, named and converted the same way everywhere. Standard library only:
the check and preview children import it before any learner folder is on sys.path.
"""

from __future__ import annotations

import codecs
import unicodedata

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
# What each encoding is called in a sentence a learner reads.
NAMES = {UTF8: "UTF-8", UTF8_BOM: "UTF-8 (with a byte order mark)", "cp1252": "Windows-1252 (cp1252)",
         "latin-1": "Latin-1 (ISO-8859-1)", "utf-16": "UTF-16"}
MAX_CONTROL_SHARE = 0.01  # a text file has (almost) no control characters besides tabs and line ends


def decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, encoding) of a file's bytes; (None, None) when they are not text.

    A UTF-8 byte order mark is accepted and left out of the text (encoding ``utf-8-sig``); bytes
    that are not UTF-8 are read as Windows-1252, else Latin-1, when the result looks like text.
    """
    if data.startswith(codecs.BOM_UTF8):
        text = _as(data[len(codecs.BOM_UTF8):], UTF8, strict=False)
        return (text, UTF8_BOM) if text is not None else (None, None)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _as(data, "utf-16")
        return (text, "utf-16") if text is not None else (None, None)
    if b"\x00" in data:
        return None, None
    for encoding in (UTF8, "cp1252", "latin-1"):
        text = _as(data, encoding, strict=encoding != UTF8)
        if text is not None:
            return text, encoding
    return None, None


def _as(data: bytes, encoding: str, strict: bool = True) -> str | None:
    """The text, when ``data`` is in ``encoding``; a guessed encoding must also look like text."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return text if not strict or looks_like_text(text) else None


def looks_like_text(text: str) -> bool:
    """No NUL, and hardly any control characters (those a text editor never writes)."""
    if "\x00" in text:
        return False
    controls = sum(1 for c in text if c not in "\t\n\r\f\v\x1b" and unicodedata.category(c) == "Cc")
    return controls <= MAX_CONTROL_SHARE * max(len(text), 1)


def is_utf8(encoding: str | None) -> bool:
    """Is this an encoding every tool of the sandbox reads as it is (UTF-8, with or without a BOM)?"""
    return encoding in (UTF8, UTF8_BOM)


def name_of(encoding: str | None) -> str:
    return NAMES.get(encoding or "", encoding or "an unknown encoding")


def read_text(path) -> tuple[str | None, str | None]:
    """``decode`` of a file on disk; (None, None) when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return decode(handle.read())
    except OSError:
        return None, None


def not_utf8_sentence(rel: str, encoding: str | None, reader: str = "Python") -> str:
    """What to tell a learner whose file another editor saved in another encoding."""
    return (f"{rel} is saved in {name_of(encoding)}, not UTF-8, so {reader} cannot read it: click it in the "
            "file panel and convert it to UTF-8 (nothing is lost: the old text stays in History).")
