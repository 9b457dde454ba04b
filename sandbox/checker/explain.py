"""Plain words for what went wrong in the learner's code: the sentence a failed check or a preview
that cannot start shows, naming the real cause (a missing import, a misspelt name or keyword, a
route indented into another function, a package the sandbox lacks, a file in another encoding...).

Shared by the check child (through the pytest plugin) and the preview child. Both import it before
any workspace is on sys.path, so only the standard library and bottle are imported at the top;
pytest, webtest and peewee are imported where a check needs them.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import traceback
from pathlib import Path

import bottle

from sandbox.checker import slips, sources
from sandbox.checker.learner import last_learner_frame, relative
from sandbox.checker.slips import misspelt_keyword, raised_in_template, workspace_location  # noqa: F401 - for checks
from sandbox.errors import LearnerCodeError
from sandbox.work import encoding as encodings

# Libraries the sandbox imports before the learner's folder is on sys.path: a learner's file with
# one of these names is never used.
SANDBOX_LIBRARIES = ("bottle", "peewee", "playhouse", "waitress", "webtest", "webob", "pytest", "_pytest", "pluggy")
ROUTE_RULE_TEXT = re.compile(r"^Bad response: (\d{3})")
SQL_DUMP = re.compile(r"(?::\s*)?\s*SQL:\s.*?(?:\s*Params:\s*\[.*?\])?(?=\.?\s*$|\.\s|\n\S)", re.DOTALL)
RESPONSES: list[dict] = []  # requests the current check made (path and status), for 404 explanations


class TemplateEncodingError(UnicodeError):
    """A template file another editor saved in another encoding (or that is not text at all)."""


# --- the learner's code failing to load ---------------------------------------------------


def explain_import_error(exc: BaseException, workspace: Path, filename: str):
    """(message, file, line) for an exception raised while importing a learner file."""
    if isinstance(exc, SyntaxError) and exc.filename:
        file = relative(exc.filename, workspace) or filename
        return slips.explain_syntax_error(exc, workspace, file), file, exc.lineno
    file, line = last_learner_frame(exc.__traceback__, workspace)
    file = file or filename
    return explain_exception(exc, workspace, file, line), file, line


# --- an exception in the learner's code -----------------------------------------------------


def explain_exception(exc: BaseException, workspace: Path, file=None, line=None) -> str:
    """``"app.py line 9: <what happened and what to do>"`` for any exception from learner code."""
    if file is None:
        file, line = last_learner_frame(exc.__traceback__, workspace)
    where = workspace_location(file, line)
    specific = specific_explanation(exc, workspace, file, line)
    if specific:
        return specific
    prefix = f"{where}: " if where else "The check stopped with an error: "
    advice = slips.advice_for(exc)
    return prefix + plain_error(exc) + (f". {advice}" if advice else "")


def specific_explanation(exc: BaseException, workspace: Path, file=None, line=None) -> str | None:
    """A sentence naming the cause, for the kinds of mistakes recognised; None for anything else."""
    if file is None:
        file, line = last_learner_frame(exc.__traceback__, workspace)
    where = workspace_location(file, line)
    code = slips.source_line(workspace, file, line)
    if isinstance(exc, TemplateEncodingError):
        return str(exc)
    if isinstance(exc, SyntaxError) and exc.filename and relative(exc.filename, workspace):
        return slips.explain_syntax_error(exc, workspace, relative(exc.filename, workspace))
    if isinstance(exc, ModuleNotFoundError):
        return slips.explain_missing_module(exc, workspace, where)
    if isinstance(exc, ImportError) and exc.name and "cannot import name" in str(exc):
        return slips.explain_missing_name_in_module(exc, where)
    if isinstance(exc, NameError) and not isinstance(exc, UnboundLocalError):
        if raised_in_template(exc):
            return slips.explain_template_name(exc, where)
        return slips.explain_missing_name(exc, workspace, file, line, code)
    if isinstance(exc, AttributeError):
        return slips.explain_attribute(exc, workspace, where, code)
    if isinstance(exc, EOFError) and "input(" in code:
        return (f"{where} calls input(), which waits for someone typing at a keyboard, and a web app has none: "
                "read what the visitor sends from the request instead (request.query, request.forms).")
    if isinstance(exc, UnicodeDecodeError):
        return slips.explain_unreadable_file(exc, workspace, where)
    return None


def plain_error(exc: BaseException) -> str:
    """The exception as Python names it, with any SQL dump it carries cut short."""
    if isinstance(exc, SystemExit):
        return "your file stopped the program (sys.exit or exit()) while it was being loaded."
    text = f"{type(exc).__name__}: {trim_sql(str(exc))}"
    if isinstance(exc, ModuleNotFoundError):
        return text + " — is the name spelled right?"
    if isinstance(exc, NameError):
        return text + " — is it spelled right, and imported?"
    return text


# --- a failed check, as the learner reads it ---------------------------------------------------


def describe_failure(exc: BaseException, workspace: Path) -> dict:
    """The learner-facing message, file, line and limit hit for a failed test."""
    import pytest
    import webtest

    file, line = last_learner_frame(exc.__traceback__, workspace)
    info = {"file": file, "line": line, "limited": None}
    # A limit hit while importing the learner's app arrives wrapped in a LearnerCodeError.
    hit = _limit_hit(exc.__cause__ if isinstance(exc, LearnerCodeError) else exc)
    if isinstance(exc, LearnerCodeError):
        info.update(file=exc.file, line=exc.line)
    if hit:
        return {**info, **hit}
    if isinstance(exc, LearnerCodeError):
        return {**info, "message": str(exc)}
    caught = _caught_by_check(exc)
    if caught is not None:
        # The check caught an error from the learner's code and wrote its own sentence around it;
        # a recognised slip is named instead of the check's general words. A value that is None is
        # left to the check: its author knows why it may be missing at that point of the lesson.
        specific = specific_explanation(caught, workspace)
        if specific and not _about_none(caught):
            file, line = last_learner_frame(caught.__traceback__, workspace)
            return {**info, "file": file, "line": line, "message": specific}
    if isinstance(exc, AssertionError):
        return {**info, "message": trim_sql(_assert_message(exc))}
    if isinstance(exc, webtest.AppError):
        first = str(exc).splitlines()[0].removeprefix("Bad response: ")
        return {**info, "message": f"Your app answered {first}."}
    if isinstance(exc, pytest.fail.Exception):
        return {**info, "message": trim_sql(str(exc))}
    return {**info, "message": explain_exception(exc, workspace, file, line)}


def _about_none(exc: BaseException) -> bool:
    return isinstance(exc, AttributeError) and getattr(exc, "obj", 0) is None and "NoneType" in str(exc)


def _caught_by_check(exc: BaseException) -> BaseException | None:
    """The learner's exception a check was handling when it failed (``except X: pytest.fail(...)``)."""
    import pytest

    if isinstance(exc, (AssertionError, pytest.fail.Exception)):
        context = exc.__context__
        if isinstance(context, Exception) and not isinstance(context, (AssertionError, pytest.fail.Exception)):
            return context
    return None


def _limit_hit(exc) -> dict | None:
    if isinstance(exc, MemoryError):
        return {"limited": "memory", "message": "Your code tried to use more memory than a check allows."}
    if isinstance(exc, BlockingIOError) and exc.errno == errno.EAGAIN:
        return {"limited": "processes", "message": "Your code started more processes than a check allows."}
    return None


def _assert_message(exc: AssertionError) -> str:
    text = str(exc)
    if not text:
        return "A check failed."
    # Assertion rewriting appends its own explanation ("assert 404 == 200 ...") to the author's message.
    lines = text.splitlines()
    authored = []
    for line in lines:
        if line.startswith("assert "):
            break
        authored.append(line)
    return "\n".join(authored).strip() or f"A check failed: {lines[0]}"


def format_detail(exc: BaseException, workspace: Path) -> str:
    """The traceback a learner can read under "Details": only the frames in their own files, then
    the exception itself (any SQL dump cut short), with workspace paths made relative."""
    shown = exc
    if isinstance(exc, LearnerCodeError) and exc.__cause__ is not None:
        shown = exc.__cause__
    elif _caught_by_check(exc) is not None:
        shown = _caught_by_check(exc)
    frames = [frame for frame in traceback.extract_tb(shown.__traceback__) if relative(frame.filename, workspace)]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)] if frames else []
    if type(shown).__name__ == "AppError":  # WebTest's: its first line, not the whole error page
        lines.append(f"AppError: {str(shown).splitlines()[0]}\n")
    elif isinstance(shown, AssertionError):  # the check's words, without pytest's "assert ... where ..."
        lines.append(f"AssertionError: {_assert_message(shown)}\n")
    else:
        lines += traceback.format_exception_only(type(shown), shown)
    text = "".join(lines).replace(str(workspace) + os.sep, "")
    return trim_sql(text).strip() + "\n"


def trim_sql(text: str) -> str:
    """A message without the SQL and parameters Peewee appends to some errors (``SQL: SELECT ...
    Params: [...]``): the learner's own line already says which query it was."""
    if "SQL:" not in text:
        return text
    return SQL_DUMP.sub("", text)


# --- pages that are not found -----------------------------------------------------------------


def record_responses() -> None:
    """Note the path and status of every request a check makes through WebTest (into RESPONSES)."""
    import webtest

    original = webtest.TestApp.do_request
    if getattr(original, "sandbox_recorded", False):
        return

    def do_request(self, req, *args, **kwargs):
        entry = {"path": req.path_info, "status": None}
        RESPONSES.append(entry)
        try:
            response = original(self, req, *args, **kwargs)
        except webtest.AppError as error:
            found = ROUTE_RULE_TEXT.match(str(error))
            entry["status"] = int(found.group(1)) if found else None
            raise
        entry["status"] = response.status_int
        return response

    do_request.sandbox_recorded = True
    webtest.TestApp.do_request = do_request


def not_found_explanation(workspace: Path, paths, visited=()) -> str | None:
    """Why these paths answered 404, when the learner's source shows it: a route decorated inside
    another function or under ``if __name__ == "__main__":``, or a path without its leading slash
    or with a slash too many at the end. None when nothing in the source explains it.

    ``visited`` are all the paths the check asked for: a route whose own path was among them was
    found, so it is not what went wrong."""
    routes = sources.route_sites(workspace)
    served = [site.rule for site in routes if not site.enclosing]
    paths = [p for p in dict.fromkeys(paths) if p and not any(_matches(rule, p) for rule in served)]
    if not paths:
        return None
    for site in routes:
        if site.enclosing and any(_matches(site.rule, path) for path in paths):
            where = workspace_location(site.file, site.line)
            decorator = f"@{site.decorator}(\"{site.rule}\")"
            if site.enclosing == "__main__":
                return (f"{where}: the route for {site.rule} is inside if __name__ == \"__main__\":, which only runs "
                        f"when you start the file yourself, never in the sandbox: move {decorator} and its function "
                        "above that block, to the left margin.")
            return (f"{where}: the route for {site.rule} is inside the function {site.enclosing}(), so it only "
                    f"exists while {site.enclosing}() runs: move {decorator} and its function back to the left margin.")
    for site in routes:
        if site.enclosing or any(_matches(site.rule, path) for path in visited):
            continue
        where = workspace_location(site.file, site.line)
        for path in paths:
            if not site.rule.startswith("/") and _matches("/" + site.rule, path):
                return (f"{where}: the route's path \"{site.rule}\" has no slash at the start, so {path} finds no "
                        f"page: write it with the slash at the start, @{site.decorator}(\"/{site.rule}\").")
            # Only a rule without wildcards: "/blog/<slug>/" would "match" /blog/new, which needs a
            # route of its own, not a slash less.
            if (site.rule != "/" and site.rule.endswith("/") and "<" not in site.rule
                    and _matches(site.rule.rstrip("/"), path)):
                return (f"{where}: the route is for {site.rule}, with a slash at the end, and Bottle treats "
                        f"{path} as another address: write @{site.decorator}(\"{site.rule.rstrip('/')}\").")
    return None


def _matches(rule: str, path: str) -> bool:
    router = bottle.Router()
    try:
        router.add(rule, "GET", None)
        router.match({"PATH_INFO": path, "REQUEST_METHOD": "GET"})
    except Exception:  # noqa: BLE001 - a rule Bottle refuses, or no match (HTTPError 404)
        return False
    return True


# --- files named like the libraries, templates in other encodings ----------------------------------


def shadowing_note(workspace: Path) -> str | None:
    """One sentence when the learner's folder has a file named like a library the sandbox already
    imported (``bottle.py``): the sandbox uses the real one, and the file is silently ignored."""
    found = sources.shadowing_files(workspace, SANDBOX_LIBRARIES, sys.modules)
    if not found:
        return None
    file, library = found[0]
    kind = "the library" if library.split(".")[0] in SANDBOX_LIBRARIES else "a Python module"
    return (f"Your folder has {file}, a file with the same name as {kind} {library}; the sandbox uses the real "
            f"{library}, so rename your file.")


def read_templates_kindly() -> None:
    """Let Bottle's SimpleTemplate read a template saved with a UTF-8 byte order mark as Python does,
    and name the encoding of one another editor saved otherwise (instead of a deprecation warning)."""
    if getattr(bottle.SimpleTemplate, "sandbox_kind", False):
        return
    original = bottle.SimpleTemplate.__dict__["code"].func

    def code(self):
        source = self.source
        if not source and self.filename:
            with open(self.filename, "rb") as handle:
                source = handle.read()
        if isinstance(source, bytes):
            text, encoding = encodings.decode(source)
            if text is None or not encodings.is_utf8(encoding):
                rel = os.path.relpath(self.filename) if self.filename else "A template"
                if text is None:
                    raise TemplateEncodingError(f"{rel} is not a text file, so Bottle cannot use it as a template.")
                raise TemplateEncodingError(encodings.not_utf8_sentence(rel, encoding, "Bottle"))
            source = text
        if isinstance(source, str) and source.startswith("\ufeff"):
            source = source[1:]
        self.source = source
        return original(self)

    bottle.SimpleTemplate.code = bottle.cached_property(code)
    bottle.SimpleTemplate.sandbox_kind = True
