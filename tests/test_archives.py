"""Pack archives are data, never trusted: every kind of hostile member is refused with one sentence,
before anything is written, and nothing is left on disk (not even a half-made staging folder).

Each case is a kind; the examples are members of it. Zips are written byte by byte where Python's
``zipfile`` would refuse to write them (an invalid UTF-8 name, entries that overlap).
"""

from __future__ import annotations

import shutil
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from sandbox.errors import PackError
from sandbox.packs.install import Limits, install_pack

FIXTURE = Path(__file__).parent / "fixtures" / "packs" / "hello"


@pytest.fixture
def pack_dir(tmp_path):
    target = tmp_path / "hello"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture
def packs_dir(tmp_path):
    folder = tmp_path / "installed"
    folder.mkdir()
    return folder


def pack_members(pack_dir: Path) -> list[tuple[str, bytes]]:
    return [("hello/" + p.relative_to(pack_dir).as_posix(), p.read_bytes())
            for p in sorted(pack_dir.rglob("*")) if p.is_file()]


def zip_with(pack_dir: Path, target: Path, extra=()) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in pack_members(pack_dir):
            zf.writestr(name, data)
        for member, data in extra:
            zf.writestr(member, data)
    return target


def refused(archive: Path, packs_dir: Path, **kw) -> str:
    """Install ``archive``, which must be refused; return the sentence, after checking nothing is left."""
    with pytest.raises(PackError) as caught:
        install_pack(archive, packs_dir, **kw)
    message = str(caught.value)
    assert archive.name in message and "Traceback" not in message
    assert "\n" not in message and message.count(". ") <= 1, f"not one sentence: {message!r}"
    assert sorted(p.name for p in packs_dir.iterdir()) == [], "something was left in the packs folder"
    return message


# -- raw zips: names Python's zipfile would not write, entries that overlap --------------------

def raw_zip(members: list[tuple[bytes, bytes]], *, utf8_flag: bool = True) -> bytes:
    """A stored (uncompressed) zip of ``(raw name bytes, data)``, names written exactly as given."""
    flags = 0x800 if utf8_flag else 0
    body, central = b"", b""
    for name, data in members:
        crc = zlib.crc32(data)
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, 0, 0, 0x21, crc, len(data), len(data),
                            len(name), 0) + name + data
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, 0, 0, 0x21, crc, len(data), len(data),
                               len(name), 0, 0, 0, 0, 0o644 << 16, offset) + name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(body), 0)
    return body + central + end


def quoted_overlap_bomb(count: int = 100, kernel_size: int = 480 * 1024) -> bytes:
    """David Fifield's "quoted overlap" zip bomb (https://www.bamsoftware.com/hacks/zipbomb/).

    Every member's compressed data starts with a stored DEFLATE block that quotes the next member's
    local header, then runs on through all later members into one shared kernel. Each member's
    local header matches its central entry, so a zipfile without the CVE-2024-0450 fix unpacks
    ``count`` full copies of the kernel: about 48 MB from about 13 KB here.
    """
    names = [f"hello/bomb/{i:04d}.txt".encode() for i in range(count)]
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    kernel = compressor.compress(b"\0" * kernel_size) + compressor.flush()
    # Build from the last member back: each member's content is the next headers it quotes plus the kernel.
    content, compressed = b"\0" * kernel_size, kernel
    headers: list[bytes] = []
    sizes: list[tuple[int, int, int]] = []
    for name in reversed(names):
        crc = zlib.crc32(content)
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(compressed), len(content),
                             len(name), 0) + name
        headers.insert(0, header)
        sizes.insert(0, (crc, len(compressed), len(content)))
        quote = b"\0" + struct.pack("<HH", len(header), len(header) ^ 0xFFFF)  # a stored, non-final block
        content, compressed = header + content, quote + header + compressed
    body, offsets = b"", []
    for i, header in enumerate(headers):
        offsets.append(len(body))
        body += header
        if i + 1 < len(headers):
            body += b"\0" + struct.pack("<HH", len(headers[i + 1]), len(headers[i + 1]) ^ 0xFFFF)
    body += kernel
    central = b""
    for name, offset, (crc, csize, usize) in zip(names, offsets, sizes):
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, csize, usize,
                               len(name), 0, 0, 0, 0, 0o644 << 16, offset) + name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(body), 0)
    return body + central + end


def test_the_bomb_helper_really_is_a_bomb_for_a_plain_reader():
    """The test's own bomb is real: it is small, and its entries claim far more than its size."""
    data = quoted_overlap_bomb()
    assert len(data) < 20_000
    import io
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        claimed = sum(info.file_size for info in archive.infolist())
        assert claimed > 40_000_000
        if sys.version_info[:3] < (3, 11, 8):  # no CVE-2024-0450 fix: it really inflates
            with archive.open(archive.infolist()[0]) as member:
                assert len(member.read()) > 480 * 1024


def test_a_quoted_overlap_zip_bomb_is_refused_on_any_python(pack_dir, packs_dir, tmp_path):
    bomb = quoted_overlap_bomb()
    members = [(name.encode(), data) for name, data in pack_members(pack_dir)]
    # The pack's own members first, then the bomb's bytes appended as members that overlap.
    plain = raw_zip(members)
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(_concatenate(plain, bomb))
    message = refused(archive, packs_dir)
    assert "overlap" in message


def _concatenate(first: bytes, second: bytes) -> bytes:
    """One zip holding the members of two zips (their data side by side, one central directory)."""
    def parts(data: bytes):
        end = data.rindex(b"PK\x05\x06")
        count, size, start = struct.unpack("<HLL", data[end + 10:end + 20])
        return data[:start], data[start:start + size], count
    body1, central1, count1 = parts(first)
    body2, central2, count2 = parts(second)
    shifted, at = b"", 0
    while at < len(central2):  # move each central entry's local header offset past the first body
        name_len, extra_len, comment_len = struct.unpack("<3H", central2[at + 28:at + 34])
        length = 46 + name_len + extra_len + comment_len
        entry = bytearray(central2[at:at + length])
        entry[42:46] = struct.pack("<L", struct.unpack("<L", bytes(entry[42:46]))[0] + len(body1))
        shifted += bytes(entry)
        at += length
    central = central1 + shifted
    count = count1 + count2
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(body1) + len(body2), 0)
    return body1 + body2 + central + end


def test_entries_sharing_one_local_header_are_refused(pack_dir, packs_dir, tmp_path):
    """The plain overlap: two central entries point at the same data."""
    plain = bytearray(raw_zip([(name.encode(), data) for name, data in pack_members(pack_dir)]
                              + [(b"hello/a.txt", b"A" * 100)]))
    end = plain.rindex(b"PK\x05\x06")
    count, _size, start = struct.unpack("<HLL", plain[end + 10:end + 20])
    last = plain.rindex(b"PK\x01\x02", start, end)
    copy = bytearray(plain[last:end])
    first_offset = struct.unpack("<L", plain[start + 42:start + 46])[0]
    copy[42:46] = struct.pack("<L", first_offset)  # another name whose data is the first member's
    central = bytes(plain[start:end]) + bytes(copy)
    data = bytes(plain[:start]) + central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count + 1, count + 1,
                                                        len(central), start, 0)
    archive = tmp_path / "shared.zip"
    archive.write_bytes(data)
    message = refused(archive, packs_dir)
    assert "overlap" in message or "name" in message


# -- names ------------------------------------------------------------------------------------

def test_a_member_name_that_is_not_utf8_is_refused(pack_dir, packs_dir, tmp_path):
    members = [(name.encode(), data) for name, data in pack_members(pack_dir)]
    for flag in (True, False):
        archive = tmp_path / f"latin{int(flag)}.zip"
        archive.write_bytes(raw_zip(members + [(b"hello/caf\xe9\xff.txt", b"x")], utf8_flag=flag))
        assert "UTF-8" in refused(archive, packs_dir)


def test_a_utf8_name_without_the_utf8_flag_installs_under_its_real_name(pack_dir, packs_dir, tmp_path):
    members = [(name.encode(), data) for name, data in pack_members(pack_dir)]
    archive = tmp_path / "noflag.zip"
    archive.write_bytes(raw_zip(members + [("hello/lessons/01-first-routes/starter/café.txt".encode(), b"x")],
                                utf8_flag=False))
    pack = install_pack(archive, packs_dir).pack
    assert (pack.root / "lessons/01-first-routes/starter/café.txt").read_bytes() == b"x"


@pytest.mark.parametrize("name, why", [
    ("hello/lessons/01-first-routes/starter/a:b.py", "Windows"),
    ("hello/lessons/01-first-routes/starter/nul.txt", "Windows"),
    ("hello/lessons/01-first-routes/starter/trailing.", "Windows"),
    ("hello/lessons/01-first-routes/starter/bell\x07.py", "control"),
    ("hello/lessons/01-first-routes/starter/new\nline.py", "control"),
    ("hello/lessons/01-first-routes/starter/\x1b[31mred\x1b[0m.py", "control"),
    ("hello/lessons/01-first-routes/starter/gpj.\u202eexe.py", "invisible"),
    ("hello/lessons/01-first-routes/starter/zero\u200bwidth.py", "invisible"),
    ("hello/lessons/01-first-routes/starter/" + "x" * 300 + ".py", "too long"),
    ("hello/" + "deep/" * 40 + "f.txt", "deep"),
])
def test_names_that_are_unsafe_or_deceiving_are_refused_and_shown_escaped(pack_dir, packs_dir, tmp_path, name, why):
    archive = zip_with(pack_dir, tmp_path / "names.zip", [(name, b"x")])
    message = refused(archive, packs_dir)
    assert why in message
    assert not any(ch in message for ch in "\x07\x1b\u202e\u200b\n"), f"the name was echoed raw: {message!r}"


def test_thousands_of_nested_folder_entries_are_refused_by_the_entry_cap(pack_dir, packs_dir, tmp_path):
    folders = ["hello/" + "d/" * (i + 1) for i in range(2200)]
    archive = zip_with(pack_dir, tmp_path / "nested.zip", [(name, b"") for name in folders])
    message = refused(archive, packs_dir)
    assert "more than 2000" in message or "deep" in message


def test_folder_entries_count_against_the_entry_cap(pack_dir, packs_dir, tmp_path):
    folders = [f"hello/lessons/01-first-routes/starter/empty{i}/" for i in range(30)]
    archive = zip_with(pack_dir, tmp_path / "folders.zip", [(name, b"") for name in folders])
    assert "more than 25" in refused(archive, packs_dir, limits=Limits(max_files=25))
    assert install_pack(archive, packs_dir).pack.id == "hello-web"


def test_a_folder_install_counts_folders_and_checks_names_too(pack_dir, packs_dir):
    starter = pack_dir / "lessons/01-first-routes/starter"
    for i in range(30):
        (starter / f"empty{i}").mkdir()
    with pytest.raises(PackError, match="more than 25"):
        install_pack(pack_dir, packs_dir, limits=Limits(max_files=25))
    (starter / "a\x1bb.py").write_text("x")
    with pytest.raises(PackError, match="control") as caught:
        install_pack(pack_dir, packs_dir)
    assert "\x1b" not in str(caught.value)
    assert list(packs_dir.iterdir()) == []


def test_a_name_that_is_both_a_file_and_a_folder_is_refused(pack_dir, packs_dir, tmp_path):
    archive = zip_with(pack_dir, tmp_path / "clash.zip", [("hello/lessons/01-first-routes/starter/x", b"file"),
                                                          ("hello/lessons/01-first-routes/starter/x/y/", b"")])
    assert "both a file and a folder" in refused(archive, packs_dir)


def test_names_that_differ_only_in_unicode_normal_form_are_duplicates(pack_dir, packs_dir, tmp_path):
    archive = zip_with(pack_dir, tmp_path / "nfc.zip", [("hello/lessons/01-first-routes/starter/caf\u00e9.txt", b"1"),
                                                        ("hello/lessons/01-first-routes/starter/cafe\u0301.txt", b"2")])
    assert "twice" in refused(archive, packs_dir)


def test_a_central_directory_claiming_millions_of_entries_is_refused_before_it_is_read(packs_dir, tmp_path):
    data = bytearray(raw_zip([(b"hello/pack.toml", b"x")]))
    end = data.rindex(b"PK\x05\x06")
    data[end + 8:end + 10] = struct.pack("<H", 0xFFFE)
    data[end + 10:end + 12] = struct.pack("<H", 0xFFFE)
    archive = tmp_path / "claims.zip"
    archive.write_bytes(bytes(data))
    refused(archive, packs_dir)


def test_an_unknown_compression_method_is_refused(pack_dir, packs_dir, tmp_path):
    members = [(name.encode(), data) for name, data in pack_members(pack_dir)]
    data = bytearray(raw_zip(members + [(b"hello/x.bin", b"xyz")]))
    start = data.rindex(b"PK\x01\x02")
    data[start + 10:start + 12] = struct.pack("<H", 99)  # AES or anything else zipfile cannot unpack
    local = data.rindex(b"PK\x03\x04")
    data[local + 8:local + 10] = struct.pack("<H", 99)
    archive = tmp_path / "method.zip"
    archive.write_bytes(bytes(data))
    assert "compress" in refused(archive, packs_dir)


# -- the preview's record pipe is data too ---------------------------------------------------------

def test_a_record_line_without_end_is_dropped_with_a_note_and_memory_stays_flat(tmp_path):
    """300 MiB written to the records pipe without a newline: the reader holds at most one record's
    worth, says so in the console, and still reads the records after it."""
    import os
    import threading
    import tracemalloc

    from sandbox.preview.manager import MAX_RECORD_BYTES, Preview, PreviewManager

    manager = PreviewManager(watch=False)
    try:
        preview = Preview("learner-1", tmp_path, "app.py")
        preview.generation = 1
        read_end, write_end = os.pipe()
        chunk = b"x" * (1024 * 1024)

        def flood():
            with open(write_end, "wb", buffering=0) as pipe:
                for _ in range(300):
                    pipe.write(chunk)
                pipe.write(b"\n" + b'{"event": "ready"}\n')

        writer = threading.Thread(target=flood)
        tracemalloc.start()
        try:
            writer.start()
            manager._read_records(preview, read_end, 1)
            writer.join()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 8 * MAX_RECORD_BYTES, f"reading the pipe held {peak / 2**20:.0f} MiB"
        assert preview.state == "running"  # the record after the long line still arrived
        text, _ = preview.output_since(0)
        assert "dropped a request record longer than 1024 KB" in text
    finally:
        manager.close()


def test_bounded_lines_keeps_lines_up_to_the_limit():
    import io

    from sandbox.preview.manager import bounded_lines

    data = b"a" * 10 + b"\n" + b"b" * 11 + b"\n" + b"c" * 30 + b"\n" + b"tail"
    assert list(bounded_lines(io.BufferedReader(io.BytesIO(data)), 11)) == \
        [b"a" * 10 + b"\n", b"b" * 11 + b"\n", None, b"tail"]


# -- the same refusals through the Packs page ------------------------------------------------------

@pytest.mark.parametrize("kind", ["not-utf8", "nested", "bomb", "ansi"])
def test_the_packs_page_refuses_hostile_zips_with_a_sentence_and_leaves_nothing(client, settings, pack_dir, tmp_path, kind):
    members = [(name.encode(), data) for name, data in pack_members(pack_dir)]
    if kind == "not-utf8":
        data = raw_zip(members + [(b"hello/\xff\xfe.txt", b"x")])
    elif kind == "nested":
        data = zip_with(pack_dir, tmp_path / "n.zip", [("hello/" + "d/" * (i + 1), b"") for i in range(2200)]).read_bytes()
    elif kind == "bomb":
        data = _concatenate(raw_zip(members), quoted_overlap_bomb())
    else:
        data = zip_with(pack_dir, tmp_path / "a.zip", [("hello/lessons/01-first-routes/starter/\x1b]8;;x\x07.py", b"x")]).read_bytes()
    r = client.post("/packs/install", {"csrf_token": client.csrf}, upload_files=[("pack", "evil.zip", data)], status=422)
    assert "evil.zip was not installed" in r.text and "\x1b" not in r.text
    assert not [p for p in settings.packs_dir.iterdir()] if settings.packs_dir.exists() else True
    assert not list(settings.data_dir.glob("upload-*"))
