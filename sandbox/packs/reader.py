"""Reading and validating a pack folder: the TOML schemas, a reader that names file and line, and
``load_pack`` / ``validate_pack``, the way in for everything that opens a pack.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import sys
import tomllib
from pathlib import Path

from sandbox import __version__
from sandbox.errors import PackError
from sandbox.files import skipped_dir
from sandbox.packs.archive import tree_problems
from sandbox.packs.environment import MAX_REQUIREMENTS, requirement_problem
from sandbox.packs.format import (
    CHECK_LIBRARIES,
    CHECK_SECONDS,
    FORMAT_VERSION,
    ID_RE,
    KINDS,
    SEMVER_RE,
    STEP_ID_RE,
    Choice,
    Edit,
    Lesson,
    Pack,
    Problem,
    Step,
    Variant,
    parse_version,
)
from sandbox.packs.schema import (  # noqa: F401 - the schemas are read from here too
    CHOICE_FIELDS,
    DECODE_AT,
    EDIT_FIELDS,
    LESSON_FIELDS,
    PACK_FIELDS,
    STEP_FIELDS,
    TYPES,
    VARIANT_FIELDS,
    VARIANT_FOLDERS,
    TomlLines,
    describe_type,
)


class PackReader:
    def __init__(self, root: Path, sandbox_version: str):
        self.root = root
        self.sandbox_version = sandbox_version
        self.problems: list[Problem] = []

    def problem(self, file: Path | str, line: int | None, message: str) -> None:
        rel = Path(file).relative_to(self.root).as_posix() if Path(file).is_absolute() else str(file)
        self.problems.append(Problem(rel, line, message))

    def toml(self, path: Path) -> TomlLines | None:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            self.problem(path, line, "is not UTF-8 text; save it as UTF-8")
            return None
        try:
            return TomlLines(tomllib.loads(text), text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            found = DECODE_AT.search(message)
            line, column = (found.group(1), found.group(2)) if found else (None, None)
            line = int(line) if line else max(len(text.splitlines()), 1)
            where = f" (column {column})" if column else " (at the end of the file)"
            self.problem(path, line, f"is not valid TOML: {DECODE_AT.sub('', message)}{where}")
            return None

    def fields(self, path: Path, toml: TomlLines, table: dict, schema: dict, section, where: str) -> dict:
        """The well-typed known fields of ``table``; every other field becomes a problem."""
        good = {}
        for key, value in table.items():
            line = toml.key_line(key, section)
            if key not in schema:
                close = difflib.get_close_matches(key, schema, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f"; known fields are {', '.join(schema)}"
                self.problem(path, line, f"unknown field '{key}' in {where}{hint}")
                continue
            test, wanted = TYPES[schema[key][0]]
            if test(value):
                good[key] = value
            else:
                self.problem(path, line, f"'{key}' in {where} should be {wanted}, not {describe_type(value)}")
        for key, (_, required) in schema.items():
            if required and key not in table:
                self.problem(path, section[0], f"{where} is missing the required field '{key}'")
        return good

    def inside(self, base: Path, rel: str) -> Path | None:
        """``base / rel`` if it stays inside ``base``."""
        if not rel or "\\" in rel or Path(rel).is_absolute() or re.match(r"[A-Za-z]:", rel):
            return None
        target = (base / rel).resolve()
        return target if target.is_relative_to(base.resolve()) else None

    # -- pack.toml

    def read(self) -> tuple[Pack | None, list[Problem]]:
        manifest = self.root / "pack.toml"
        self.problems += tree_problems(self.root)  # links, names, sizes: one rule for check, build and install
        if not manifest.is_file():
            self.problem("pack.toml", None, "is missing; a pack needs pack.toml at its root")
            return None, self.problems
        toml = self.toml(manifest)
        if toml is None:
            return None, self.problems
        f = self.fields(manifest, toml, toml.data, PACK_FIELDS, toml.top, "pack.toml")
        line = lambda key: toml.key_line(key, toml.top)  # noqa: E731
        if "format" in f and f["format"] != FORMAT_VERSION:
            self.problem(manifest, line("format"), f"format {f['format']} is not supported; this sandbox reads format {FORMAT_VERSION}")
        if "id" in f and not ID_RE.fullmatch(f["id"]):
            self.problem(manifest, line("id"), f"id '{f['id']}' should be 2 to 64 lowercase letters, digits and dashes, starting with a letter or digit")
        for key in ("version", "requires"):
            if key in f and not SEMVER_RE.fullmatch(f[key]):
                self.problem(manifest, line(key), f"{key} '{f[key]}' should be a version like 1.0.0 (MAJOR.MINOR.PATCH)")
        if SEMVER_RE.fullmatch(f.get("requires", "0.0.0")) and SEMVER_RE.fullmatch(self.sandbox_version):
            if parse_version(f.get("requires", "0.0.0")) > parse_version(self.sandbox_version):
                self.problem(manifest, line("requires"), f"this pack needs sandbox {f['requires']} or newer, but this is sandbox {self.sandbox_version}; update the sandbox")
        requirements = f.get("requirements", [])
        for text in requirements:
            problem = requirement_problem(text)
            if problem:
                self.problem(manifest, line("requirements"), f"requirements: {problem}")
        if len(requirements) > MAX_REQUIREMENTS:
            self.problem(manifest, line("requirements"), f"requirements lists {len(requirements)} libraries; at most {MAX_REQUIREMENTS} are allowed")
        # The pack's own libraries are there for its checks too (django, httpx...): by the name pip installs.
        self.required_modules = {re.split(r"[\s\[<>=!~;(]", str(text).strip(), maxsplit=1)[0].lower().replace("-", "_")
                                 for text in requirements if isinstance(text, str)}
        self.continuing: list[tuple[Lesson, str, Path, int]] = []
        lessons = [self.lesson(name, index, manifest, line("lessons")) for index, name in enumerate(self.lesson_names(f, manifest, line("lessons")))]
        self.link_continuations([lesson for lesson in lessons if lesson is not None])
        pack = Pack(id=f.get("id", ""), title=f.get("title", ""), version=f.get("version", ""),
                    authors=f.get("authors", []), description=f.get("description", ""),
                    requires=f.get("requires", "0.0.0"), show_solutions=f.get("show_solutions", True),
                    lessons=[lesson for lesson in lessons if lesson is not None], root=self.root,
                    requirements=tuple(requirements), framework=f.get("framework") or None,
                    when_to_choose=f.get("when_to_choose", ""))
        return pack, self.problems

    def link_continuations(self, lessons: list[Lesson]) -> None:
        """``continues = "<lesson id>"``: the lesson starts from an earlier lesson's finished files."""
        by_id = {lesson.id: lesson for lesson in lessons}
        for lesson, name, path, line in self.continuing:
            earlier = by_id.get(name)
            if earlier is None:
                self.problem(path, line, f"continues names lesson '{name}', which is not in this pack")
            elif earlier.index >= lesson.index:
                self.problem(path, line, f"continues names lesson '{name}', which does not come before this one in pack.toml")
            else:
                lesson.continues = earlier

    def lesson_names(self, f: dict, manifest: Path, line: int) -> list[str]:
        names, seen = [], set()
        if "lessons" in f and not f["lessons"]:
            self.problem(manifest, line, "lessons is empty; list at least one lesson folder")
        for name in f.get("lessons", []):
            if name in seen:
                self.problem(manifest, line, f"lesson '{name}' is listed twice")
            elif not STEP_ID_RE.fullmatch(name):
                self.problem(manifest, line, f"lesson '{name}' should be a folder name of lowercase letters, digits and dashes")
            elif not (self.root / "lessons" / name / "lesson.toml").is_file():
                self.problem(manifest, line, f"lesson '{name}' has no lessons/{name}/lesson.toml")
            else:
                names.append(name)
            seen.add(name)
        folder = self.root / "lessons"
        if "lessons" in f and folder.is_dir():
            for extra in sorted(p.name for p in folder.iterdir() if p.is_dir() and not skipped_dir(p.name)):
                if extra not in seen:
                    self.problem(manifest, line, f"folder lessons/{extra} is not listed in lessons; add it or remove the folder")
        return names

    # -- lesson.toml

    def lesson(self, name: str, index: int, manifest: Path, line: int) -> Lesson | None:
        root = self.root / "lessons" / name
        path = root / "lesson.toml"
        toml = self.toml(path)
        if toml is None:
            return None
        f = self.fields(path, toml, toml.data, LESSON_FIELDS, toml.top, "lesson.toml")
        app = f.get("app", "app.py")
        if not app.endswith(".py") or self.inside(root, app) is None:
            self.problem(path, toml.key_line("app", toml.top), f"app '{app}' should be a .py file inside the lesson, like app.py")
        tables = f.get("steps", [])
        if "steps" in f and not tables:
            self.problem(path, toml.key_line("steps", toml.top), "steps is empty; a lesson needs at least one step")
        sections = toml.sections("steps", (1, len(toml.lines)), len(tables), "steps")
        steps, seen = [], set()
        for number, (table, section) in enumerate(zip(tables, sections)):
            step = self.step(root, path, toml, table, section, number)
            if step is None:
                continue
            if step.id in seen:
                self.problem(path, toml.key_line("id", section), f"step id '{step.id}' is used twice in this lesson")
            seen.add(step.id)
            steps.append(step)
        self.stray_mistakes(root, steps)
        lesson = Lesson(id=name, title=f.get("title", ""), summary=f.get("summary", ""), app=app, steps=steps,
                        root=root, index=index,
                        renamed=self.renames(path, toml.key_line("renamed", toml.top), f.get("renamed", {}), steps))
        if "continues" in f:
            self.continuing.append((lesson, f["continues"], path, toml.key_line("continues", toml.top)))
        return lesson

    def step(self, root: Path, path: Path, toml: TomlLines, table: dict, section, number: int) -> Step | None:
        sid = table.get("id") if isinstance(table.get("id"), str) else None
        where = f"step '{sid}'" if sid else f"step {number + 1}"
        f = self.fields(path, toml, table, STEP_FIELDS, section, where)
        line = lambda key: toml.key_line(key, section)  # noqa: E731
        if "id" in f and not STEP_ID_RE.fullmatch(f["id"]):
            self.problem(path, line("id"), f"step id '{f['id']}' should be lowercase letters, digits and dashes")
        kind = f.get("kind", "read")
        if kind not in KINDS:
            self.problem(path, line("kind"), f"{where} has kind '{kind}'; use code, quiz or read")
        step = Step(id=sid or "", kind=kind, title=f.get("title", ""), instructions=root, hints=f.get("hints", []),
                    question=f.get("question", ""), multiple=f.get("multiple", False), index=number)
        if "instructions" in f:
            step.instructions = self.file(root, path, line("instructions"), where, f["instructions"], "file") or root
        for key, only in (("checks", "code"), ("solution", "code"), ("timeout", "code"), ("question", "quiz"),
                          ("choices", "quiz"), ("multiple", "quiz")):
            if key in f and kind in KINDS and kind != only:
                self.problem(path, line(key), f"{where} is a {kind} step; '{key}' only belongs in a {only} step")
        if kind == "code":
            self.code_step(root, path, step, f, line, where)
        elif kind == "quiz":
            self.quiz_step(path, toml, step, f, section, where)
        return step

    def file(self, root: Path, path: Path, line: int, where: str, rel: str, what: str) -> Path | None:
        target = self.inside(root, rel)
        exists = target is not None and _exists(target, folder=what == "folder")
        if target is None:
            self.problem(path, line, f"{where} names {rel}, which is outside the lesson folder")
        elif not exists:
            self.problem(path, line, f"{where} names {rel}, which does not exist" + (" (a folder is expected)" if what == "folder" else ""))
        return target if exists else None

    def code_step(self, root: Path, path: Path, step: Step, f: dict, line, where: str) -> None:
        low, high = CHECK_SECONDS
        if "timeout" in f and not low <= f["timeout"] <= high:
            self.problem(path, line("timeout"), f"{where} has timeout = {f['timeout']}; a step's check time limit must "
                         f"be {low} to {high} seconds")
        elif "timeout" in f:
            step.timeout = f["timeout"]
        checks = f.get("checks", [])
        checks = [checks] if isinstance(checks, str) else checks
        if not checks:
            self.problem(path, line("checks") if "checks" in f else line("id"), f"{where} is a code step with no checks; add checks = [\"checks/test_{step.id or 'step'}.py\"]")
        for rel in checks:
            check = self.file(root, path, line("checks"), where, rel, "file")
            if check is not None:
                step.checks.append(check)
                tests = self.parse_check(check, {p.stem for p in check.parent.glob("*.py")})
                if tests and not re.fullmatch(r"test_[^/]*\.py", check.name):
                    self.problem(path, line("checks"), f"{where} lists {rel}, which has tests ({tests[0]}) but is not "
                                 "named test_*.py, so pytest would never run them; rename it like checks/test_"
                                 f"{(step.id or 'step').replace('-', '_')}.py (a file without tests is a helper the checks import)")
        if checks and step.checks and not any(re.fullmatch(r"test_[^/]*\.py", c.name) for c in step.checks):
            self.problem(path, line("checks"), f"{where} has no check file named test_*.py, so no test would run; "
                         "pytest only collects files named like that")
        rel = f.get("solution", f"solution/{step.id}")
        step.solution = self.file(root, path, line("solution") if "solution" in f else line("id"), where, rel, "folder")
        names: set[str] = set()
        for folder_name, kind in VARIANT_FOLDERS.items():
            folder = root / folder_name / step.id
            if not (step.id and _exists(folder, folder=True)):
                continue
            for variant_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not skipped_dir(p.name)):
                variant = self.variant(variant_dir, kind)
                if variant is None:
                    continue
                if variant.name in names:
                    self.problem(variant_dir, None, f"{where} already has a mistake or alternative called '{variant.name}'")
                    continue
                names.add(variant.name)
                (step.mistakes if kind == "mistake" else step.alternatives).append(variant)

    def parse_check(self, check: Path, beside: set[str] = frozenset()) -> list[str]:
        """Parse a check file, and check what it imports (the standard library, ``CHECK_LIBRARIES`` and the
        modules ``beside`` it); return the names of the tests it defines at its top level."""
        try:
            tree = ast.parse(check.read_bytes(), filename=str(check))
        except SyntaxError as exc:
            self.problem(check, exc.lineno, f"check file does not parse: {exc.msg}")
            return []
        except ValueError as exc:
            self.problem(check, None, f"check file cannot be read as Python source: {exc}")
            return []
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in beside or top in getattr(self, "required_modules", ()) or any(
                        name == allowed or name.startswith(allowed + ".") for allowed in CHECK_LIBRARIES):
                    continue
                self.problem(check, node.lineno, f"imports {name}, which checks may not use: a learner's sandbox has "
                             "only the standard library and the libraries docs/lesson-packs.md lists")
        return [node.name for node in tree.body
                if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"))
                or (isinstance(node, ast.ClassDef) and node.name.startswith("Test"))]

    def renames(self, path: Path, line: int, table: dict[str, str], steps: list[Step]) -> dict[str, str]:
        """``renamed = { old-id = "new-id" }``: each old id, followed through chains, to a step id of this lesson."""
        ids = {step.id for step in steps}
        resolved = {}
        for old, new in table.items():
            if not STEP_ID_RE.fullmatch(old) or old in ids:
                why = "is a step of this lesson still" if old in ids else "is not a step id"
                self.problem(path, line, f"renamed lists '{old}', which {why}; list only ids that steps used to have")
                continue
            seen = [old]
            while new not in ids and new in table and new not in seen:
                seen.append(new)
                new = table[new]
            if new not in ids:
                self.problem(path, line, f"renamed says step '{old}' is now '{new}', but this lesson has no step '{new}'")
            else:
                resolved[old] = new
        return resolved

    def variant(self, folder: Path, kind: str) -> Variant | None:
        """A mistake or alternative folder, read with its ``mistake.toml`` / ``alternative.toml``."""
        path = folder / f"{kind}.toml"
        if not path.is_file():
            if kind == "mistake":
                self.problem(folder, None, "has no mistake.toml; add one with message = \"the text the learner must see\"")
            else:
                self.problem(folder, None, "has no alternative.toml; add one with description = \"what this solution does differently\"")
            return None
        toml = self.toml(path)
        if toml is None:
            return None
        f = self.fields(path, toml, toml.data, VARIANT_FIELDS[kind], toml.top, path.name)
        if kind == "mistake":
            if "message" in f and not f["message"].strip():
                self.problem(path, toml.key_line("message", toml.top), "message is empty; write the text a failing check must show")
            if not f.get("message", "").strip():
                return None
        edits = []
        sections = toml.sections("edits", (1, len(toml.lines)), len(f.get("edits", [])), "edits")
        for number, (table, section) in enumerate(zip(f.get("edits", []), sections)):
            e = self.fields(path, toml, table, EDIT_FIELDS, section, f"edit {number + 1}")
            if len(e) < len(EDIT_FIELDS):
                continue
            if self.inside(folder, e["file"]) is None:
                self.problem(path, section[0], f"edit {number + 1} names {e['file']}, which is outside the workspace")
            elif not e["find"]:
                self.problem(path, toml.key_line("find", section), f"edit {number + 1} has an empty find; give the text to replace")
            else:
                edits.append(Edit(e["file"], e["find"], e["replace"]))
        has_files = any(p.is_file() and p.name != path.name for p in folder.rglob("*"))
        if not has_files and not edits and not f.get("remove"):
            self.problem(path, None, f"changes nothing: add files next to {path.name}, [[edits]] or remove = [...]")
        return Variant(name=folder.name, path=folder, kind=kind, message=f.get("message", ""),
                       description=f.get("description", ""), edits=edits, remove=list(f.get("remove", [])))

    def stray_mistakes(self, root: Path, steps: list[Step]) -> None:
        code_ids = {step.id for step in steps if step.kind == "code"}
        for folder_name in VARIANT_FOLDERS:
            folder = root / folder_name
            if folder.is_dir():
                for stray in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in code_ids and not skipped_dir(p.name)):
                    self.problem(stray, None, f"does not match any code step in this lesson (code steps: {', '.join(sorted(code_ids)) or 'none'})")

    def quiz_step(self, path: Path, toml: TomlLines, step: Step, f: dict, section, where: str) -> None:
        line = lambda key: toml.key_line(key, section)  # noqa: E731
        if not f.get("question", "").strip():
            self.problem(path, line("question") if "question" in f else section[0], f"{where} is a quiz step with no question")
        tables = f.get("choices", [])
        subs = toml.sections("steps.choices", section, len(tables), "choices")
        for number, (table, sub) in enumerate(zip(tables, subs)):
            c = self.fields(path, toml, table, CHOICE_FIELDS, sub, f"choice {number + 1} of {where}")
            step.choices.append(Choice(text=c.get("text", ""), correct=c.get("correct", False), explain=c.get("explain", "")))
        right = sum(choice.correct for choice in step.choices)
        if len(step.choices) < 2:
            self.problem(path, line("choices") if "choices" in f else section[0], f"{where} is a quiz with {len(step.choices)} choice(s); give at least two [[steps.choices]]")
        elif right == 0:
            self.problem(path, subs[0][0], f"{where} has no correct choice; mark one with correct = true")
        elif right > 1 and not step.multiple:
            self.problem(path, subs[0][0], f"{where} has {right} correct choices; set multiple = true or mark only one")


def _exists(path: Path, *, folder: bool) -> bool:
    try:
        return path.is_dir() if folder else path.is_file()
    except OSError:  # a name too long for the file system, say: it cannot exist
        return False


# -- the way in -------------------------------------------------------------------------------

_LOADED: dict[tuple, Pack] = {}  # valid packs read this process, by folder, version and files' stamp
_LOADED_MAX = 32


def load_pack(path, *, sandbox_version: str = __version__) -> Pack:
    """Read and validate the pack in folder ``path``; PackError lists every problem found.

    A valid pack whose files (names, sizes and modification times) have not changed since this
    process last read it is not read again: the catalog re-reads its folders, and every page
    load of a changed folder would otherwise parse every check file. Treat the Pack as read-only.
    """
    root = Path(path).resolve()
    key = (root, sandbox_version, _stamp(root))
    if key in _LOADED:
        return _LOADED[key]
    pack, problems = PackReader(root, sandbox_version).read()
    if problems:
        raise PackError(problem_summary(f"The lesson pack in {root}", problems), problems)
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[key] = pack
    return pack


def _stamp(root: Path) -> tuple:
    """Every file and folder under ``root`` with its size and modification time (links not followed)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files) + dirs:
            try:
                info = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            found.append((os.path.relpath(os.path.join(folder, name), root), info.st_size, info.st_mtime_ns, info.st_mode))
    return tuple(found)


def validate_pack(path, *, sandbox_version: str = __version__) -> list[Problem]:
    """Every problem in the pack in folder ``path`` (empty when it is valid), without raising."""
    return PackReader(Path(path).resolve(), sandbox_version).read()[1]


def read_manifest(manifest: Path) -> dict:
    """pack.toml's id, title, description and version, read quickly (no validation of the rest).

    For listing packs that are not installed yet and for comparing versions; PackError when the
    file cannot be read as TOML.
    """
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PackError(f"{manifest} cannot be read: {exc}") from None
    return {"id": str(data.get("id", manifest.parent.name)), "title": str(data.get("title", manifest.parent.name)),
            "description": str(data.get("description", "")), "version": str(data.get("version", "0.0.0"))}


def problem_summary(what: str, problems: list[Problem]) -> str:
    """One message for a list of problems: the problem itself when there is one, else a count and a list."""
    if len(problems) == 1:
        return f"{what} is not valid: {problems[0]}"
    return f"{what} has {len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems)
