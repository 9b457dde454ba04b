"""The learner's terminal: a real shell and Python prompt behind a pty, in the workspace, contained
like the preview, with the learner's own offline Python; and its line-console fallback."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sandbox import containment
from sandbox.config import build_settings
from sandbox.errors import TerminalError, TerminalGone
from sandbox.terminal.environment import LearnerEnvironment
from sandbox.terminal.manager import MAX_TERMINALS, TerminalManager
from sandbox.terminal.session import OUTPUT_CHARS, OutputRing
from tests.conftest import ROOT, WHEELHOUSE, need, wait_for
from tests.support import is_running

pytestmark = pytest.mark.slow

MODELS = """\
from peewee import CharField, Model, SqliteDatabase

db = SqliteDatabase("blog.db")


class Article(Model):
    title = CharField()

    class Meta:
        database = db
"""
_markers = itertools.count(1000)
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def outside(root: int, pid: int) -> int:
    """The pid as this computer sees it of a process a terminal calls ``pid`` (``echo $$``): in a
    bubblewrap sandbox the terminal has a PID namespace of its own, started from ``root``."""
    if not containment.protection().active:
        return pid
    found = containment.host_pid(root, pid)
    assert found, f"no process {pid} in the sandbox started by {root}"
    return found


def lines(output: str) -> list[str]:
    """The output's lines as a person reads them: no escape sequences (bash's bracketed paste), no CRs."""
    return [line.strip("\r") for line in ESCAPES.sub("", output).split("\n")]


@pytest.fixture
def workspace(outside_pytest_temp):
    folder = Path(tempfile.mkdtemp(dir=outside_pytest_temp)) / "ws"
    folder.mkdir()
    (folder / "models.py").write_text(MODELS)
    return folder


@pytest.fixture
def manager(environment):
    found = TerminalManager(environment=environment)
    yield found
    found.close()


class Console:
    """What a page does: type into one terminal and read what is new, keeping it all."""

    def __init__(self, manager: TerminalManager, key, info):
        self.manager, self.key, self.id = manager, key, info.id
        self.text, self.offset, self.alive, self.exit_code = "", 0, True, None

    def read(self) -> str:
        new, self.offset, self.alive, self.exit_code = self.manager.output(self.key, self.id, self.offset)
        self.text += new
        return self.text

    def type(self, data: str) -> None:
        self.manager.write(self.key, self.id, data)

    def wait_for_text(self, pattern: str, timeout: float = 30.0) -> re.Match:
        """The first match of the regular expression ``pattern`` in the output so far."""
        return wait_for(lambda: re.search(pattern, self.read()), timeout, what=f"{pattern!r} in the terminal")

    def run(self, command: str, timeout: float = 30.0) -> str:
        """Type a shell command and Enter; return what it printed (up to a marker only its output has)."""
        marker = next(_markers)
        start = len(self.text)
        self.type(f"{command}; echo '<end' $(({marker}+1))\r")
        match = wait_for(lambda: re.search(rf"<end {marker + 1}\r\n", self.read()[start:]), timeout,
                         what=f"the end of {command!r}")
        return self.text[start:start + match.start()]

    def ended(self) -> bool:
        self.read()
        return not self.alive


def shell(manager, workspace, key=1, **kwargs) -> Console:
    return Console(manager, key, manager.open(key, workspace, **kwargs))


# --- the shell ----------------------------------------------------------------------------


def test_the_shell_echoes_what_is_typed_and_runs_it(manager, workspace):
    console = shell(manager, workspace)
    output = console.run("echo $((6*7))")
    assert "echo $((6*7))" in output  # the pty echoes the keystrokes
    assert "42" in lines(output)


def test_the_shell_starts_in_the_workspace(manager, workspace):
    console = shell(manager, workspace)
    assert str(workspace) in lines(console.run("pwd"))


def test_the_environment_holds_nothing_of_the_sandbox(manager, workspace, monkeypatch):
    monkeypatch.setenv("SANDBOX_TOKEN", "t0ken-that-must-not-leak")
    monkeypatch.setenv("SANDBOX_DB", "/somewhere/sandbox.db")
    console = shell(manager, workspace)
    output = console.run("env")
    assert "TERM=xterm-256color" in output and "PIP_NO_INDEX=1" in output and f"PIP_FIND_LINKS={WHEELHOUSE}" in output
    assert "SANDBOX_" not in output and "t0ken" not in output and "sandbox.db" not in output
    home = re.search(r"\r\nHOME=(\S+)\r\n", output).group(1)
    assert Path(home) != Path.home() and f"TMPDIR={home}\r\n" in output


def test_the_learners_own_tests_run_with_python_dash_m_pytest(manager, workspace):
    (workspace / "test_models.py").write_text("def test_adds():\n    assert 1 + 1 == 2\n")
    console = shell(manager, workspace)
    assert "1 passed" in console.run("python -m pytest -q -p no:cacheprovider test_models.py", timeout=60)


def test_python_and_pip_are_the_learners_own(manager, workspace, environment):
    console = shell(manager, workspace)
    assert "ok" in lines(console.run("""python -c "import bottle, peewee; print('ok')" """))
    assert str(environment.bin_dir / "python") in lines(console.run("command -v python"))
    frozen = {line.split("==")[0].lower() for line in lines(console.run("pip freeze")) if "==" in line}
    assert {"bottle", "peewee", "waitress", "pytest"} <= frozen
    assert not frozen & {"playwright", "pyqt6", "pywebview", "webtest", "sandbox", "watchfiles", "hypothesis"}


def test_a_new_virtual_environment_installs_bottle_offline(manager, workspace):
    console = shell(manager, workspace)
    output = console.run("python -m venv venv && venv/bin/pip install bottle && venv/bin/python -c 'import bottle; "
                         "print(\"bottle\", bottle.__version__)'", timeout=300)
    assert any(re.fullmatch(r"bottle 0\.13\.\d+", line) for line in lines(output)), output[-2000:]


def test_a_resize_reaches_the_programs(manager, workspace):
    console = shell(manager, workspace)
    assert "24 80" in lines(console.run("stty size"))
    info = manager.resize(1, console.id, 120, 40)
    assert (info.cols, info.rows) == (120, 40)
    assert "40 120" in lines(console.run("stty size"))


def test_the_learners_processes_run_as_nobody_when_the_sandbox_is_root(manager, workspace):
    need(os.geteuid() == 0, "the drop to `nobody` happens only when the sandbox runs as root")
    console = shell(manager, workspace)
    assert "65534" in lines(console.run("id -u"))
    console.run("echo written > made-in-the-terminal.txt")
    assert (workspace / "made-in-the-terminal.txt").read_text() == "written\n"


# --- the Python prompt ---------------------------------------------------------------------


def test_the_python_kind_evaluates_in_the_workspace(manager, workspace):
    console = shell(manager, workspace, kind="python")
    console.wait_for_text(r">>> $")
    console.type("6*7\r")
    console.wait_for_text(r"\r\n42\r\n>>> ")
    console.type("from models import Article; Article.__name__\r")
    console.wait_for_text(r"\r\n'Article'\r\n>>> ")


# --- output ----------------------------------------------------------------------------------


def test_output_past_the_cap_keeps_the_newest_part(manager, workspace):
    console = shell(manager, workspace)
    console.run("seq 1 100000")  # about 690,000 characters with the CRs
    text, end, alive, _ = manager.output(1, console.id, 0)  # a reader that fell far behind
    assert alive and end > OUTPUT_CHARS and len(text) == OUTPUT_CHARS
    assert "\r\n100000\r\n" in text and "\r\n1\r\n2\r\n" not in text
    assert manager.output(1, console.id, end) == ("", end, True, None)


def test_characters_are_never_split(manager, workspace):
    console = shell(manager, workspace)
    output = console.run("""python -c "print('é' * 50000 + '✓')" """)
    assert "é" * 50000 + "✓" in output and "\ufffd" not in output


def test_the_output_ring_counts_characters_and_keeps_the_newest():
    ring = OutputRing(capacity=10)
    ring.append("héllo ")
    ring.append("wörld, again")
    assert ring.end == 18 and ring.since(0) == ("rld, again", 18)  # fell behind: what is left, no error
    assert ring.since(15) == ("ain", 18) and ring.since(18) == ("", 18) and ring.since(99) == ("", 18)


# --- the end of a terminal --------------------------------------------------------------------


def test_close_ends_the_shell_and_everything_it_started(manager, workspace):
    console = shell(manager, workspace)
    root = manager._terminals[console.id].process.pid
    shell_pid = outside(root, int(next(line for line in lines(console.run("echo $$")) if line.isdigit())))
    console.type("setsid sh -c 'echo sleeper=$$; exec sleep 1000' &\r")
    sleeper = outside(root, int(console.wait_for_text(r"sleeper=(\d+)").group(1)))
    assert is_running(shell_pid) and is_running(sleeper)
    manager.close(1, console.id)
    wait_for(lambda: not is_running(shell_pid), what="the shell to be gone")
    wait_for(lambda: not is_running(sleeper), what="the process that left with setsid to be gone")
    with pytest.raises(TerminalGone):
        manager.output(1, console.id, 0)


SANDBOX_STANDIN = """
import re, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from sandbox import containment
from sandbox.terminal.manager import TerminalManager
manager = TerminalManager()
info = manager.open(1, Path({workspace!r}))
manager.write(1, info.id, "setsid sh -c 'echo sleeper=$$; exec sleep 1000' & echo shell=$$ home=$HOME\\r")
text, end = "", 0
while not (re.search(r"sleeper=(\\d+)", text) and re.search(r"shell=(\\d+) home=(\\S+)", text)):
    new, end, alive, code = manager.output(1, info.id, end)
    text += new
    time.sleep(0.01)
shell, home = re.search(r"shell=(\\d+) home=(\\S+)", text).groups()
sleeper = re.search(r"sleeper=(\\d+)", text).group(1)
if containment.protection().active:  # pids of its own: as this computer sees them; its home is in memory
    root = manager._terminals[info.id].process.pid
    shell, sleeper = (containment.host_pid(root, int(pid)) for pid in (shell, sleeper))
print(shell, home, sleeper, flush=True)
time.sleep(60)
"""


def test_the_terminal_ends_when_the_sandbox_is_killed_hard(workspace):
    script = SANDBOX_STANDIN.format(root=str(ROOT), workspace=str(workspace))
    sandbox = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        shell_pid, home, sleeper = sandbox.stdout.readline().split()
        shell_pid, sleeper = int(shell_pid), int(sleeper)
        assert is_running(shell_pid) and is_running(sleeper)
        assert Path(home).is_dir() or containment.protection().active
        sandbox.send_signal(signal.SIGKILL)
        sandbox.wait()
        wait_for(lambda: not is_running(shell_pid) and not is_running(sleeper), what="the orphaned terminal to end")
        wait_for(lambda: not Path(home).exists(), what="its private home to be removed by its launcher")
    finally:
        if sandbox.poll() is None:
            sandbox.kill()
        sandbox.stdout.close()


def test_a_terminal_nobody_reads_ends(environment, workspace):
    manager = TerminalManager(environment=environment, unwatched_seconds=0.3)
    try:
        events = []
        manager.add_listener(lambda key, event: events.append((key, event)))
        console = shell(manager, workspace, key="learner")
        root = manager._terminals[console.id].process.pid
        shell_pid = outside(root, int(next(line for line in lines(console.run("echo $$")) if line.isdigit())))  # read: watched
        # Now nobody reads it.
        wait_for(lambda: any(e["event"] == "exited" for _, e in events), what="the unwatched terminal to end")
        assert not is_running(shell_pid)
        wait_for(lambda: manager.list("learner") == [], what="the ended terminal to be forgotten")
        with pytest.raises(TerminalGone):
            console.read()
    finally:
        manager.close()


def test_a_terminal_nobody_types_in_ends(environment, workspace):
    manager = TerminalManager(environment=environment, idle_seconds=0.3)
    try:
        console = shell(manager, workspace)
        wait_for(console.ended, what="the idle terminal to end")  # read all along: watched, but idle
        assert console.exit_code == 128 + 15  # ended by the manager's SIGTERM to its launcher
    finally:
        manager.close()


def test_the_listener_hears_output_and_the_exit(manager, workspace):
    events = []
    manager.add_listener(lambda key, event: 1 / 0)  # a failing listener stops nothing
    manager.add_listener(lambda key, event: events.append((key, event)))
    console = shell(manager, workspace)
    console.type("exit 7\r")
    wait_for(lambda: (1, {"event": "exited", "terminal": console.id, "exit_code": 7}) in events, what="the exit event")
    assert (1, {"event": "output", "terminal": console.id}) in events
    assert console.ended() and console.exit_code == 7
    with pytest.raises(TerminalGone):
        console.type("echo too late\r")


def test_a_fifth_terminal_ends_the_oldest(manager, workspace):
    consoles = [shell(manager, workspace) for _ in range(MAX_TERMINALS + 1)]
    assert [info.id for info in manager.list(1)] == [c.id for c in consoles[1:]]
    with pytest.raises(TerminalGone):
        consoles[0].read()
    assert "42" in lines(consoles[-1].run("echo $((6*7))"))


def test_close_all_ends_only_that_learners_terminals(manager, workspace):
    mine, theirs = shell(manager, workspace, key=1), shell(manager, workspace, key=2)
    manager.close_all(1)
    assert manager.list(1) == [] and [info.id for info in manager.list(2)] == [theirs.id]
    with pytest.raises(TerminalGone):
        mine.read()


# --- refusals -----------------------------------------------------------------------------------


def test_unknown_or_foreign_terminals_are_gone(manager, workspace):
    console = shell(manager, workspace, key=1)
    for key, terminal_id in ((1, "made-up"), (2, console.id), (1, None)):
        with pytest.raises(TerminalGone):
            manager.output(key, terminal_id, 0)
        with pytest.raises(TerminalGone):
            manager.write(key, terminal_id, "ls\r")


def test_an_unusable_workspace_or_kind_is_refused_with_a_sentence(manager, tmp_path, workspace):
    with pytest.raises(TerminalError, match="does not exist"):
        manager.open(1, tmp_path / "nowhere")
    with pytest.raises(TerminalError, match="choose a shell or Python"):
        manager.open(1, workspace, kind="zsh")


def test_the_learners_python_needs_the_wheelhouse(tmp_path):
    with pytest.raises(TerminalError, match=r"no wheelhouse at .*tasks\.py setup"):
        LearnerEnvironment(tmp_path / "env", tmp_path / "no-wheelhouse").ensure()
    partial = tmp_path / "partial"
    partial.mkdir()
    need(any(WHEELHOUSE.glob("bottle-*.whl")), "no wheelhouse: run `python3 tasks.py setup` online")
    for wheel in WHEELHOUSE.glob("bottle-*.whl"):
        shutil.copy(wheel, partial)
    with pytest.raises(TerminalError, match=r"has no peewee.*tasks\.py setup"):
        LearnerEnvironment(tmp_path / "env", partial, packages=("bottle", "peewee")).ensure()


def test_the_settings_name_the_wheelhouse_and_the_environments(tmp_path):
    settings = build_settings(data_dir=tmp_path, env={})
    assert settings.wheelhouse == WHEELHOUSE  # a checkout: tasks.py fills it
    assert settings.environments_dir == tmp_path.resolve() / "environments"


def test_a_ready_environment_is_found_at_once(environment):
    heard = []
    assert environment.ensure(heard.append) == environment.bin_dir
    assert LearnerEnvironment(environment.path, WHEELHOUSE).ensure(heard.append) == environment.bin_dir
    assert heard == []  # nothing to wait for, nothing said


# --- the line console (Windows, or use_pty=False) -------------------------------------------------


def test_the_line_console_runs_a_command(environment, workspace):
    manager = TerminalManager(environment=environment, use_pty=False)
    try:
        console = shell(manager, workspace)
        console.type("echo hx\x7fi\r")  # Backspace edits the line before Enter sends it
        console.wait_for_text(r"\$ hi\r\n")  # output, after bash's prompt (on stderr, which is merged)
        assert "echo hx\b \bi\r\n" in console.text  # echoed by the manager, as typed
        python = shell(manager, workspace, kind="python")
        python.type("6*7\r")
        python.wait_for_text(r"(\n|>>> )42\r\n")  # after the echoed line, or after the prompt if that came later
    finally:
        manager.close()
