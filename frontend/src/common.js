// What the editor and the comparison share: languages, what typing adds, the look, Tab.
import { Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { HighlightStyle, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
import { python } from "@codemirror/lang-python";
import { html } from "@codemirror/lang-html";
import { css } from "@codemirror/lang-css";
import { javascript } from "@codemirror/lang-javascript";
import { oneDarkTheme } from "@codemirror/theme-one-dark";
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

// One Dark's colours, lifted where they are too dim to read on its active-line and selection
// backgrounds (WCAG AA, 4.5:1): the comment grey, the violet, the coral and the blues.
const dark = { chalky: "#e5c07b", coral: "#ea9ba2", cyan: "#6abfc9", ivory: "#abb2bf", stone: "#b2b7c1",
               malibu: "#74b9f1", sage: "#98c379", whiskey: "#dcb188", violet: "#d8a3e8", invalid: "#ffffff" };
const readableDarkHighlight = HighlightStyle.define([
  { tag: t.keyword, color: dark.violet },
  { tag: [t.name, t.deleted, t.character, t.propertyName, t.macroName], color: dark.coral },
  { tag: [t.function(t.variableName), t.labelName], color: dark.malibu },
  { tag: [t.color, t.constant(t.name), t.standard(t.name)], color: dark.whiskey },
  { tag: [t.definition(t.name), t.separator], color: dark.ivory },
  { tag: [t.typeName, t.className, t.number, t.changed, t.annotation, t.modifier, t.self, t.namespace], color: dark.chalky },
  { tag: [t.operator, t.operatorKeyword, t.url, t.escape, t.regexp, t.link, t.special(t.string)], color: dark.cyan },
  { tag: [t.meta, t.comment], color: dark.stone },
  { tag: t.strong, fontWeight: "bold" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.strikethrough, textDecoration: "line-through" },
  { tag: t.link, color: dark.stone, textDecoration: "underline" },
  { tag: t.heading, fontWeight: "bold", color: dark.coral },
  { tag: [t.atom, t.bool, t.special(t.variableName)], color: dark.whiskey },
  { tag: [t.processingInstruction, t.string, t.inserted], color: dark.sage },
  { tag: t.invalid, color: dark.invalid },
]);
const darkTheme = [oneDarkTheme, syntaxHighlighting(readableDarkHighlight)];

// minHeight: the editor's least height (a short file still gives a place to click).
export function themeExtensions(theme, fontSize, { minHeight = "12em" } = {}) {
  const size = Number(fontSize) > 0 ? `${Number(fontSize)}px` : null;
  const rules = {
    "&": { fontSize: size || "inherit", border: "1px solid #8884" },
    ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
  };
  if (minHeight) rules[".cm-content, .cm-gutter"] = { minHeight };
  const base = EditorView.theme(rules);
  return theme === "dark" ? [darkTheme, base] : [base];
}

// Tab indents; Escape then Tab leaves (CodeMirror's tab-focus mode, two seconds or until the
// next key). Coming back into the editor ends that short mode, so Tab indents again even
// when the learner returns within the two seconds (Shift+Tab from the next control).
export const indentWithTabAndLeave = [
  keymap.of([indentWithTab]),
  // Escape always arms "Tab leaves", even when it also closes a completion popup that was open
  // (otherwise the popup would take the Escape and the next Tab would indent).
  Prec.highest(keymap.of([{ key: "Escape", run: (view) => { view.setTabFocusMode(2000); return false; } }])),
  EditorView.domEventHandlers({
    focus(event, view) {
      view.setTabFocusMode(-1); // a lasting mode (Ctrl-M) is left as it is
      return false;
    },
  }),
];
