// Entry for build/editor.js: window.SandboxEditor, a CodeMirror 6 editor that takes the
// place of a <textarea>. The textarea stays in the form, hidden and kept in sync, so a
// plain form post still sends what the learner typed.
import { EditorView, basicSetup } from "codemirror";
import { Annotation, EditorState, Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { editingExtensions, indentWithTabAndLeave, languageExtensions, themeExtensions } from "./src/common.js";
import { problemsExtensions, setProblems } from "./src/problems.js";
import { compare } from "./src/compare.js";

// Marks changes made through setValue(), which are not the learner's typing.
const fromScript = Annotation.define();

function labelFor(textarea) {
  const own = textarea.getAttribute("aria-label");
  if (own) return own;
  const label = textarea.labels && textarea.labels[0];
  if (label) return label.textContent.trim();
  return textarea.dataset.path ? `Code editor: ${textarea.dataset.path}` : "Code editor";
}

function create(textarea, options = {}) {
  const { language = "text", theme = "light", fontSize, onChange, onSave, onCheck } = options;
  const run = (callback) => () => {
    if (callback) callback();
    return true;
  };
  const extensions = [
    indentWithTabAndLeave, // first: its Escape must run before the completion popup's takes the key
    basicSetup,
    Prec.highest(
      keymap.of([
        { key: "Mod-s", run: run(onSave), preventDefault: true },
        { key: "Mod-Enter", run: run(onCheck), preventDefault: true },
      ]),
    ),
    languageExtensions(language),
    editingExtensions(language),
    problemsExtensions(),
    themeExtensions(theme, fontSize),
    EditorView.contentAttributes.of({ "aria-label": labelFor(textarea) }),
    EditorView.updateListener.of((update) => {
      if (!update.docChanged) return;
      textarea.value = update.state.doc.toString();
      const typed = update.transactions.some((tr) => !tr.annotation(fromScript));
      if (typed && onChange) onChange(textarea.value);
    }),
  ];
  if (textarea.readOnly || textarea.disabled) {
    extensions.push(EditorState.readOnly.of(true), EditorView.editable.of(false));
  }

  const host = document.createElement("div");
  host.className = "code-editor-host";
  textarea.insertAdjacentElement("afterend", host);
  const view = new EditorView({
    parent: host,
    state: EditorState.create({ doc: textarea.value, extensions }),
  });
  textarea.hidden = true;
  textarea.style.display = "none";

  return {
    view,
    getValue: () => view.state.doc.toString(),
    setValue(text) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: String(text) },
        annotations: fromScript.of(true),
      });
    },
    setProblems: (problems) => setProblems(view, problems),
    focus: () => view.focus(),
    destroy() {
      textarea.value = view.state.doc.toString();
      view.destroy();
      host.remove();
      textarea.hidden = false;
      textarea.style.display = "";
    },
  };
}

window.SandboxEditor = { create, compare };
