"""Set everything up, then run the sandbox or the test suite.

    python3 tasks.py run [launcher options]   set up, then start the sandbox
    python3 tasks.py test [pytest options]    set up, then run the whole test suite
    python3 tasks.py setup                    set up only

Set-up makes ``.venv`` beside this file, installs the project with its test extra, fills
``wheelhouse/`` with the wheels the learner's terminal Python installs offline, and builds the
front-end bundle with npm when npm is present. Each part is redone only when its inputs
changed, so a second run starts at once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
BUNDLE = ROOT / "sandbox" / "static" / "build"
WHEELHOUSE = ROOT / "wheelhouse"
LEARNER_PACKAGES = ROOT / "sandbox" / "terminal" / "packages.py"


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.exists():
                h.update(str(f.relative_to(ROOT)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def _stale(stamp: Path, digest: str) -> bool:
    return not stamp.exists() or stamp.read_text() != digest


def _run(cmd: list[str], **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


def setup_python() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        _run([sys.executable, "-m", "venv", VENV])
    stamp = VENV / ".installed"
    digest = _digest(ROOT / "pyproject.toml")
    if _stale(stamp, digest):
        _run([PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        _run([PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[test]"])
        stamp.write_text(digest)


def learner_packages() -> tuple[str, ...]:
    """The requirements of the learner's terminal Python, read from their one list by path."""
    scope: dict = {}
    exec(compile(LEARNER_PACKAGES.read_text(), str(LEARNER_PACKAGES), "exec"), scope)
    return tuple(scope["PACKAGES"])


def track_requirements() -> list[tuple[str, ...]]:
    """The ``requirements`` of each built-in pack that has some (the Flask, FastAPI and Django tracks)."""
    import tomllib

    found = []
    for manifest in sorted((ROOT / "sandbox" / "lessons").glob("*/pack.toml")):
        requirements = tomllib.loads(manifest.read_text(encoding="utf-8")).get("requirements", [])
        if requirements:
            found.append(tuple(requirements))
    return found


def setup_wheelhouse() -> None:
    """Wheels for the learner's packages and their dependencies, for this Python, in ``wheelhouse/``,
    and the wheels of the libraries the built-in tracks require, so they install offline.

    ``pip wheel`` builds a wheel of any package published only as source, so the terminal installs
    with ``--no-index`` and no compiler. Built beside the old folder and swapped in whole, so a
    failed or offline run leaves the last good wheelhouse as it was, and set-up goes on.
    """
    packages = learner_packages()
    tracks = track_requirements()
    digest = hashlib.sha256(repr((packages, tracks, sys.version_info[:2], sys.platform)).encode()).hexdigest()
    stamp = WHEELHOUSE / ".built"
    if not _stale(stamp, digest):
        return
    fresh = ROOT / "wheelhouse.new"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        _run([PYTHON, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--retries", "1",
              "--timeout", "15", "--wheel-dir", fresh, *packages])
        for requirements in tracks:  # each pack's set resolved on its own: two packs may pin differently
            _run([PYTHON, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--retries", "1",
                  "--timeout", "15", "--only-binary", ":all:", "--dest", fresh, *requirements])
    except subprocess.CalledProcessError:
        shutil.rmtree(fresh, ignore_errors=True)
        print("The wheelhouse for the terminal's Python could not be filled (offline?): set-up goes on with "
              "the one there was, if any; run `python3 tasks.py setup` online to fill it.")
        return
    (fresh / ".built").write_text(digest)
    shutil.rmtree(WHEELHOUSE, ignore_errors=True)
    fresh.rename(WHEELHOUSE)


def setup_frontend() -> None:
    npm = shutil.which("npm")
    if npm is None:
        print("npm was not found: the sandbox will use a plain text editor instead of the rich one.")
        return
    digest = _digest(ROOT / "package.json", ROOT / "package-lock.json", ROOT / "frontend")
    stamp = BUNDLE / ".built"
    if not _stale(stamp, digest):
        return
    if _stale(ROOT / "node_modules" / ".installed", _digest(ROOT / "package-lock.json")):
        _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"])
        (ROOT / "node_modules" / ".installed").write_text(_digest(ROOT / "package-lock.json"))
    _run([npm, "run", "--silent", "build"])
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("run", [])
    if command not in {"run", "test", "setup"}:
        print(__doc__)
        return 2
    setup_python()
    setup_wheelhouse()
    setup_frontend()
    if command == "run":
        return subprocess.call([str(PYTHON), str(ROOT / "launcher.py"), *rest], cwd=ROOT)
    if command == "test":
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
