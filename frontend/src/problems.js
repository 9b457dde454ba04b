// Problems marked on lines: editor.setProblems([{line, message, severity}]). Each problem
// marks its whole line (a marker in the lint gutter, the line underlined); its message shows
// when the pointer rests on the marker or the line, and while the cursor is on the line.
import { StateEffect, StateField } from "@codemirror/state";
import { EditorView, showTooltip } from "@codemirror/view";
import { forEachDiagnostic, lintGutter, setDiagnostics, setDiagnosticsEffect } from "@codemirror/lint";

const SEVERITIES = new Set(["error", "warning", "info", "hint"]);
const setFocused = StateEffect.define();

export function diagnosticsFor(doc, problems) {
  const diagnostics = [];
  for (const problem of Array.isArray(problems) ? problems : []) {
    if (!problem) continue;
    const number = Number(problem.line);
    if (!Number.isInteger(number) || number < 1 || number > doc.lines) continue; // past the end: ignored
    const line = doc.line(number);
    const severity = SEVERITIES.has(problem.severity) ? problem.severity : "error";
    diagnostics.push({ from: line.from, to: line.to, severity, message: String(problem.message ?? "") });
  }
  return diagnostics;
}

function tooltipFor(state, focused) {
  if (!focused) return null;
  const line = state.doc.lineAt(state.selection.main.head);
  const found = [];
  forEachDiagnostic(state, (diagnostic, from, to) => {
    if (from <= line.to && to >= line.from) found.push(diagnostic);
  });
  if (!found.length) return null;
  return {
    pos: line.from,
    above: false,
    create() {
      const dom = document.createElement("div");
      dom.className = "cm-problem-tooltip";
      for (const { severity, message } of found) {
        const item = document.createElement("div");
        item.className = `cm-diagnostic cm-diagnostic-${severity}`;
        item.textContent = message;
        dom.append(item);
      }
      return { dom };
    },
  };
}

const cursorTooltip = StateField.define({
  create: () => ({ focused: false, tooltip: null }),
  update(value, tr) {
    let { focused } = value;
    for (const effect of tr.effects) if (effect.is(setFocused)) focused = effect.value;
    const changed = focused !== value.focused || tr.docChanged || tr.selection ||
      tr.effects.some((effect) => effect.is(setDiagnosticsEffect));
    return changed ? { focused, tooltip: tooltipFor(tr.state, focused) } : value;
  },
  provide: (field) => showTooltip.compute([field], (state) => state.field(field).tooltip),
});

export function problemsExtensions() {
  return [
    lintGutter(),
    cursorTooltip,
    EditorView.focusChangeEffect.of((state, focusing) => setFocused.of(focusing)),
  ];
}

export function setProblems(view, problems) {
  view.dispatch(setDiagnostics(view.state, diagnosticsFor(view.state.doc, problems)));
}
