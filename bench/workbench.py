"""The workbench in real Chromium, against a running sandbox: terminal keystroke to echo, a file made
in the panel to its tab, a file made by another program to its tab.

Times are taken inside the page (performance.now(): a keydown, then a MutationObserver seeing the
echo or the new tab), so the browser driver's own polling does not count. Each figure comes with a
baseline measured in the same run and page, so a slow machine moves both: a small fetch made by the
page (one request and its answer, no terminal, no file panel).
Targets from the issue: echo p50 <= 50 ms, panel -> tab <= 300 ms, another program -> tab <= 1 s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from tests.support import HELLO_STEP, headless_sandbox, install_fixture_pack

CHROMIUM = "/usr/bin/chromium"
KEYS = 40
FILES = 8
TARGETS_MS = {"echo_p50": 50, "panel_to_tab": 300, "outside_to_tab": 1000}


def p50(samples: list[float]) -> float:
    return round(statistics.median(samples), 1)


WATCH = """
(selector) => {
  window.__bench = {keydown: [], seen: []};
  document.addEventListener("keydown", () => window.__bench.keydown.push(performance.now()), true);
  window.__benchWatch = (text, where) => new Promise((resolve) => {
    const target = document.querySelector(where);
    const look = () => target.textContent.includes(text);
    if (look()) return resolve(performance.now());
    const observer = new MutationObserver(() => {
      if (look()) { observer.disconnect(); resolve(performance.now()); }
    });
    observer.observe(target, {childList: true, subtree: true, characterData: true});
  });
}
"""


def run() -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-workbench-") as tmp:
        data = Path(tmp) / "data"
        install_fixture_pack(data)
        with headless_sandbox(data) as (_proc, url, _seconds), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu",
                                                       "--disable-background-networking"])
            # The measuring script runs in the page, which the sandbox's CSP would otherwise refuse.
            page = browser.new_context(bypass_csp=True, viewport={"width": 1440, "height": 1000}).new_page()
            page.goto(url)
            base = url.split("?")[0].rstrip("/")
            page.goto(base + HELLO_STEP)
            page.locator(".cm-content").wait_for()
            page.evaluate(WATCH, "")
            workspace = data / "workspaces" / "1" / "hello-web" / "01-first-routes"
            results = {"baseline_fetch_p50_ms": fetch_baseline(page),
                       "panel_to_tab_ms": panel_to_tab(page),
                       "outside_to_tab_ms": outside_to_tab(page, workspace),
                       **terminal_echo(page)}
            browser.close()
    results["meets_targets"] = (results["echo_p50_ms"] <= TARGETS_MS["echo_p50"]
                                and results["panel_to_tab_ms"]["p50"] <= TARGETS_MS["panel_to_tab"]
                                and results["outside_to_tab_ms"]["p50"] <= TARGETS_MS["outside_to_tab"])
    base = max(results["baseline_fetch_p50_ms"], 0.1)
    print(f"terminal keystroke to echo p50 {results['echo_p50_ms']} ms (p95 {results['echo_p95_ms']} ms, "
          f"{results['echo_p50_ms'] / base:.1f} x a small fetch's {base} ms)")
    for name in ("panel_to_tab_ms", "outside_to_tab_ms"):
        print(f"{name[:-3].replace('_', ' ')}: p50 {results[name]['p50']} ms, max {results[name]['max']} ms "
              f"({results[name]['p50'] / base:.1f} x a small fetch)")
    print(f"targets (echo <= 50 ms, panel <= 300 ms, outside <= 1000 ms): "
          f"{'met' if results['meets_targets'] else 'NOT met'}")
    return results


def fetch_baseline(page) -> float:
    """A request and its answer, timed in the page: what any of the figures must at least cost."""
    samples = [page.evaluate("""async (url) => { const t = performance.now();
        await (await fetch(url, {credentials: "same-origin"})).text(); return performance.now() - t; }""",
                             page.url.split("/learn/")[0] + "/static/favicon.svg") for _ in range(20)]
    return p50(samples)


def panel_to_tab(page) -> dict:
    samples = []
    for n in range(FILES):
        name = f"notes/panel-{n}.txt"
        page.get_by_role("button", name="New file").click()
        page.locator("#files-name").fill(name)
        page.evaluate("(name) => { window.__seen = window.__benchWatch(name, '#editor-tabs'); "
                      "window.__bench.keydown = []; }", name)
        page.keyboard.press("Enter")
        appeared = page.evaluate("() => window.__seen")
        pressed = page.evaluate("() => window.__bench.keydown[0]")
        samples.append(appeared - pressed)
    return {"p50": p50(samples), "max": round(max(samples), 1)}


def outside_to_tab(page, workspace: Path) -> dict:
    samples = []
    for n in range(FILES):
        name = f"outside-{n}.txt"
        page.evaluate("(name) => { window.__seen = window.__benchWatch(name, '#editor-tabs')"
                      ".then(() => Date.now()); }", name)
        written = time.time() * 1000  # the page's Date.now() reads the same clock
        (workspace / name).write_text(f"made by another program {n}\n")
        samples.append(page.evaluate("() => window.__seen") - written)
    return {"p50": p50(samples), "max": round(max(samples), 1)}


def terminal_echo(page) -> dict:
    page.get_by_role("tab", name="Terminal").click()
    rows = ".terminal-panel[data-kind=shell] .xterm-rows"
    page.locator(rows).filter(has_text="$ ").wait_for(timeout=60000)
    page.locator(".terminal-panel[data-kind=shell] .xterm").click()  # the keys go to the terminal
    samples = []
    for n in range(KEYS):
        marker = f"k{n:02d}"  # the last character typed: its echo completes the marker
        page.keyboard.type(marker[:-1])
        page.locator(rows).filter(has_text=marker[:-1]).wait_for()
        page.evaluate("([m, where]) => { window.__seen = window.__benchWatch(m, where); "
                      "window.__bench.keydown = []; }", [marker, rows])
        page.keyboard.type(marker[-1])
        appeared = page.evaluate("() => window.__seen")
        samples.append(appeared - page.evaluate("() => window.__bench.keydown[0]"))
        page.keyboard.press("Control+u")  # clear the line again
    ordered = sorted(samples)
    return {"echo_p50_ms": p50(samples), "echo_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}
