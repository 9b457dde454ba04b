"""`python -m bench [NAME [ARGS...]]`: run bench/NAME.py's run(); with no NAME, run every benchmark.

Each run() returns a dict of figures; they are printed as one table at the end and merged
into bench/results.json (or the file named by ``--results PATH``), one key per benchmark.
Arguments after NAME go to that benchmark (``python -m bench soak --minutes 5``; ``python -m bench
classroom --learners 20`` runs a class of sandboxes under a real JupyterHub, see bench/classroom.py).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results.json"


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))


def split_args(argv: list[str]) -> tuple[list[str], dict[str, list[str]], Path]:
    """Bench names, the arguments meant for each, and where results go."""
    results = RESULTS
    if "--results" in argv:
        at = argv.index("--results")
        results = Path(argv[at + 1])
        argv = argv[:at] + argv[at + 2:]
    names, args = [], {}
    for word in argv:
        if word in available() or not names:
            names.append(word)
            args[word] = []
        else:
            args[names[-1]].append(word)
    return names, args, results


def flatten(prefix: str, value, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            flatten(f"{prefix}.{key}" if prefix else str(key), inner, rows)
    elif isinstance(value, float):
        rows.append((prefix, f"{value:.2f}"))
    elif not isinstance(value, list):
        rows.append((prefix, str(value)))


def print_table(results: dict) -> None:
    rows: list[tuple[str, str]] = []
    for name, figures in results.items():
        flatten(name, figures, rows)
    width = max((len(k) for k, _ in rows), default=10)
    print("\n== results")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


def save(results: dict, path: Path) -> None:
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        stored = {}
    stored.update(results)
    stored["_machine"] = {"python": platform.python_version(), "system": platform.platform(),
                          "cpus": __import__("os").cpu_count(), "measured_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    path.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")


def main(argv: list[str]) -> int:
    names, args, results_path = split_args(argv)
    names = names or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"No benchmark named {unknown[0]!r}. Available: {', '.join(available())}", file=sys.stderr)
        return 1
    results = {}
    for name in names:
        print(f"== bench {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        try:
            figures = module.run(*([args[name]] if args.get(name) else []))
        except Exception as exc:  # one failing benchmark must not lose the others' figures
            print(f"bench {name} failed: {exc!r}", file=sys.stderr)
            figures = {"error": repr(exc)}
        results[name] = figures if isinstance(figures, dict) else {}
    print_table(results)
    save(results, results_path)
    print(f"\nwritten to {results_path}")
    return 0 if all("error" not in r for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
