"""Every error the sandbox raises on purpose, as one small family.

Each type carries the HTTP status and the short title a page shows for it (datasette's way),
so the web app needs one handler and the command line one ``except``: the message is already a
sentence a learner or an instructor can act on. A traceback reaching a person is a bug.
"""

from __future__ import annotations


class SandboxError(Exception):
    """A problem the sandbox can explain to a person in one sentence (the exception's text).

    ``status`` is the HTTP status the web app answers with; ``title`` heads the error page.
    """

    status = 500
    title = "Something went wrong in the sandbox"

    def details(self) -> dict:
        """Plain data a script may need beside the sentence (a JSON error answer carries it)."""
        return {}


class ConfigError(SandboxError):
    """Bad command-line arguments, environment variables or data folder."""

    status = 400
    title = "The sandbox cannot start that way"


class StoreError(SandboxError):
    """The progress database cannot be opened, upgraded or trusted."""

    status = 500
    title = "The progress database cannot be used"


class StorageError(SandboxError):
    """SQLite could not write the data folder: the disk is full, read-only or failing.

    Raised at the store's boundary for SQLite's FULL, IOERR, READONLY, CANTOPEN and PERM
    result codes (https://sqlite.org/rescode.html), never by matching an error's English text.
    """

    status = 507
    title = "The data folder cannot be written"


class DatabaseBusy(StorageError):
    """Another program (or a stuck writer) held a write lock on the database longer than the sandbox waits.

    SQLite's BUSY and LOCKED result codes; nothing was written, so trying again later is safe.
    """

    status = 503
    title = "The sandbox's database is busy"


class NotFound(SandboxError):
    """What the address names does not exist (any more)."""

    status = 404
    title = "Page not found"


class Refused(SandboxError):
    """The request is understood but not allowed now (a locked step, say)."""

    status = 403
    title = "Not allowed yet"


class BadRequest(SandboxError):
    """A request the sandbox cannot act on: a missing or malformed field."""

    status = 400
    title = "That request was not understood"


class PackError(SandboxError):
    """A lesson pack is invalid or cannot be installed.

    ``problems`` lists every (file, line, message) found, so a report can show them all at once.
    """

    status = 422
    title = "The lesson pack cannot be used"

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


class PackNotFound(PackError, NotFound):
    """No installed pack, lesson or step has the id asked for."""

    status = 404
    title = "Not in this course"


class WrongStepKind(BadRequest):
    """An action that belongs to another kind of step: a quiz answer sent to a code step, say."""

    title = "That step works another way"


class WorkspaceError(SandboxError):
    """A learner file path or operation is not allowed."""

    status = 400
    title = "That file cannot be used"


class DiskError(WorkspaceError):
    """A learner file could not be written: the disk is full, read-only or failing."""

    status = 507
    title = "The file could not be saved"


class WorkspaceConflict(WorkspaceError):
    """A file changed on disk (another editor, tab or the terminal) since the editor opened it.

    ``path``, ``disk_text`` and ``typed_text`` let a page show both versions side by side;
    ``disk_version`` is the fingerprint to save against once the learner has chosen.
    """

    status = 409
    title = "Changed in another editor"

    def __init__(self, message, *, path: str = "", disk_text: str = "", typed_text: str = "", disk_version: str = ""):
        super().__init__(message)
        self.path, self.disk_text, self.typed_text, self.disk_version = path, disk_text, typed_text, disk_version

    def details(self) -> dict:
        return {"path": self.path, "disk_text": self.disk_text, "typed_text": self.typed_text,
                "disk_version": self.disk_version}


class ProfileError(SandboxError):
    """A profile cannot be created, renamed, switched to or deleted; the message says why."""

    status = 422
    title = "Please check the profile"


class ProfileNotFound(ProfileError, NotFound):
    """No learner profile has that id or name."""

    status = 404
    title = "No such profile"


class ReportError(SandboxError):
    """A progress report cannot be written, read or trusted. ``problems`` has one sentence per bad file."""

    status = 422
    title = "The report cannot be used"

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


class ClassroomError(SandboxError):
    """The class's service (JupyterHub classroom mode) cannot be reached, or refused what was asked."""

    status = 502
    title = "The class's service did not answer"


class PreviewUnavailable(SandboxError):
    """The live preview is off in this sandbox, or no lesson has been opened yet."""

    status = 404
    title = "No preview yet"


class TerminalError(SandboxError):
    """A terminal cannot be opened or used: no workspace yet, the learner's Python cannot be prepared."""

    status = 409
    title = "The terminal cannot do that"


class TerminalGone(TerminalError, NotFound):
    """The terminal asked for has ended (it exited, was idle too long, or its page went away)."""

    status = 404
    title = "That terminal has ended"


class BrowseError(NotFound):
    """The database browser cannot show the database or table asked for."""

    title = "Not in your database"


class NothingToWatch(SandboxError):
    """No code step has been opened yet, so watch mode has no workspace to follow."""

    status = 409
    title = "Nothing to watch yet"


class LearnerCodeError(Exception):
    """Inside a check: the learner's code could not be loaded. The message is already written for them.

    Not a SandboxError: it is the learner's mistake, reported as a failed check (a result), never as
    an error page. ``file`` and ``line`` point into the workspace.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.file, self.line = file, line


def all_errors() -> list[type[SandboxError]]:
    """SandboxError and every subclass, for the docs and the tests that hold the family together."""
    found, frontier = [], [SandboxError]
    while frontier:
        cls = frontier.pop()
        found.append(cls)
        frontier.extend(cls.__subclasses__())
    return found


class EnvironmentNotReady(SandboxError):
    """A pack's own libraries are still being installed, or could not be (``packs.environment``)."""

    status = 503
    title = "Still getting ready"
