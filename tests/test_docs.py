"""The docs cannot drift from the code: every command and option a user can type is documented."""

import argparse
import re
from pathlib import Path

from sandbox.launch.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def subcommands(parser, prefix=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name), sub
                yield from subcommands(sub, (*prefix, name))


def docs_text() -> str:
    return "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def test_every_cli_command_is_documented():
    text = docs_text()
    missing = [" ".join(path) for path, _ in subcommands(build_parser()) if f"sandbox {' '.join(path)}" not in text]
    assert not missing, f"commands missing from README.md or docs/: {missing}"


def test_every_launcher_option_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for action in build_parser()._actions:
        for option in action.option_strings:
            if option.startswith("--") and option not in ("--help", "--version", "--host"):
                assert option in readme, f"{option} is not described in README.md"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    blocks = re.findall(r"```[a-z]*\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    run, test = blocks[0].strip(), blocks[1].strip()
    assert run == "python3 tasks.py run" and test == "python3 tasks.py test"
    assert test in (ROOT / ".ci" / "run").read_text()
