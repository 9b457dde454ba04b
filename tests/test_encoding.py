"""Files another editor saved in another encoding, or with a UTF-8 byte order mark: recognised and
named everywhere, offered for conversion in the editor, and nothing a learner wrote is lost."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from sandbox.errors import WorkspaceError
from sandbox.packs.install import install_pack
from sandbox.store.models import Learner
from sandbox.work import encoding, tree
from sandbox.work.workspace import (
    adopt_outside_edits,
    convert_to_utf8,
    ensure_started,
    history,
    open_workspace,
    read_file,
    save_file,
    text_hash,
)
from tests.support import FIXTURE_PACK, HELLO_STEP

TEXT = "# Café: a page about crème brûlée\nTITLE = 'Menu'\n"
BOM = codecs.BOM_UTF8


@pytest.mark.parametrize("data, text, name", [
    (TEXT.encode("utf-8"), TEXT, "utf-8"),
    (BOM + TEXT.encode("utf-8"), TEXT, "utf-8-sig"),
    (TEXT.encode("cp1252"), TEXT, "cp1252"),
    ("Prix: 5 €\n".encode("cp1252"), "Prix: 5 €\n", "cp1252"),
    (("café " * 40 + "\x81\n").encode("latin-1"), "café " * 40 + "\x81\n", "latin-1"),
    (TEXT.encode("utf-16"), TEXT, "utf-16"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, None),
    (bytes(range(0x80, 0x100)) * 4, None, None),
])
def test_decode_names_the_encoding_or_refuses_binary(data, text, name):
    assert encoding.decode(data) == (text, name)


def test_the_sentence_names_the_encoding():
    sentence = encoding.not_utf8_sentence("app.py", "cp1252")
    assert sentence.startswith("app.py is saved in Windows-1252 (cp1252), not UTF-8, so Python cannot read it")


@pytest.fixture
def ws(store, tmp_path):
    learner = Learner.select().first()
    found = open_workspace(tmp_path / "workspaces", learner.id, "web101", "01-hello")
    ensure_started(found, {"app.py": b"from bottle import Bottle\napp = Bottle()\n"})
    return found


def test_a_file_in_windows_1252_says_so_and_converts_without_losing_text(ws):
    (ws.path / "notes.py").write_bytes(TEXT.encode("cp1252"))
    with pytest.raises(WorkspaceError, match=r"saved in Windows-1252 \(cp1252\), not UTF-8: convert it"):
        read_file(ws, "notes.py")
    adopt_outside_edits(ws)  # the page does this on every visit: the text is in History at once
    assert history(ws, "notes.py")[0].content == TEXT
    convert_to_utf8(ws, "notes.py")
    assert (ws.path / "notes.py").read_bytes() == TEXT.encode("utf-8")
    assert read_file(ws, "notes.py") == TEXT
    assert history(ws, "notes.py")[0].reason == "converted"


def test_saving_over_a_file_in_another_encoding_keeps_its_text_first(ws):
    (ws.path / "notes.py").write_bytes(TEXT.encode("cp1252"))
    save_file(ws, "notes.py", "X = 1\n")
    kept = [v.content for v in history(ws, "notes.py")]
    assert kept[0] == "X = 1\n" and TEXT in kept


def test_a_byte_order_mark_is_accepted_and_kept(ws):
    (ws.path / "app.py").write_bytes(BOM + b"X = 1\n")
    assert read_file(ws, "app.py") == "X = 1\n"
    save_file(ws, "app.py", "X = 2\n", base=text_hash("X = 1\n"))
    assert (ws.path / "app.py").read_bytes() == BOM + b"X = 2\n"
    save_file(ws, "app.py", "X = 3\n", guard=True)  # no conflict: the disk holds what the sandbox wrote
    assert (ws.path / "app.py").read_bytes() == BOM + b"X = 3\n"


def test_deleting_a_file_in_another_encoding_keeps_its_text(ws):
    (ws.path / "notes.py").write_bytes(TEXT.encode("cp1252"))
    assert tree.delete(ws, "notes.py") == ["notes.py"]
    assert history(ws, "notes.py")[0].content == TEXT


# --- the editor's routes -------------------------------------------------------------------------


@pytest.fixture
def step(client, settings):
    install_pack(FIXTURE_PACK, settings.packs_dir)
    client.get(HELLO_STEP)
    return settings.workspaces_dir / "1" / "hello-web" / "01-first-routes"


def test_the_panel_offers_to_convert_and_then_opens_the_file(client, step: Path):
    (step / "menu.py").write_bytes(TEXT.encode("cp1252"))
    entries = {e["path"]: e for e in client.get(HELLO_STEP + "/events").json["news"]["files"]["entries"]}
    assert entries["menu.py"]["version"] is None
    assert (entries["menu.py"]["encoding"], entries["menu.py"]["encoding_name"]) == ("cp1252", "Windows-1252 (cp1252)")
    opened = client.get(HELLO_STEP + "/file", {"path": "menu.py"}, status=400)
    assert "Windows-1252 (cp1252)" in opened.text
    done = client.post(HELLO_STEP + "/files/convert", {"path": "menu.py", "csrf_token": client.csrf}).json
    assert done["file"]["content"] == TEXT and (step / "menu.py").read_bytes() == TEXT.encode("utf-8")
    converted = {e["path"]: e for e in done["tree"]["entries"]}["menu.py"]
    assert converted["version"] == text_hash(TEXT) and "encoding" not in converted


def test_converting_needs_the_csrf_token_and_refuses_binary(client, step: Path):
    (step / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    client.post(HELLO_STEP + "/files/convert", {"path": "logo.png"}, status=403)
    refused = client.post(HELLO_STEP + "/files/convert", {"path": "logo.png", "csrf_token": client.csrf}, status=400)
    assert "not a text file" in refused.text
