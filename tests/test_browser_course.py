"""The built-in course, taken as a learner takes it, in real Chromium: lessons 0 to 6, through the UI only.

A fresh data folder gets the blog course on first launch. Every step is then passed the way a
learner passes it: quizzes by clicking the right choices, code steps by typing the step's reference
solution into the real CodeMirror editor (new files through the Files panel), and the steps whose
work is done outside the editor in the Terminal and Python shell tabs (xterm.js), typing what the
step's own instructions say: lesson 2 makes a venv and pins requirements with pip freeze, lesson 5
saves its first articles from the Python shell, lesson 6 runs its migration. Each code step is
passed with the Check button (or Ctrl+Enter) and the course goes on with "Next step →".

What a code step needs is read from the installed pack: every file that differs between the step's
start and its reference solution (``sandbox.packs.format.step_files``). Database files are never
copied from the pack: they come from the learner's own commands.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import WHEELHOUSE, need

pytestmark = pytest.mark.browser

COURSE = "Build a blog with Python"
LAST_LESSON = 6  # lessons 0..6 are taken; 2, 4, 5 and 6 are the ones asked for, the rest unlock them
STEP_SECONDS = 30  # a bound for a hang, never a measure: most waits end in well under a second
CHECK_MS = 90_000  # a check, including the checker's first warm-up
FIRST_TERMINAL_MS = 180_000  # the first terminal of a data folder makes the learner's Python first
COMMAND_MS = 180_000  # python -m venv, pip install: generous on a busy 2-core machine
TERMINAL_TROUBLE = re.compile(r"Traceback|\w+Error\b|ERROR|command not found|No such file|can't open file")


def commands_from(step) -> list[str]:
    """The lines of the first fenced code block of a step's instructions: what the learner is told to type."""
    found = re.search(r"^```[^\n]*\n(.*?)^```", step.instructions_text(), re.DOTALL | re.MULTILINE)
    assert found, f"step {step.id}'s instructions have no code block to type"
    return [line for line in found.group(1).splitlines() if line.strip()]


class Console:
    """One of the workbench's terminals (the Terminal or the Python shell tab), used like a learner.

    Its screen is read from xterm.js's rows; a command is done when the row holding the cursor is a
    fresh prompt again (the row holds the typed command until the program has answered).
    """

    def __init__(self, page, tab: str, panel: str, prompt: re.Pattern, timeout_ms: float = 60_000):
        self.page = page
        self.prompt = prompt
        page.get_by_role("tab", name=tab, exact=True).click()
        self.rows = page.locator(f"{panel} .xterm-rows")
        self.cursor_row = self.rows.locator("> div", has=page.locator(".xterm-cursor"))
        self.wait_for_prompt(timeout_ms)
        page.locator(f"{panel} .xterm-screen").click()  # into the terminal, as a learner would

    def wait_for_prompt(self, timeout_ms: float) -> None:
        self.cursor_row.filter(has_text=self.prompt).wait_for(timeout=timeout_ms)

    def run(self, line: str, timeout_ms: float = 60_000) -> None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.page.keyboard.type(line)
        self.rows.filter(has_text=line).wait_for(timeout=STEP_SECONDS * 1000)  # echoed: the shell has it
        self.page.keyboard.press("Enter")
        try:
            self.wait_for_prompt(timeout_ms)
        except PlaywrightTimeout as exc:
            pytest.fail(f"`{line}` did not finish; the terminal shows:\n{self.screen()}\n({exc})")
        shown = self.rows.text_content()  # the rows run together: a wrapped command is whole again
        answer = shown[shown.rfind(line) + len(line):] if line in shown else shown
        if TERMINAL_TROUBLE.search(answer):
            pytest.fail(f"`{line}` went wrong; the terminal shows:\n{self.screen()}")

    def screen(self) -> str:
        return self.rows.inner_text()


class Learner:
    """A learner at the lesson page: quizzes, the editor, the Files panel, the terminals, Check."""

    def __init__(self, page):
        self.page = page

    # ---- moving through the course ----------------------------------------------------------

    def expect_step(self, step) -> None:
        from playwright.sync_api import expect

        expect(self.page.locator("#step-title")).to_have_text(step.title, timeout=STEP_SECONDS * 1000)

    def next_step(self) -> None:
        self.page.get_by_role("link", name="Next step →").first.click()

    def quiz(self, step) -> None:
        for choice in step.choices:
            if choice.correct:
                self.page.get_by_label(choice.text, exact=True).check()
        self.page.get_by_role("button", name="Check my answer").click()
        verdict = self.page.locator("#result .result")
        verdict.wait_for()
        if "Right!" not in verdict.inner_text():
            pytest.fail(f"the quiz '{step.title}' was marked wrong: {self.page.locator('#result').inner_text()}")

    def read(self, step) -> None:
        self.page.get_by_role("button", name="I have read this: continue").click()

    # ---- code steps ---------------------------------------------------------------------------

    def open_workbench(self) -> None:
        """A lesson's first code step asks where to start: from the lesson's own files (the files the
        pack's step_files start from)."""
        page = self.page
        page.locator("#workbench, section.work[aria-label='Start the lesson']").first.wait_for()
        start_over = page.get_by_role("button", name="Start from the lesson's files")
        if start_over.count():
            start_over.click()
        page.locator("#workbench .cm-editor").first.wait_for()

    def editor_tab(self, path: str):
        return self.page.locator("#editor-tabs").get_by_role("tab", name=path, exact=True)

    def pane(self, path: str):
        tab = self.editor_tab(path)
        tab.wait_for()
        return self.page.locator(f"#{tab.get_attribute('aria-controls')}")

    def new_file(self, path: str) -> None:
        from playwright.sync_api import expect

        page = self.page
        page.locator("#workbench").get_by_role("button", name="New file", exact=True).click()
        name = page.get_by_label("New file name")
        expect(name).to_be_focused()
        page.keyboard.type(path)
        page.keyboard.press("Enter")
        expect(self.editor_tab(path)).to_have_attribute("aria-selected", "true")

    def write(self, path: str, text: str) -> None:
        """Replace the text of an open file in its CodeMirror editor, and see that the editor holds it."""
        from playwright.sync_api import expect

        page = self.page
        self.editor_tab(path).click()
        pane = self.pane(path)
        pane.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        # Typing line by line would fight the editor's auto-indent; insertText puts the text as is.
        page.keyboard.insert_text(text)
        expect(pane.locator("textarea.code-editor")).to_have_value(text)

    def check(self, step, *, keyboard: bool) -> None:
        page = self.page
        if keyboard:
            page.keyboard.press("Control+Enter")  # from the editor: saves, then checks
        else:
            page.locator("#check-button").click()
        conflict = page.locator("#conflict:not([hidden])")
        page.locator("#result .result").or_(conflict).first.wait_for(timeout=CHECK_MS)
        if conflict.count():
            pytest.fail(f"'{step.title}' was not checked: {conflict.inner_text()}")
        verdict = page.locator("#result").inner_text()
        if "All checks passed." not in verdict:
            pytest.fail(f"'{step.title}' did not pass; the page says:\n{verdict}")

    def code(self, lesson, step) -> None:
        from sandbox.packs.format import step_files

        self.open_workbench()
        start = step_files(lesson, step, "start")
        solution = step_files(lesson, step, "solution")
        changed = {rel: data for rel, data in sorted(solution.items()) if start.get(rel) != data}
        assert changed, f"step {step.id}'s solution changes nothing"
        made_outside, how = OUTSIDE_THE_EDITOR.get((lesson.id, step.id), (set(), None))
        assert made_outside <= set(changed), f"step {step.id}'s solution no longer changes {made_outside}"
        for rel in sorted(set(changed) - made_outside):
            assert not rel.endswith(".db"), f"{rel} in step {step.id} is a database: say how a learner makes it"
            text = changed[rel].decode("utf-8")  # a file that is not text would need its own way in
            if rel not in start:
                self.new_file(rel)
            self.write(rel, text)
        if how is not None:
            how(self, lesson, step)
        self.check(step, keyboard=how is None)  # Ctrl+Enter from the editor; else the button

    # ---- the work done in the Terminal and the Python shell tabs ------------------------------

    def terminal(self, lesson, timeout_ms: float = 60_000) -> Console:
        prompt = re.compile(rf"^(\(venv\) )?{re.escape(lesson.id)} \$\s*$")
        return Console(self.page, "Terminal", "#tool-terminal", prompt, timeout_ms)

    def python_shell(self) -> Console:
        return Console(self.page, "Python shell", "#tool-python", re.compile(r"^>>>\s*$"))

    def pin_requirements(self, lesson, step) -> None:
        """Lesson 2: a venv, the three packages, pip freeze > requirements.txt; then look at the file."""
        shell = self.terminal(lesson, FIRST_TERMINAL_MS)  # the data folder's first terminal
        for command in commands_from(step):
            shell.run(command, COMMAND_MS)
        # "requirements.txt appears in the Files panel; open it to see what pip wrote."
        self.page.locator("#files-tree").get_by_role("button", name="requirements.txt", exact=True).click()
        for package in ("bottle==", "peewee==", "waitress=="):
            self.pane("requirements.txt").locator(".cm-content", has_text=package).wait_for()

    def save_first_articles(self, lesson, step) -> None:
        """Lesson 5: the articles are saved from the Python shell with the statements the step gives."""
        shell = self.python_shell()
        for statement in commands_from(step):
            shell.run(statement)
        for n in (1, 2):
            shell.rows.filter(has_text=f"<Article: {n}>").wait_for()

    def run_migration(self, lesson, step) -> None:
        """Lesson 6: python migrate.py in the Terminal, on the lesson's own blog.db."""
        shell = self.terminal(lesson)
        for command in commands_from(step):
            shell.run(command)


# (lesson, step) -> (the files the learner makes outside the editor, how they make them)
OUTSIDE_THE_EDITOR = {
    ("02-environment", "requirements"): ({"requirements.txt"}, Learner.pin_requirements),
    ("05-models", "first-articles"): ({"blog.db"}, Learner.save_first_articles),
    ("06-schema-changes", "run-migration"): ({"blog.db"}, Learner.run_migration),
}


def test_a_learner_takes_lessons_0_to_6_of_the_blog_course(sandbox_process, chromium, outside_pytest_temp):
    from playwright.sync_api import expect

    from sandbox.packs.reader import load_pack

    need(any(WHEELHOUSE.glob("*.whl")),
         f"no wheelhouse at {WHEELHOUSE} for the terminal's Python: run `python3 tasks.py setup` online")
    # Outside pytest's temp folder: the learner's processes run as `nobody` when the sandbox is root,
    # and another pytest session starting meanwhile would make that folder private again.
    data = Path(tempfile.mkdtemp(dir=outside_pytest_temp, prefix="course-")) / "data"
    began = time.monotonic()
    _proc, url = sandbox_process(data)
    pack = load_pack(data / "packs" / "blog")  # installed by the first launch
    lessons = pack.lessons[: LAST_LESSON + 1]
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(STEP_SECONDS * 1000)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: (errors.append(f"a dialog: {dialog.message}"), dialog.dismiss()))
        learner = Learner(page)

        print()
        page.goto(url)
        page.locator(".card", has_text=COURSE).get_by_role("link", name="Start").click()
        for lesson in lessons:
            started = time.monotonic()
            for step in lesson.steps:
                learner.expect_step(step)
                if step.kind == "quiz":
                    learner.quiz(step)
                elif step.kind == "code":
                    learner.code(lesson, step)
                else:
                    learner.read(step)  # answered by going on to the next step
                    continue
                if not (lesson is lessons[-1] and step is lesson.steps[-1]):
                    learner.next_step()
            print(f"lesson {lesson.id}: {len(lesson.steps)} steps in {time.monotonic() - started:.1f} s", flush=True)

        for lesson in lessons:
            done = re.compile(rf"^{re.escape(lesson.title)}\s+{len(lesson.steps)}/{len(lesson.steps)}$")
            expect(page.locator("#outline summary").filter(has_text=done)).to_have_count(1)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
        done = sum(len(lesson.steps) for lesson in lessons)
        total = sum(len(lesson.steps) for lesson in pack.lessons)
        expect(page.locator(".card", has_text=COURSE)).to_contain_text(f"{done} of {total} steps done")
        assert errors == [], errors
        print(f"lessons 0-{LAST_LESSON} in {time.monotonic() - began:.1f} s, from the sandbox's start", flush=True)
    finally:
        context.close()
