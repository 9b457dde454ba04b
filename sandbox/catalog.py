"""The installed lesson packs, loaded once and reloaded only when a pack folder changes."""

from __future__ import annotations

import threading
from pathlib import Path

from sandbox.errors import PackError
from sandbox.packs import BrokenPack, install_pack, remove_pack, scan_packs
from sandbox.packformat import Pack

BUILTIN_DIR = Path(__file__).resolve().parent / "lessons"


class Catalog:
    def __init__(self, packs_dir: Path):
        self.packs_dir = packs_dir
        self._lock = threading.Lock()
        self._stamp = None
        self._packs: list[Pack] = []
        self._broken: list[BrokenPack] = []

    def _fresh(self) -> None:
        stamp = self._folder_stamp()
        if stamp != self._stamp:
            self._packs, self._broken = scan_packs(self.packs_dir)
            self._stamp = stamp

    def _folder_stamp(self):
        if not self.packs_dir.is_dir():
            return ()
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in self.packs_dir.iterdir()
                            if (p / "pack.toml").is_file()))

    def packs(self) -> list[Pack]:
        with self._lock:
            self._fresh()
            return list(self._packs)

    def broken(self) -> list[BrokenPack]:
        with self._lock:
            self._fresh()
            return list(self._broken)

    def get(self, pack_id: str) -> Pack:
        for pack in self.packs():
            if pack.id == pack_id:
                return pack
        raise PackError(f"No lesson pack called '{pack_id}' is installed.")

    def install(self, source: Path, *, force: bool = False):
        self.packs_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._stamp = None
            return install_pack(source, self.packs_dir, force=force)

    def remove(self, pack_id: str) -> None:
        with self._lock:
            self._stamp = None
            remove_pack(self.packs_dir, pack_id)

    def install_builtin(self) -> list[str]:
        """Install or upgrade the packs that ship with the sandbox; return what changed."""
        from sandbox.packformat import load_pack, parse_version

        installed = {p.id: p.version for p in self.packs()}
        changed = []
        for folder in sorted(BUILTIN_DIR.glob("*/pack.toml")):
            pack = load_pack(folder.parent)
            have = installed.get(pack.id)
            if have is None or parse_version(pack.version) > parse_version(have):
                self.install(folder.parent)
                changed.append(pack.id)
        return changed
