"""The front-end bundles in Chromium: the editor's keys, problems and comparison, and the terminal.

Each test loads a bare page, adds the built bundles (``npm ci && npm run build``) and drives
them with the real keyboard, then reads what the editor or terminal holds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, need

pytestmark = pytest.mark.browser

BUILD = ROOT / "sandbox" / "static" / "build"
CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'"


def built(*names: str) -> list[Path]:
    paths = [BUILD / name for name in names]
    missing = [p.name for p in paths if not p.exists()]
    need(not missing, f"sandbox/static/build/ lacks {', '.join(missing)}: run `npm ci && npm run build`")
    return paths


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"errors on the page: {errors}"


def editor_page(page, language: str, text: str = "", after: str = '<button id="after">After</button>'):
    (bundle,) = built("editor.js")
    page.set_content(f'<label for="code">Code</label><textarea id="code">{text}</textarea>{after}')
    page.add_script_tag(path=str(bundle))
    page.evaluate("language => { window.ed = SandboxEditor.create(document.getElementById('code'), {language}); }",
                  language)
    page.click(".cm-content")
    return page


def value(page) -> str:
    return page.evaluate("ed.getValue()")


def cursor(page) -> tuple[int, int]:
    """(line, column), both from 1 and 0 as CodeMirror counts them."""
    return tuple(page.evaluate("""() => {
        const state = ed.view.state, head = state.selection.main.head, line = state.doc.lineAt(head);
        return [line.number, head - line.from];
    }"""))


def close_completion(page):
    """Close the completion list, shown or still coming, so Enter is a new line, not a choice.

    Escape closes a completion that is open or pending; with none, it only readies Tab to
    leave the editor until the next key, which Enter is.
    """
    page.keyboard.press("Escape")


# ---- 1. closing tags type over ---------------------------------------------------------


@pytest.mark.parametrize("tag", ["h1", "section"])
def test_typing_the_closing_tag_the_editor_inserted_types_over_it(page, tag):
    editor_page(page, "html")
    page.keyboard.type(f"<{tag}>")
    assert value(page) == f"<{tag}></{tag}>", "the editor closes the tag after the cursor"
    page.keyboard.type(f"Hi</{tag}>")
    assert value(page) == f"<{tag}>Hi</{tag}>"
    assert cursor(page) == (1, len(f"<{tag}>Hi</{tag}>"))
    page.keyboard.type("!")
    assert value(page) == f"<{tag}>Hi</{tag}>!"


def test_a_nested_closing_tag_types_over_the_inner_one_only(page):
    editor_page(page, "html")
    page.keyboard.type("<div><div>x</div>")
    assert value(page) == "<div><div>x</div></div>"
    page.keyboard.type("</div>")
    assert value(page) == "<div><div>x</div></div>"
    assert cursor(page) == (1, len("<div><div>x</div></div>"))


def test_typing_another_closing_tag_just_inserts(page):
    editor_page(page, "html")
    page.keyboard.type("<h1>")
    page.keyboard.type("Hi</h2>")
    assert value(page) == "<h1>Hi</h2></h1>"


def test_the_rest_of_a_completed_closing_tag_types_over(page):
    # With no closing tag after it, the editor completes "</" to "</h1>" itself; the
    # learner typing "h1>" next must not leave "</h1>h1>".
    editor_page(page, "html", "&lt;h1&gt;")
    page.keyboard.press("Control+End")
    page.keyboard.type("Hi</")
    assert value(page) == "<h1>Hi</h1>"
    page.keyboard.type("h1>")
    assert value(page) == "<h1>Hi</h1>"


def test_a_closing_tag_the_learner_wrote_is_not_typed_over(page):
    editor_page(page, "html", "&lt;p&gt;&lt;/p&gt;")
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
    page.keyboard.type("</p>")
    assert value(page) == "<p></p></p>"


# ---- 2. Python: Enter after a statement that ends a block ------------------------------


@pytest.mark.parametrize("statement", ["return x", "return", "pass", "break", "continue", "raise", "raise ValueError(x)"])
def test_enter_after_a_block_ending_statement_dedents(page, statement):
    editor_page(page, "python", f"def f(x):\n    if x:\n        {statement}")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    assert cursor(page) == (4, 4)
    page.keyboard.type("y = 1")
    assert value(page) == f"def f(x):\n    if x:\n        {statement}\n    y = 1"


def test_enter_after_return_in_a_def_goes_back_to_column_0(page):
    editor_page(page, "python")
    page.keyboard.type("def f(x):")
    page.keyboard.press("Enter")
    page.keyboard.type("return x")
    close_completion(page)
    page.keyboard.press("Enter")
    assert value(page) == "def f(x):\n    return x\n"
    assert cursor(page) == (3, 0)
    page.keyboard.type("print(f(1))")
    assert value(page) == "def f(x):\n    return x\nprint(f(1))"


def test_enter_after_pass_at_column_0_stays_at_column_0(page):
    editor_page(page, "python", "pass")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    assert value(page) == "pass\n"
    assert cursor(page) == (2, 0)


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("def f(x):\n    return x  # done\n\nprint(1)", 2, "def f(x):\n    return x  # done\nZ\n\nprint(1)"),
    ("def f(x):\n    return (x +\n            1)\nprint(1)", 3, "def f(x):\n    return (x +\n            1)\nZ\nprint(1)"),
    ("while True:\n    if x: break", 2, "while True:\n    if x: break\n    Z"),
    ('x = """\n    return x\n"""', 2, 'x = """\n    return x\n    Z\n"""'),
], ids=["comment", "over-two-lines", "one-line-if", "in-a-string"])
def test_enter_after_a_block_ending_statement_mid_file(page, text, line, expected):
    editor_page(page, "python", text)
    page.evaluate("line => ed.view.dispatch({selection: {anchor: ed.view.state.doc.line(line).to}})", line)
    page.keyboard.press("Enter")
    page.keyboard.type("Z")
    assert value(page) == expected


def test_enter_in_an_unfinished_return_keeps_the_usual_indent(page):
    editor_page(page, "python", "def f(x):\n    return max(x,")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    line, column = cursor(page)
    assert line == 3 and column > 4, "an open bracket continues the statement"


def test_enter_after_an_ordinary_statement_keeps_its_indent(page):
    editor_page(page, "python", "def f(x):\n    returned = x")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    assert cursor(page) == (3, 4)


# ---- 3. leaving the editor with the keyboard -------------------------------------------


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.className")


def test_tab_indents_and_escape_then_tab_leaves(page):
    editor_page(page, "python", "x = 1")
    page.keyboard.press("Control+Home")
    page.keyboard.press("Tab")
    assert value(page) == "    x = 1", "Tab indents inside the editor"
    assert "cm-content" in focused(page)
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert focused(page) == "after", "Escape then Tab moves on to the next control"
    assert value(page) == "    x = 1"
    page.keyboard.press("Shift+Tab")
    assert "cm-content" in focused(page)
    page.keyboard.press("Tab")
    assert value(page) == "        x = 1", "back in the editor, Tab indents again"


# ---- 4. problems marked on lines -------------------------------------------------------


def marker_lines(page) -> list[int]:
    """The line numbers whose lint gutter holds a marker."""
    return page.evaluate("""() => [...document.querySelectorAll('.cm-gutter-lint .cm-gutterElement')]
        .filter(el => el.querySelector('.cm-lint-marker'))
        .map(el => ed.view.state.doc.lineAt(ed.view.lineBlockAtHeight(
            el.getBoundingClientRect().top - ed.view.documentTop + 1).from).number)""")


def test_set_problems_marks_lines_and_clears(page):
    editor_page(page, "python", "a = 1\nb = oops\nc = 3")
    problems = [{"line": 2, "message": "NameError: name 'oops' is not defined", "severity": "error"},
                {"line": 99, "message": "past the end", "severity": "error"}]
    page.evaluate("problems => ed.setProblems(problems)", problems)
    assert marker_lines(page) == [2]
    assert page.locator(".cm-lint-marker-error").count() == 1

    page.keyboard.press("Control+Home")
    page.keyboard.press("ArrowDown")
    tooltip = page.locator(".cm-problem-tooltip")
    tooltip.wait_for()
    assert "name 'oops' is not defined" in tooltip.inner_text()
    page.keyboard.press("ArrowUp")
    tooltip.wait_for(state="detached")
    page.keyboard.press("F8")
    assert cursor(page)[0] == 2, "F8 goes to the next problem"
    tooltip.wait_for()

    page.evaluate("ed.setProblems([])")
    assert marker_lines(page) == []
    assert page.locator(".cm-problem-tooltip").count() == 0


def test_the_message_shows_when_hovering_the_marker(page):
    editor_page(page, "python", "a = 1\nb = oops")
    page.evaluate("ed.setProblems([{line: 2, message: 'Check this line', severity: 'warning'}])")
    page.locator(".cm-lint-marker-warning").hover()
    hover = page.locator(".cm-tooltip", has_text="Check this line")
    hover.first.wait_for()


# ---- 5. side-by-side comparison --------------------------------------------------------


def test_compare_shows_both_versions_and_marks_the_changed_line(page):
    (bundle,) = built("editor.js")
    page.set_content('<div id="host"></div>')
    page.add_script_tag(path=str(bundle))
    options = {"left": "a = 1\nb = 2\nc = 3\n", "right": "a = 1\nb = 20\nc = 3\n", "leftLabel": "Your file",
               "rightLabel": "Reference solution", "language": "python"}
    page.evaluate("options => { window.cmp = SandboxEditor.compare(document.getElementById('host'), options); }",
                  options)
    assert page.locator(".compare-label").all_inner_texts() == ["Your file", "Reference solution"]
    sides = page.locator(".cm-mergeViewEditor .cm-content")
    assert sides.count() == 2
    assert "b = 2" in sides.nth(0).inner_text() and "b = 20" in sides.nth(1).inner_text()
    changed = page.locator(".cm-mergeViewEditor .cm-changedLine")
    assert changed.count() >= 2
    assert all("b = 2" in text for text in changed.all_inner_texts())
    assert page.evaluate("cmp.getRight()") == options["right"]

    # Both sides are read-only: typing changes nothing.
    sides.nth(1).click()
    page.keyboard.type("zzz")
    assert page.evaluate("cmp.getRight()") == options["right"]

    page.evaluate("cmp.destroy()")
    assert page.locator("#host").inner_html() == ""


def test_compare_with_an_editable_right_side(page):
    (bundle,) = built("editor.js")
    page.set_content('<div id="host"></div>')
    page.add_script_tag(path=str(bundle))
    page.evaluate("""() => { window.cmp = SandboxEditor.compare(document.getElementById('host'),
        {left: 'x = 1', right: 'x = 1', leftLabel: 'On disk now', rightLabel: 'What you typed',
         language: 'python', editableRight: true}); }""")
    page.locator(".cm-mergeViewEditor .cm-content").nth(1).click()
    page.keyboard.press("Control+End")
    page.keyboard.type("0")
    assert page.evaluate("cmp.getRight()") == "x = 10"
    page.locator(".cm-changedLine").first.wait_for()


# ---- accessibility of what the bundles draw -------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_bundles_pass_axe(page, theme):
    editor, terminal, stylesheet = built("editor.js", "terminal.js", "terminal.css")
    axe = ROOT / "node_modules" / "axe-core" / "axe.min.js"
    need(axe.exists(), "node_modules/axe-core is not installed: run `npm ci`")
    page.set_content('<!doctype html><html lang="en"><head><title>Bundles</title></head><body><main>'
                     '<h1>Bundles</h1><h2>Editor</h2><label for="code">Code</label>'
                     '<textarea id="code">a = 1\nb = oops</textarea>'
                     '<h2>Comparison</h2><div id="cmp"></div>'
                     '<h2>Terminal</h2><div id="term" style="width: 480px; height: 200px"></div></main></body></html>')
    page.add_style_tag(path=str(stylesheet))
    page.add_script_tag(path=str(editor))
    page.add_script_tag(path=str(terminal))
    page.evaluate("""theme => {
        window.ed = SandboxEditor.create(document.getElementById('code'), {language: 'python', theme});
        ed.setProblems([{line: 2, message: "NameError: name 'oops' is not defined", severity: 'error'}]);
        SandboxEditor.compare(document.getElementById('cmp'), {left: 'a = 1\\nb = 2', right: 'a = 1\\nb = 3',
            leftLabel: 'Your file', rightLabel: 'Reference solution', language: 'python', theme});
        SandboxTerminal.create(document.getElementById('term'), {theme}).write('$ python app.py\\r\\n');
    }""", theme)
    page.click(".cm-content >> nth=0")
    page.keyboard.press("ArrowDown")
    page.locator(".cm-problem-tooltip").wait_for()
    page.add_script_tag(path=str(axe))
    violations = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


# ---- 6. the terminal -------------------------------------------------------------------


def terminal_page(page):
    script, stylesheet = built("terminal.js", "terminal.css")
    page.set_content('<div id="term" style="width: 640px; height: 240px"></div>')
    page.add_style_tag(path=str(stylesheet))
    page.add_script_tag(path=str(script))
    page.evaluate("""() => {
        window.typed = []; window.sizes = [];
        window.term = SandboxTerminal.create(document.getElementById('term'), {
            onInput: data => typed.push(data), onResize: (cols, rows) => sizes.push([cols, rows]) });
    }""")
    return page


def terminal_text(page) -> str:
    return page.evaluate("document.querySelector('#term .xterm-rows').textContent")


def test_the_terminal_reports_keys_and_shows_output(page):
    terminal_page(page)
    assert page.evaluate("document.querySelector('#term textarea').getAttribute('aria-label')") == "Terminal"
    page.evaluate("term.focus()")
    page.keyboard.type("ab")
    page.wait_for_function("typed.length >= 2")
    assert page.evaluate("typed") == ["a", "b"]

    page.evaluate("term.write('hello\\r\\n')")
    page.wait_for_function("document.querySelector('#term .xterm-rows').textContent.includes('hello')")
    page.evaluate("term.clear()")
    page.wait_for_function("!document.querySelector('#term .xterm-rows').textContent.includes('hello')")


def test_the_terminal_fits_its_host(page):
    terminal_page(page)
    before = page.evaluate("[term.cols, term.rows]")
    page.evaluate("document.getElementById('term').style.width = '320px'; term.fit()")
    after = page.evaluate("[term.cols, term.rows]")
    assert after[0] < before[0]
    assert page.evaluate("sizes")[-1] == after
    page.evaluate("term.dispose()")
    assert page.locator("#term .xterm-rows").count() == 0


def test_the_bundles_run_under_the_pages_content_security_policy(page):
    """Served as the sandbox serves them: no inline script, no eval; styles may be inline."""
    editor, terminal, stylesheet = built("editor.js", "terminal.js", "terminal.css")
    files = {"/build/editor.js": editor, "/build/terminal.js": terminal, "/build/terminal.css": stylesheet}
    watch = """
        window.violations = [];
        document.addEventListener('securitypolicyviolation', e => violations.push(e.violatedDirective + ' ' + e.blockedURI));
    """
    start = """
        window.typed = [];
        window.term = SandboxTerminal.create(document.getElementById('term'), {onInput: d => typed.push(d)});
        window.ed = SandboxEditor.create(document.getElementById('code'), {language: 'html'});
        window.cmp = SandboxEditor.compare(document.getElementById('cmp'), {left: 'a', right: 'b', leftLabel: 'A', rightLabel: 'B'});
    """
    body = ('<!doctype html><html lang="en"><head><title>CSP</title>'
            '<script src="/build/watch.js"></script>'
            '<link rel="stylesheet" href="/build/terminal.css"></head><body>'
            '<textarea id="code" aria-label="Code"></textarea>'
            '<div id="term" style="width: 480px; height: 200px"></div><div id="cmp"></div>'
            '<script src="/build/editor.js"></script><script src="/build/terminal.js"></script>'
            '<script src="/build/start.js"></script></body></html>')

    def serve(route):
        path = "/" + route.request.url.split("/", 3)[3]
        if path == "/":
            route.fulfill(body=body, content_type="text/html", headers={"Content-Security-Policy": CSP})
        elif path in ("/build/watch.js", "/build/start.js"):
            route.fulfill(body=watch if path.endswith("watch.js") else start, content_type="text/javascript")
        elif files.get(path):
            kind = "text/css" if path.endswith(".css") else "text/javascript"
            route.fulfill(body=files[path].read_bytes(), content_type=kind)
        else:
            route.fulfill(status=404, body="")

    console = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.route("http://sandbox.test/**", serve)
    page.goto("http://sandbox.test/")
    # Functions, not strings: under this policy the page cannot evaluate a string either.
    page.wait_for_function("() => window.term && window.ed && window.cmp")
    page.evaluate("term.write('under the policy\\r\\n')")
    page.wait_for_function("() => document.querySelector('#term .xterm-rows').textContent.includes('under the policy')")
    page.evaluate("term.focus()")
    page.keyboard.type("z")
    page.wait_for_function("() => typed.length >= 1")
    page.click(".cm-content >> nth=0")
    page.keyboard.type("<p>x</p>")
    assert page.evaluate("ed.getValue()") == "<p>x</p>"
    assert page.evaluate("violations") == [], json.dumps(page.evaluate("violations"))
    assert not console, console
