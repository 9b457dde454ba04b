// Closing tags type over (HTML). When the editor has written a closing tag for the learner
// and the learner then types that same tag themselves, the two become one:
//
//   <h1>|</h1>     typing "</h1>" before the tag the editor inserted  ->  <h1></h1>|
//   <h1>Hi</h1>|   the editor completed "</" to "</h1>"; typing "h1>"  ->  <h1>Hi</h1>|
//
// Only tags the editor inserted (lang-html's autoCloseTags, or an accepted completion) are
// typed over; typing any other tag, or before a tag the learner wrote, just inserts.
import { StateField } from "@codemirror/state";
import { EditorView } from "@codemirror/view";

const CLOSE_TAG = /^<\/[A-Za-z][^\s<>/]*>$/;
const CLOSE_TAG_AT_END = /<\/[A-Za-z][^\s<>/]*>$/;
const MAX_TRACKED = 64;

// The closing tags the editor inserted, as {from, to, ahead} where `ahead` says the cursor
// was before the tag when it was inserted (autoCloseTags on ">") and otherwise after it
// (a completed "</").
const inserted = StateField.define({
  create: () => [],
  update(tags, tr) {
    if (!tr.docChanged) return tags;
    const { doc } = tr.state;
    const next = [];
    for (const tag of tags) {
      const from = tr.changes.mapPos(tag.from, 1);
      const to = tr.changes.mapPos(tag.to, -1);
      if (to > from && CLOSE_TAG.test(doc.sliceString(from, to))) next.push({ ...tag, from, to });
    }
    if (tr.isUserEvent("input.complete")) {
      const head = tr.state.selection.main.head;
      tr.changes.iterChanges((fromA, toA, fromB, toB) => {
        const match = CLOSE_TAG_AT_END.exec(doc.sliceString(Math.max(0, toB - 200), toB));
        if (!match || toB - match[0].length > fromB) return;
        const from = toB - match[0].length;
        if (!next.some((tag) => tag.from === from)) next.push({ from, to: toB, ahead: head <= from });
      });
    }
    return next.length > MAX_TRACKED ? next.slice(-MAX_TRACKED) : next;
  },
});

const sameTag = (a, b) => a.toLowerCase() === b.toLowerCase();

const typeOver = EditorView.inputHandler.of((view, from, to, text) => {
  const { state } = view;
  if (view.composing || state.readOnly || from !== to || state.selection.ranges.length !== 1) return false;
  const tags = state.field(inserted, false);
  if (!tags || !tags.length) return false;
  const line = state.doc.lineAt(from);

  // The tag the editor inserted starts at the cursor: is the learner finishing the same one?
  const ahead = tags.find((tag) => tag.ahead && tag.from === from && tag.to <= line.to);
  if (ahead) {
    const typed = line.text.slice(0, from - line.from) + text;
    const start = typed.lastIndexOf("<");
    const candidate = start < 0 ? "" : typed.slice(start);
    const tagText = state.doc.sliceString(ahead.from, ahead.to);
    if (candidate && sameTag(candidate, tagText)) {
      const replaceFrom = from - (candidate.length - text.length);
      view.dispatch({
        changes: { from: replaceFrom, to: ahead.to, insert: candidate },
        selection: { anchor: replaceFrom + candidate.length },
        userEvent: "input.type",
        scrollIntoView: true,
      });
      return true;
    }
  }

  // The editor completed "</" into the tag that ends before the cursor: is the learner
  // typing the rest of it ("h1>") themselves?
  const behind = tags.find((tag) => !tag.ahead && tag.to <= from && tag.to >= line.from);
  if (behind) {
    const typed = state.doc.sliceString(behind.to, from) + text;
    const rest = state.doc.sliceString(behind.from + 2, behind.to); // "h1>"
    if (sameTag(typed, rest)) {
      view.dispatch({
        changes: { from: behind.to, to: from },
        selection: { anchor: behind.to },
        userEvent: "input.type",
        scrollIntoView: true,
      });
      return true;
    }
  }
  return false;
});

export function closingTagTypeOver() {
  return [inserted, typeOver];
}
