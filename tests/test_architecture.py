"""The architecture, as a fact: the imports of every module, read from its source (AST), keep the
one-way flow of docs/architecture.md.

- only the web layer and the launchers (the sandbox's, the classroom service) import the web layer;
- the store imports no service;
- the core loop (packs, workspace, checker, preview, progress, store) imports no extra (the request
  inspector, the database browser, the gradebook, charts, watch mode);
- no module takes part in an import cycle.

Each rule is checked on the real code (no violation) and on a small made-up package that breaks it
(the violation is found), so the test cannot pass by reading nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "sandbox"
NOT_CODE = ("lessons", "template")  # lesson content and the pack template: the learner's code, not ours
EXTRAS = ("sandbox.preview.inspector", "sandbox.preview.dbbrowser", "sandbox.classroom.gradebook",
          "sandbox.classroom.charts", "sandbox.work.watch")
CORE = ("sandbox.packs", "sandbox.work", "sandbox.checker", "sandbox.preview", "sandbox.terminal", "sandbox.store",
        "sandbox.files", "sandbox.errors", "sandbox.config")
LAUNCHERS = ("sandbox.web", "sandbox.launch", "sandbox.classroom_service")  # the classroom service logs in as web does
SERVICES = ("sandbox.packs", "sandbox.work", "sandbox.checker", "sandbox.preview", "sandbox.terminal",
            "sandbox.classroom", "sandbox.services")


def modules_of(package: Path) -> dict[str, Path]:
    """Every module of the package under ``package``, by dotted name."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).with_suffix("")
        if any(part in NOT_CODE for part in rel.parts):
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        found[".".join(parts)] = path
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Each module's imports of modules of the same package, wherever in the module they are written.

    ``from a.b import c`` is an import of ``a.b.c`` when that is a module, else of ``a.b``.
    """
    modules = modules_of(package)
    top = package.name
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.split(".")[0] == top}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == top:
                for alias in node.names:
                    candidate = f"{node.module}.{alias.name}"
                    found.add(candidate if candidate in modules else node.module)
        graph[name] = {target for target in found if target in modules and target != name}
    return graph


def within(name: str, prefixes) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def web_imported_from_outside(graph) -> list[str]:
    return [f"{a} imports {b}" for a, targets in graph.items() for b in sorted(targets)
            if within(b, "sandbox.web") and not within(a, LAUNCHERS)]


def store_imports_a_service(graph) -> list[str]:
    return [f"{a} imports {b}" for a, targets in graph.items() for b in sorted(targets)
            if within(a, "sandbox.store") and within(b, SERVICES)]


def core_imports_an_extra(graph) -> list[str]:
    return [f"{a} imports {b}" for a, targets in graph.items() for b in sorted(targets)
            if within(a, CORE) and not within(a, EXTRAS) and within(b, EXTRAS)]


def import_cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


RULES = [web_imported_from_outside, store_imports_a_service, core_imports_an_extra]


@pytest.fixture(scope="module")
def graph():
    found = import_graph(PACKAGE)
    assert len(found) > 40 and "sandbox.web.app" in found, "the import graph did not read the package"
    return found


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_the_real_code_keeps_the_rule(graph, rule):
    assert rule(graph) == []


def test_the_real_code_has_no_import_cycle(graph):
    assert import_cycles(graph) == []


BROKEN = {
    "sandbox/__init__.py": "",
    "sandbox/errors.py": "",
    "sandbox/web/__init__.py": "",
    "sandbox/web/app.py": "from sandbox.work import coursework\n",
    "sandbox/store/__init__.py": "def f():\n    from sandbox.packs import catalog  # a lazy import still counts\n",
    "sandbox/packs/__init__.py": "",
    "sandbox/packs/catalog.py": "import sandbox.web.app\n",
    "sandbox/work/__init__.py": "",
    "sandbox/work/coursework.py": "from sandbox.work.watch import summarize\n",
    "sandbox/work/watch.py": "from sandbox.work import coursework\n",
}


@pytest.fixture
def broken_graph(tmp_path):
    for rel, text in BROKEN.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return import_graph(tmp_path / "sandbox")


def test_each_rule_finds_what_breaks_it(broken_graph):
    assert web_imported_from_outside(broken_graph) == ["sandbox.packs.catalog imports sandbox.web.app"]
    assert store_imports_a_service(broken_graph) == ["sandbox.store imports sandbox.packs.catalog"]
    assert core_imports_an_extra(broken_graph) == ["sandbox.work.coursework imports sandbox.work.watch"]
    assert import_cycles(broken_graph) == [["sandbox.work.coursework", "sandbox.work.watch"]]
