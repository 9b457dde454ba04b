"""What the learner's own Python holds: the one list the set-up script and the terminal share.

Plain constants and no imports, so ``tasks.py`` can read this file by path before the sandbox is
installed. The specifiers follow the sandbox's own (``pyproject.toml``), so a lesson's code runs
the same in a check, in the preview and in the terminal.
"""

PACKAGES = ("bottle>=0.13,<0.14", "peewee>=3.17", "waitress>=3.0", "pytest>=8.0")
