// Python: Enter after a statement that ends its block (return, pass, break, continue,
// raise) starts the next line one indent level shallower, never left of column 0.
import { Prec, countColumn } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { getIndentUnit, indentString, syntaxTree } from "@codemirror/language";

const BLOCK_ENDERS = new Set(["ReturnStatement", "PassStatement", "BreakStatement", "ContinueStatement", "RaiseStatement"]);

function hasError(node) {
  let error = false;
  node.cursor().iterate((inner) => {
    if (inner.type.isError) error = true;
    return !error;
  });
  return error;
}

// The first line of the block-ending statement that ends just before the cursor, or null.
// The statement may span lines (an open bracket), but must start its own line: in
// `if done: return x` the block is the if's, and the next line keeps its indent.
function blockEnder(state, head) {
  const line = state.doc.lineAt(head);
  if (state.doc.sliceString(head, line.to).trim()) return null; // Enter inside a line splits it
  const tree = syntaxTree(state);
  let node = tree.resolveInner(head, -1);
  if (node.name === "Comment") {
    let end = node.from;
    while (end > line.from && /\s/.test(state.doc.sliceString(end - 1, end))) end--;
    node = tree.resolveInner(end, -1);
  }
  while (node && !BLOCK_ENDERS.has(node.name)) node = node.parent;
  if (!node || node.to > head || hasError(node)) return null;
  const after = state.doc.sliceString(node.to, head);
  if (/\S/.test(after.replace(/#.*$/, ""))) return null;
  const first = state.doc.lineAt(node.from);
  if (node.from !== first.from + /^\s*/.exec(first.text)[0].length) return null;
  return first;
}

function enterAfterBlockEnder(view) {
  const { state } = view;
  const range = state.selection.main;
  if (state.readOnly || state.selection.ranges.length !== 1 || !range.empty) return false;
  const first = blockEnder(state, range.head);
  if (!first) return false;
  const column = countColumn(/^\s*/.exec(first.text)[0], state.tabSize);
  const indent = indentString(state, Math.max(0, column - getIndentUnit(state)));
  const line = state.doc.lineAt(range.head);
  let from = range.head;
  while (from > line.from && /[ \t]/.test(state.doc.sliceString(from - 1, from))) from--;
  const insert = state.lineBreak + indent;
  view.dispatch({
    changes: { from, to: range.head, insert },
    selection: { anchor: from + insert.length },
    userEvent: "input",
    scrollIntoView: true,
  });
  return true;
}

export function pythonDedentAfterBlockEnd() {
  return Prec.high(keymap.of([{ key: "Enter", run: enterAfterBlockEnder }]));
}
