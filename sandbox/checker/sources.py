"""What the learner's source files say, read with ``ast`` without running them: where each route is
declared (and whether it sits inside another function), where a name is imported, and which files
are named like a library. ``explain`` uses this to name the cause of a 404 or a NameError.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

from sandbox.files import walk_files
from sandbox.work import encoding as encodings

ROUTE_DECORATORS = {"route", "get", "post", "put", "delete", "patch"}
MAX_FILES = 200  # a folder this large is not a lesson's; reading stops there


@dataclass(frozen=True)
class RouteSite:
    """A ``@app.route("/about")`` (or ``@route``, ``@get``...) decorator in the learner's code."""

    file: str
    line: int
    rule: str
    decorator: str  # as written: "app.route", "get"
    enclosing: str | None  # the function it is nested in, "__main__" under the main guard, else None


@dataclass(frozen=True)
class NameSite:
    """Where a file imports or makes (assigns, defines) a name."""

    line: int
    enclosing: str | None  # the function it sits in, "__main__" under the main guard, None at the top level
    kind: str  # "import" | "definition"


def parse(path: Path) -> ast.Module | None:
    text, _ = encodings.read_text(path)
    if text is None:
        return None
    try:
        return ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError):
        return None


def python_files(workspace: Path) -> list[str]:
    found = [rel for rel in walk_files(Path(workspace), data=False) if rel.endswith(".py")]
    return sorted(found)[:MAX_FILES]


def route_sites(workspace: Path) -> list[RouteSite]:
    """Every route decorator with a literal path in the learner's Python files."""
    sites = []
    for rel in python_files(workspace):
        tree = parse(Path(workspace) / rel)
        if tree is not None:
            sites += _routes_in(tree.body, rel, None)
    return sites


def _routes_in(body, rel: str, enclosing: str | None) -> list[RouteSite]:
    sites = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                site = _route_of(decorator, rel, enclosing)
                if site:
                    sites.append(site)
            sites += _routes_in(node.body, rel, node.name)
        elif isinstance(node, ast.If) and enclosing is None and _is_main_guard(node.test):
            sites += _routes_in(node.body, rel, "__main__")
        elif isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            for inner in ("body", "orelse", "finalbody"):
                sites += _routes_in(getattr(node, inner, []), rel, enclosing)
            for handler in getattr(node, "handlers", []):
                sites += _routes_in(handler.body, rel, enclosing)
        elif isinstance(node, ast.ClassDef):
            sites += _routes_in(node.body, rel, enclosing)
    return sites


def _route_of(decorator, rel: str, enclosing: str | None) -> RouteSite | None:
    if not isinstance(decorator, ast.Call):
        return None
    func = decorator.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name not in ROUTE_DECORATORS:
        return None
    rule = decorator.args[0] if decorator.args else next(
        (k.value for k in decorator.keywords if k.arg == "path"), None)
    if not (isinstance(rule, ast.Constant) and isinstance(rule.value, str)):
        return None
    return RouteSite(rel, decorator.lineno, rule.value, ast.unparse(func), enclosing)


def _is_main_guard(test) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


def name_sites(path: Path, name: str) -> list[NameSite]:
    """Where one file imports or makes ``name`` (``import``, ``=``, ``def``, ``class``, ``for``,
    ``with ... as``), in order: at the top level, under the main guard, or inside a function."""
    tree = parse(path)
    if tree is None:
        return []
    sites = []

    def visit(node, enclosing):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if child.name == name:
                    sites.append(NameSite(child.lineno, enclosing, "definition"))
                if not isinstance(child, ast.ClassDef):
                    visit(child, child.name)
                continue
            if isinstance(child, ast.If) and enclosing is None and _is_main_guard(child.test):
                visit(child, "__main__")
                continue
            kind = _names_made(child, name)
            if kind:  # a ``with`` item has no line of its own: its statement's
                sites.append(NameSite(getattr(child, "lineno", getattr(node, "lineno", 0)), enclosing, kind))
            visit(child, enclosing)

    visit(tree, None)
    return sorted(sites, key=lambda site: site.line)


def _names_made(node, name: str) -> str | None:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        made = [alias.asname or alias.name.split(".")[0] for alias in node.names]
        return "import" if name in made else None
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        targets = [node.optional_vars]
    for target in targets:
        if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
            return "definition"
    return None


def shadowing_files(workspace: Path, libraries, loaded) -> list[tuple[str, str]]:
    """(file, module) for each top-level file or package of the workspace named like one of
    ``libraries`` or like a standard module already in ``loaded`` (sys.modules) that the learner's
    code imports: Python never reads such a file, since the real module came first."""
    workspace = Path(workspace)
    found = []
    imported = None
    for entry in sorted(workspace.iterdir()) if workspace.is_dir() else []:
        stem = entry.stem if entry.suffix == ".py" and entry.is_file() else (
            entry.name if entry.is_dir() and (entry / "__init__.py").is_file() else None)
        if stem is None:
            continue
        if stem in libraries:
            found.append((entry.name + ("/" if entry.is_dir() else ""), stem))
        elif stem in sys.stdlib_module_names and stem in loaded and _outside(loaded[stem], workspace):
            imported = imported if imported is not None else _imported_names(workspace)
            if stem in imported:
                found.append((entry.name + ("/" if entry.is_dir() else ""), stem))
    return found


def _outside(module, workspace: Path) -> bool:
    file = getattr(module, "__file__", None)
    return not file or not str(Path(file).resolve()).startswith(str(workspace.resolve()))


def _imported_names(workspace: Path) -> set[str]:
    names = set()
    for rel in python_files(workspace):
        tree = parse(workspace / rel)
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names
