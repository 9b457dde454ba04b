// Side-by-side comparison: SandboxEditor.compare(host, options) shows two versions of a
// file with @codemirror/merge, a heading above each side.
import { basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { MergeView } from "@codemirror/merge";
import { StyleModule } from "style-mod";
import { editingExtensions, indentWithTabAndLeave, languageExtensions, themeExtensions } from "./common.js";

// The least layout that puts each label over its side. :where() keeps these rules at no
// specificity, so the page's own stylesheet overrides any of them.
const layout = new StyleModule({
  ":where(.compare-labels)": { display: "flex", gap: "0" },
  ":where(.compare-labels > .compare-label)": { flex: "1 1 0", minWidth: "0", margin: "0 0 .25em" },
});

function side(doc, { label, language, theme, fontSize, editable }) {
  const extensions = [
    editable ? indentWithTabAndLeave : [], // before basicSetup: its Escape runs before the completion popup's
    basicSetup,
    languageExtensions(language),
    themeExtensions(theme, fontSize, { minHeight: null }),
    EditorView.contentAttributes.of({ "aria-label": label || "Code" }),
  ];
  // A read-only side leaves Tab to the browser: it moves on, as on any text to read.
  extensions.push(editable ? editingExtensions(language) : EditorState.readOnly.of(true));
  // A side longer than its box scrolls: it must take the keyboard's focus to scroll without a mouse.
  if (!editable) extensions.push(EditorView.contentAttributes.of({ tabindex: "0" }));
  return { doc: String(doc ?? ""), extensions };
}

export function compare(host, options = {}) {
  const {
    left = "", right = "", leftLabel = "", rightLabel = "", language = "text", theme = "light",
    fontSize, editableRight = false, headingLevel = 3,
  } = options;
  StyleModule.mount(host.ownerDocument || document, layout);
  const level = Math.min(6, Math.max(1, Math.trunc(Number(headingLevel)) || 3));

  const box = document.createElement("div");
  box.className = "compare";
  if (leftLabel || rightLabel) {
    const labels = document.createElement("div");
    labels.className = "compare-labels";
    for (const text of [leftLabel, rightLabel]) {
      // An empty side keeps its place with a plain box: an empty heading means nothing.
      const label = document.createElement(text ? `h${level}` : "div");
      label.className = "compare-label";
      label.textContent = text;
      labels.append(label);
    }
    box.append(labels);
  }
  host.append(box);

  const shared = { language, theme, fontSize };
  const merge = new MergeView({
    a: side(left, { ...shared, label: leftLabel, editable: false }),
    b: side(right, { ...shared, label: rightLabel, editable: Boolean(editableRight) }),
    parent: box,
    highlightChanges: true,
    gutter: true,
  });

  return {
    merge,
    getRight: () => merge.b.state.doc.toString(),
    destroy() {
      merge.destroy();
      box.remove();
    },
  };
}
