"""`python -m bench [NAME]`: run bench/NAME.py's run(); with no NAME, run every benchmark."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"No benchmark named {unknown[0]!r}. Available: {', '.join(available())}", file=sys.stderr)
        return 1
    for name in names:
        print(f"== bench {name}")
        importlib.import_module(f"bench.{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
