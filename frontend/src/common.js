// What the editor and the comparison share: languages, what typing adds, the look, Tab.
import { EditorView, keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { indentUnit } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { html } from "@codemirror/lang-html";
import { css } from "@codemirror/lang-css";
import { javascript } from "@codemirror/lang-javascript";
import { oneDark } from "@codemirror/theme-one-dark";
import { closingTagTypeOver } from "./close-tags.js";
import { pythonDedentAfterBlockEnd } from "./python-enter.js";

export const LANGUAGES = {
  python: () => [python(), indentUnit.of("    ")],
  html: () => [html(), indentUnit.of("  ")],
  css: () => [css(), indentUnit.of("  ")],
  javascript: () => [javascript(), indentUnit.of("  ")],
};

export function languageExtensions(language) {
  return (LANGUAGES[language] || (() => []))();
}

// What typing in each language adds beyond its syntax (close-tags.js, python-enter.js).
const EDITING = {
  html: () => [closingTagTypeOver()],
  python: () => [pythonDedentAfterBlockEnd()],
};

export function editingExtensions(language) {
  return (EDITING[language] || (() => []))();
}

// minHeight: the editor's least height (a short file still gives a place to click).
export function themeExtensions(theme, fontSize, { minHeight = "12em" } = {}) {
  const size = Number(fontSize) > 0 ? `${Number(fontSize)}px` : null;
  const rules = {
    "&": { fontSize: size || "inherit", border: "1px solid #8884" },
    ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
  };
  if (minHeight) rules[".cm-content, .cm-gutter"] = { minHeight };
  const base = EditorView.theme(rules);
  return theme === "dark" ? [oneDark, base] : [base];
}

// Tab indents; Escape then Tab leaves (CodeMirror's tab-focus mode, two seconds or until the
// next key). Coming back into the editor ends that short mode, so Tab indents again even
// when the learner returns within the two seconds (Shift+Tab from the next control).
export const indentWithTabAndLeave = [
  keymap.of([indentWithTab]),
  EditorView.domEventHandlers({
    focus(event, view) {
      view.setTabFocusMode(-1); // a lasting mode (Ctrl-M) is left as it is
      return false;
    },
  }),
];
