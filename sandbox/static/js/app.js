/* The sandbox's own browser script: CSRF header, editors, autosave with the version each editor
 * started from, tabs (ARIA tabs pattern), the verdict brought into view, external links and
 * confirmations. Plain ES2020, no build step. Every page also works without it, and it works
 * without htmx or the editor bundle (build/editor.js). workbench.js builds on window.SandboxApp. */
(() => {
  "use strict";

  const SAVE_DELAY_MS = 1000;
  const BUSY_RETRY_MS = 3000; // a database another program holds (503): the save tries again by itself
  const enhanced = new WeakSet();
  const files = new Map(); // path -> {textarea, version, saver, editor, savedText}
  let activeSaver = null;

  // ---- requests -------------------------------------------------------------------

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function post(url, fields, extra = {}) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json", ...(extra.headers || {}) },
      body: new URLSearchParams(fields),
      ...extra,
    });
  }

  // A short sentence from a refused request, for "Not saved: <reason>".
  async function reasonFrom(response) {
    const type = response.headers.get("Content-Type") || "";
    try {
      if (type.includes("json")) {
        const data = await response.json();
        if (data && (data.message || data.error)) return String(data.message || data.error);
      } else if (type.includes("text/plain")) {
        const text = (await response.text()).trim();
        if (text) return text.slice(0, 200);
      }
    } catch (_) {
      // An unreadable body still has a status line.
    }
    return `the sandbox answered ${response.status} ${response.statusText}`.trim();
  }

  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // ---- autosave -------------------------------------------------------------------

  class Autosaver {
    constructor(form, file) {
      this.url = form.dataset.autosaveUrl;
      this.file = file;
      this.status = form.querySelector(".save-status");
      this.timer = null;
      this.dirty = false;
      this.queue = Promise.resolve(true); // saves run one at a time, in order
    }

    schedule() {
      this.dirty = true;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
    }

    save(extra = {}) {
      clearTimeout(this.timer);
      this.timer = null;
      this.waiting = (this.waiting || 0) + 1; // saves queued or on their way
      this.queue = this.queue.then(() => this.send(extra)).finally(() => { this.waiting -= 1; });
      return this.queue;
    }

    async send(extra) {
      const file = this.file;
      if (file.conflict) return false; // the learner chooses first (see showConflict)
      this.dirty = false;
      const text = file.getText();
      this.show("saving", "Saving…");
      try {
        const response = await post(this.url, { path: file.path, content: text, version: file.version.value }, extra);
        if (response.ok) {
          const data = await response.json().catch(() => ({}));
          if (data.version) file.version.value = data.version;
          file.savedText = text;
          this.show("saved", "Saved");
          return true;
        }
        if (response.status === 409) {
          const data = await response.json().catch(() => null);
          if (data && "disk_text" in data) {
            showConflict(file, data);
            this.show("error", "Not saved: this file changed elsewhere. Choose a version below.");
            return false;
          }
        }
        this.show("error", `Not saved: ${await reasonFrom(response)}`);
        if (response.status === 503) this.timer = setTimeout(() => this.save(), BUSY_RETRY_MS);
      } catch (_) {
        this.show("error", "Not saved: the sandbox is not answering");
      }
      this.dirty = true;
      return false;
    }

    show(state, text) {
      if (!this.status) return;
      this.status.textContent = text;
      this.status.dataset.state = state;
    }
  }

  function saveAll() {
    const waiting = [...files.values()].map((f) => f.saver).filter((s) => s && (s.dirty || s.timer || s === activeSaver));
    return Promise.all(waiting.map((s) => s.save())).then((results) => results.every(Boolean));
  }

  // Leaving the page must not lose the last second of typing.
  window.addEventListener("pagehide", () => {
    // Sent at once rather than queued: the page may be gone before the queue moves on.
    for (const file of files.values()) {
      if (!file.saver || !file.saver.dirty) continue;
      clearTimeout(file.saver.timer);
      file.saver.send({ keepalive: true });
    }
  });

  // ---- conflicts: both versions side by side, the learner chooses -------------------

  function showConflict(file, data) {
    const box = document.getElementById("conflict");
    if (!box) return;
    file.conflict = data;
    box.hidden = false;
    box.innerHTML = "";
    const heading = document.createElement("p");
    heading.className = "notice error";
    heading.setAttribute("role", "alert");
    heading.textContent = `${file.path} changed on disk (another editor, a second tab or the terminal) while you ` +
      "were typing here. Nothing is lost: choose which version to keep.";
    const compare = document.createElement("div");
    compare.className = "compare-host";
    const actions = document.createElement("div");
    actions.className = "actions";
    const keepMine = button("Keep what I typed", "primary");
    const useDisk = button("Use the version on disk");
    actions.append(keepMine, useDisk);
    box.append(heading, compare, actions);
    let view = null;
    if (window.SandboxEditor && window.SandboxEditor.compare) {
      view = window.SandboxEditor.compare(compare, {
        left: data.disk_text, right: data.typed_text, leftLabel: "On disk now", rightLabel: "What you typed",
        language: file.textarea.dataset.language, theme: document.documentElement.dataset.theme,
      });
    } else {
      compare.classList.add("compare-plain");
      for (const [label, text] of [["On disk now", data.disk_text], ["What you typed", data.typed_text]]) {
        const side = document.createElement("div");
        const title = document.createElement("p");
        title.className = "compare-label";
        title.textContent = label;
        const pre = document.createElement("pre");
        pre.textContent = text;
        side.append(title, pre);
        compare.append(side);
      }
    }
    const close = () => {
      if (view) view.destroy();
      box.hidden = true;
      box.innerHTML = "";
      file.conflict = null;
    };
    keepMine.addEventListener("click", () => {
      file.version.value = data.disk_version || "";
      close();
      file.saver.save();
    });
    useDisk.addEventListener("click", () => {
      setText(file, data.disk_text, data.disk_version || "");
      close();
      file.saver.show("saved", "Using the version on disk");
    });
    keepMine.focus();
  }

  function button(text, kind = "") {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `button ${kind}`.trim();
    b.textContent = text;
    return b;
  }

  // ---- editors --------------------------------------------------------------------

  // Said once per session: a learner who has read it needs no reminder on every page.
  function showFallbackNote() {
    const note = document.getElementById("editor-fallback-note");
    if (!note) return;
    try {
      if (sessionStorage.getItem("sandbox:fallback-noted")) return;
      sessionStorage.setItem("sandbox:fallback-noted", "1");
    } catch (_) {
      /* storage unavailable: show the note */
    }
    note.hidden = false;
  }

  function editorOptions(textarea, file) {
    const html = document.documentElement;
    return {
      language: textarea.dataset.language || "text",
      theme: html.dataset.theme === "dark" ? "dark" : "light",
      fontSize: Number.parseInt(html.dataset.fontSize, 10) || undefined,
      onChange: () => file.saver && file.saver.schedule(),
      onSave: () => file.saver && file.saver.save(),
      onCheck: () => check(),
    };
  }

  function setText(file, text, version) {
    if (file.editor) file.editor.setValue(text);
    else file.textarea.value = text;
    file.savedText = text;
    if (version !== undefined) file.version.value = version;
  }

  function enhanceTextarea(textarea) {
    if (enhanced.has(textarea)) return;
    enhanced.add(textarea);
    const form = textarea.closest("form.editor-form[data-autosave-url]");
    const pane = textarea.closest(".editor-pane");
    const path = textarea.dataset.path || "";
    const version = (pane && pane.querySelector("input[data-version-for]")) || document.createElement("input");
    const file = { path, textarea, version, editor: null, saver: null, savedText: textarea.value, conflict: null,
                   getText: () => (file.editor ? file.editor.getValue() : textarea.value) };
    file.saver = form ? new Autosaver(form, file) : null;
    if (path) files.set(path, file);
    const markActive = () => {
      activeSaver = file.saver;
    };

    if (window.SandboxEditor) {
      try {
        file.editor = window.SandboxEditor.create(textarea, editorOptions(textarea, file));
        file.editor.view.dom.addEventListener("focusin", markActive);
        return;
      } catch (error) {
        console.error("The code editor could not start; using a plain text box.", error);
        file.editor = null;
      }
    }
    showFallbackNote();
    textarea.addEventListener("focus", markActive);
    if (file.saver) textarea.addEventListener("input", () => file.saver.schedule());
  }

  function enhance(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("textarea.code-editor")) enhanceTextarea(root);
    root.querySelectorAll("textarea.code-editor").forEach(enhanceTextarea);
    restoreTab(root);
  }

  // ---- checking, and the verdict where the learner looks -----------------------------

  async function check() {
    const buttonEl = document.getElementById("check-button");
    if (!buttonEl) return;
    if (await saveAll()) buttonEl.click();
  }

  // Check pressed while an autosave is on its way (or due) waits for it: the Check carries each
  // editor's version, which that save is about to replace, so the two must not cross.
  document.addEventListener("htmx:confirm", (event) => {
    if (!event.detail.elt || event.detail.elt.id !== "check-button") return;
    const savers = [...files.values()].map((f) => f.saver).filter(Boolean);
    if (!savers.some((s) => s.waiting || s.dirty || s.timer)) return;
    event.preventDefault();
    Promise.all(savers.map((s) => s.queue)).then(saveAll).then((saved) => {
      if (saved) event.detail.issueRequest(true);
    });
  });

  // A check's failures at a line of the learner's file are marked on that line.
  function markProblems(result) {
    const byFile = new Map();
    result.querySelectorAll("[data-problem-file]").forEach((item) => {
      const path = item.dataset.problemFile;
      const line = Number.parseInt(item.dataset.problemLine, 10);
      if (!line) return;
      if (!byFile.has(path)) byFile.set(path, []);
      byFile.get(path).push({ line, message: item.dataset.problemMessage || "This check failed here.", severity: "error" });
    });
    for (const file of files.values()) {
      if (file.editor && file.editor.setProblems) file.editor.setProblems(byFile.get(file.path) || []);
    }
  }

  function showVerdict(result) {
    if (!result) return;
    result.scrollIntoView({ block: "nearest", behavior: "smooth" });
    markProblems(result);
  }

  // A check saved the editors' files: they start from those versions now.
  document.addEventListener("sandbox:versions", (event) => {
    for (const [path, version] of Object.entries(event.detail || {})) {
      const file = files.get(path);
      if (file) file.version.value = version;
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "result") showVerdict(event.detail.target);
    if (event.detail.target && event.detail.target.id === "solution") showSolution(event.detail.target);
  });

  // ---- the reference solution, side by side with the learner's file ----------------

  function showSolution(box) {
    box.querySelectorAll("[data-solution-file]").forEach((item) => {
      const mine = item.querySelector("[data-mine]").textContent;
      const theirs = item.querySelector("[data-solution]").textContent;
      if (window.SandboxEditor && window.SandboxEditor.compare) {
        try {
          window.SandboxEditor.compare(item.querySelector("[data-compare-host]"), {
            left: mine, right: theirs, leftLabel: "Your file", rightLabel: "Reference solution",
            language: item.dataset.language, theme: document.documentElement.dataset.theme,
          });
          item.querySelector("[data-compare-plain]").hidden = true;
        } catch (error) {
          console.error("The comparison could not be shown; both files are shown as text.", error);
        }
      }
      const copy = item.querySelector("[data-copy]");
      copy.addEventListener("click", () => {
        const done = (words) => {
          copy.textContent = words;
        };
        if (navigator.clipboard) navigator.clipboard.writeText(theirs).then(() => done("Copied"), () => done("Copy failed: select the text instead"));
        else done("Copy is not available here: select the text instead");
      });
    });
  }

  // An empty quiz answer is said at once, beside the button, without a round trip.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (form.id !== "quiz-form" || form.querySelector("input[name=choice]:checked")) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      const result = document.getElementById("result");
      if (result) {
        result.innerHTML = '<div class="result failed"><p><strong>Choose an answer first.</strong></p></div>';
        showVerdict(result);
      }
    },
    true,
  );

  // ---- keyboard -------------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    // The editor handles its own keys and marks them handled.
    if (event.defaultPrevented || !(event.ctrlKey || event.metaKey) || event.altKey) return;
    if (event.key === "s" || event.key === "S") {
      event.preventDefault();
      saveAll();
    } else if (event.key === "Enter") {
      event.preventDefault();
      check();
    }
  });

  // ---- tabs (the ARIA tabs pattern: arrows, Home and End move between tabs) -----------

  const tabKey = () => `sandbox:tab:${location.pathname}`;

  function tabsOf(tab) {
    const list = tab.closest('[role="tablist"]');
    return list ? [...list.querySelectorAll('[role="tab"]')] : [tab];
  }

  function selectTab(tab, remember = true) {
    if (!tab) return;
    for (const other of tabsOf(tab)) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      other.classList.toggle("active", selected);
      const panel = document.getElementById(other.getAttribute("aria-controls") || other.dataset.tabTarget || "");
      if (panel) panel.hidden = !selected;
    }
    tab.dispatchEvent(new CustomEvent("sandbox:tab-selected", { bubbles: true }));
    if (remember && tab.dataset.path) {
      try {
        sessionStorage.setItem(tabKey(), tab.dataset.path);
      } catch (_) {
        // Storage can be switched off; the tab still changes.
      }
    }
  }

  function restoreTab(root) {
    let path = null;
    try {
      path = sessionStorage.getItem(tabKey());
    } catch (_) {
      return;
    }
    if (!path) return;
    const tab = [...root.querySelectorAll('#editor-tabs [role="tab"]')].find((t) => t.dataset.path === path);
    if (tab) selectTab(tab, false);
  }

  document.addEventListener("keydown", (event) => {
    const tab = event.target.closest && event.target.closest('[role="tab"]');
    if (!tab) return;
    const all = tabsOf(tab);
    const at = all.indexOf(tab);
    const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: all.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = all[(moves[event.key] + all.length) % all.length];
    selectTab(next);
    next.focus();
  });

  // ---- clicks: tabs, external links, confirmations --------------------------------

  function isExternal(link) {
    const rel = (link.getAttribute("rel") || "").split(/\s+/);
    return (rel.includes("external") || link.target === "_blank") && /^https?:$/.test(link.protocol);
  }

  function openExternal(url) {
    // Under JupyterHub the server has no desktop to open a browser on: the link opens in a new tab.
    if (!document.body.dataset.openExternalUrl) {
      window.open(url, "_blank", "noopener");
      return;
    }
    const opened = post(document.body.dataset.openExternalUrl, { url }).then((r) => r.ok, () => false);
    opened.then((ok) => {
      if (!ok) window.open(url, "_blank", "noopener");
    });
  }

  // Capture phase, so a declined confirmation stops htmx and the form alike.
  document.addEventListener(
    "click",
    (event) => {
      const asking = event.target.closest && event.target.closest("[data-confirm]");
      // A form's own data-confirm is asked on submit, not on every click inside it.
      if (asking && asking.tagName !== "FORM" && !window.confirm(asking.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || !event.target.closest) return;
    const tab = event.target.closest('[role="tab"]');
    if (tab) {
      event.preventDefault();
      selectTab(tab);
      return;
    }
    const link = event.target.closest("a[href]");
    if (link && isExternal(link)) {
      event.preventDefault();
      openExternal(link.href);
    }
  });

  // ---- start ----------------------------------------------------------------------

  window.SandboxApp = { files, enhance, selectTab, setText, saveAll, check, post, csrfToken, reasonFrom, showVerdict };

  // On a narrow window the outline folds into a menu above the lesson.
  document.querySelectorAll(".outline-menu").forEach((menu) => {
    if (window.matchMedia("(max-width: 90rem)").matches) menu.open = false;
  });

  // The page only reads; once it is here, tell the server the learner is on this step (a POST:
  // it counts time, keeps other editors' changes in history, and writes a new lesson's files,
  // which the page already shows). Without scripts, the first save or Check writes them.
  const lessonRoot = document.querySelector("[data-visit-url]");
  if (lessonRoot) post(lessonRoot.dataset.visitUrl, {}).catch(() => {});

  document.addEventListener("htmx:load", (event) => enhance(event.detail.elt));
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => enhance(document));
  } else {
    enhance(document);
  }
})();
