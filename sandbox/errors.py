"""The sandbox's own faults, as one small family. Each edge (CLI, web) turns them into a sentence."""


class SandboxError(Exception):
    """A problem the sandbox can explain to a person in one sentence."""


class ConfigError(SandboxError):
    """Bad command-line arguments, environment variables or data directory."""


class StoreError(SandboxError):
    """The database cannot be opened, upgraded or trusted."""


class PackError(SandboxError):
    """A lesson pack is invalid or cannot be installed.

    ``problems`` lists every (file, line, message) found, so a report can show them all at once.
    """

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


class WorkspaceError(SandboxError):
    """A learner file path or operation is not allowed."""


class DiskError(WorkspaceError):
    """A learner file could not be written: the disk is full, read-only or failing."""


class WorkspaceConflict(WorkspaceError):
    """A file changed on disk (another editor) since the sandbox last wrote it."""
