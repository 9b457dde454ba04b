"""The lesson-pack format: its dataclasses, versions, quiz marking and a code step's files.

Reading a pack folder into these (and validating it) is ``sandbox.packs.reader``'s job;
``step_files`` builds the files of a code step's starting point, solution or mistake.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import PackError, PackNotFound, WrongStepKind
from sandbox.files import is_data, is_junk, skipped_dir

FORMAT_VERSION = 1
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")
STEP_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # bounded: ids become folder names
SEMVER_RE = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?")
KINDS = ("code", "quiz", "read")
CHECK_SECONDS = (1, 60)  # the range a step's own check time limit (``timeout``) must be in
# What a check file may import besides Python's standard library and the other .py files beside it:
# what the sandbox installs and keeps (docs/lesson-packs.md, "What checks may import").
CHECK_LIBRARIES = ("pytest", "_pytest", "webtest", "webob", "bottle", "peewee", "playhouse", "waitress", "crossplane",
                   "sandbox.checker")


@dataclass(frozen=True)
class Problem:
    file: str  # relative to the pack root, with forward slashes
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass
class Choice:
    text: str
    correct: bool = False
    explain: str = ""


@dataclass(frozen=True)
class Edit:
    """One find/replace pair of a variant's ``[[edits]]``: ``find`` occurs exactly once in ``file``."""

    file: str  # relative posix path in the workspace
    find: str
    replace: str


@dataclass
class Variant:
    """Another version of a step's solution that ``pack check`` runs: a mistake or an alternative.

    A mistake must fail the step's checks with ``message`` in a failure; an alternative is another
    correct solution and must pass. Its files are the reference solution's, then the files in its
    folder (``path``), then ``remove`` and ``edits`` applied in order.
    """

    name: str
    path: Path
    kind: str  # "mistake" | "alternative"
    message: str = ""
    description: str = ""
    edits: list[Edit] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)

    @property
    def manifest(self) -> str:
        return f"{self.kind}.toml"


@dataclass
class Step:
    id: str
    kind: str
    title: str
    instructions: Path
    checks: list[Path] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    solution: Path | None = None
    question: str = ""
    multiple: bool = False
    choices: list[Choice] = field(default_factory=list)
    mistakes: list[Variant] = field(default_factory=list)
    alternatives: list[Variant] = field(default_factory=list)
    index: int = 0
    timeout: int | None = None  # this step's check time limit in seconds (None: the sandbox's default)

    def instructions_text(self) -> str:
        return self.instructions.read_text(encoding="utf-8")

    def variant(self, name: str) -> Variant:
        """The mistake or alternative called ``name``; PackNotFound when there is none."""
        for variant in (*self.mistakes, *self.alternatives):
            if variant.name == name:
                return variant
        raise PackNotFound(f"Step '{self.id}' has no mistake or alternative called '{name}'.")


@dataclass
class Lesson:
    id: str
    title: str
    summary: str
    app: str
    steps: list[Step]
    root: Path
    index: int = 0
    continues: Lesson | None = None  # the earlier lesson whose finished files this one starts from
    renamed: dict[str, str] = field(default_factory=dict)  # an old step id -> the id it has now

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise PackNotFound(f"Lesson '{self.id}' has no step '{step_id}'.")

    @property
    def starter(self) -> Path:
        return self.root / "starter"


@dataclass
class Pack:
    id: str
    title: str
    version: str
    authors: list[str]
    description: str
    requires: str
    show_solutions: bool
    lessons: list[Lesson]
    root: Path
    requirements: tuple[str, ...] = ()  # PEP 508 strings: the libraries the pack's own environment holds
    framework: str | None = None  # the web framework it teaches, for the catalogue ("Flask")
    when_to_choose: str = ""  # one line for the home page: when this track is the one to take

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise PackNotFound(f"Pack '{self.id}' has no lesson '{lesson_id}'.")


@dataclass
class QuizResult:
    correct: bool
    chosen: list[int]
    explanations: list[str]  # one per choice, in the step's order
    summary: str = ""  # for a wrong answer to a quiz with several right choices: what is missing or extra


def check_quiz(step: Step, chosen_indexes) -> QuizResult:
    """Mark a quiz answer: right when exactly the correct choices were chosen."""
    if step.kind != "quiz":
        raise WrongStepKind(f"'{step.title}' is a {step.kind} step, not a quiz: there is no answer to check.")
    given = list(chosen_indexes)
    chosen = sorted({i for i in given if isinstance(i, int) and 0 <= i < len(step.choices)})
    wanted = [i for i, choice in enumerate(step.choices) if choice.correct]
    # Anything odd (an index out of range, a repeat) is a wrong answer, never an error.
    correct = len(chosen) == len(given) and chosen == wanted and (step.multiple or len(chosen) == 1)
    summary = "" if correct or len(wanted) < 2 else quiz_summary(step, chosen, wanted)
    return QuizResult(correct, chosen, [choice.explain for choice in step.choices], summary)


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def quiz_summary(step: Step, chosen: list[int], wanted: list[int]) -> str:
    """"You found 2 of the 3 right answers; one is still missing." and which chosen answer is wrong."""
    found = len(set(chosen) & set(wanted))
    missing = len(wanted) - found
    wrong = [f"\u201c{step.choices[i].text}\u201d" for i in chosen if i not in wanted]
    extra = ""
    if wrong:
        names = wrong[0] if len(wrong) == 1 else ", ".join(wrong[:-1]) + " and " + wrong[-1]
        extra = f"{names} {'is' if len(wrong) == 1 else 'are'} not one of them"
    if not missing:
        return f"You found all {len(wanted)} right answers, but {extra}."
    if not found:
        return f"You found none of the {len(wanted)} right answers yet" + (f", and {extra}." if extra else ".")
    count = NUMBER_WORDS[missing] if missing < len(NUMBER_WORDS) else str(missing)
    still = f"{count} {'is' if missing == 1 else 'are'} still missing"
    return f"You found {found} of the {len(wanted)} right answers; {still}" + (f", and {extra}." if extra else ".")


def parse_version(text: str) -> tuple:
    """A sort key for a semver string; a prerelease sorts before its release."""
    match = SEMVER_RE.fullmatch(text)
    if not match:
        raise ValueError(f"'{text}' is not a version like 1.0.0")
    major, minor, patch, pre = match.groups()
    release = (int(major), int(minor), int(patch))
    if pre is None:
        return release + (1, ())
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return release + (0, parts)


def junk_path(rel: str) -> bool:
    """Is a path inside a pack left out (a skipped folder or a junk file, by ``sandbox.files``' rule)?"""
    parts = rel.rstrip("/").split("/")
    return any(skipped_dir(part) for part in parts[:-1]) or is_junk(parts[-1]) or skipped_dir(parts[-1])


DATABASE_SOURCE = ".sql"  # "blog.db.sql" in a pack is the SQLite file "blog.db", built from its SQL


def read_tree(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``folder`` as {relative posix path: bytes}, without junk.

    A SQLite database is kept in a pack as the SQL that makes it (``blog.db.sql``, readable and
    diffable), and read here as the database file itself (``blog.db``), built by SQLite.
    """
    files: dict[str, bytes] = {}
    if not folder.is_dir():
        return files
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if not path.is_file() or junk_path(rel) or rel in skip:
            continue
        if is_database_source(rel):
            files[rel[: -len(DATABASE_SOURCE)]] = built_database(path.read_text(encoding="utf-8"))
        else:
            files[rel] = path.read_bytes()
    return files


def is_database_source(rel: str) -> bool:
    """Is this pack file the SQL of a database (``name.db.sql``, ``name.sqlite.sql``...)?"""
    return rel.endswith(DATABASE_SOURCE) and is_data(rel[: -len(DATABASE_SOURCE)])


@functools.lru_cache(maxsize=64)
def built_database(sql: str) -> bytes:
    """The bytes of the SQLite file that running ``sql`` in a new database makes (empty SQL: an empty file).

    Remembered per SQL text (64 at most): ``pack check`` reads the same starter for many rows.
    """
    with tempfile.TemporaryDirectory(prefix="pack-database-") as folder:
        path = Path(folder) / "built.db"
        connection = sqlite3.connect(path)
        try:
            connection.executescript(sql)
        finally:
            connection.close()
        return path.read_bytes()


def starter_files(lesson: Lesson) -> dict[str, bytes]:
    """The files a learner starts ``lesson`` with, as {relative posix path: bytes}.

    A lesson that ``continues`` an earlier one starts from that lesson's finished files (its
    starter with every code step's solution copied over it, in order), with its own
    ``starter/`` folder copied over them; otherwise it starts from ``starter/`` alone.
    """
    files = finished_files(lesson.continues) if lesson.continues is not None else {}
    files.update(read_tree(lesson.starter))
    return files


def finished_files(lesson: Lesson) -> dict[str, bytes]:
    """``lesson``'s files when every code step is solved: its starter, then each solution in order."""
    files = starter_files(lesson)
    for step in lesson.steps:
        if step.kind == "code" and step.solution is not None:
            files.update(read_tree(step.solution))
    return files


def step_files(lesson: Lesson, step: Step, variant: str = "start") -> dict[str, bytes]:
    """The workspace files of a code step: ``start``, ``solution`` or a mistake's or alternative's name.

    The starting point is the lesson's starter overlaid with the solutions of the earlier
    code steps, in order; the solution is overlaid on that starting point; a variant is made
    from the solution (see ``Variant``). PackError when a variant's edit does not apply.
    """
    files = starter_files(lesson)
    for earlier in lesson.steps[: step.index]:
        if earlier.kind == "code" and earlier.solution is not None:
            files.update(read_tree(earlier.solution))
    if variant == "start":
        return files
    if step.solution is not None:
        files.update(read_tree(step.solution))
    if variant != "solution":
        chosen = step.variant(variant)
        files.update(read_tree(chosen.path, skip=(chosen.manifest,)))
        apply_edits(files, chosen)
    return files


def apply_edits(files: dict[str, bytes], variant: Variant) -> None:
    """Apply ``variant``'s ``remove`` and ``edits`` to ``files`` in place.

    Each ``find`` must occur exactly once in its file, as it stands after the edits before it;
    PackError otherwise, naming the variant, the file and the text.
    """
    where = f"{variant.path.relative_to(variant.path.parents[2]).as_posix()}/{variant.manifest}"
    for rel in variant.remove:
        if files.pop(rel, None) is None:
            raise PackError(f"{where}: remove names {rel}, which the solution does not have")
    for edit in variant.edits:
        if edit.file not in files:
            raise PackError(f"{where}: an edit names {edit.file}, which the solution does not have")
        text = files[edit.file].decode("utf-8")
        count = text.count(edit.find)
        if count != 1:
            found = "does not occur" if count == 0 else f"occurs {count} times"
            raise PackError(f"{where}: the text to find in {edit.file} {found} (it must occur exactly once): {edit.find[:80]!r}")
        files[edit.file] = text.replace(edit.find, edit.replace).encode("utf-8")


def write_files(files: dict[str, bytes], target: Path) -> None:
    """Write ``step_files`` output under ``target`` (which should be empty)."""
    for rel, data in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
