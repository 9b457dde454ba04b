/* The lesson page's workbench: the file panel, editor tabs that follow the files on disk, the
 * terminals, and the one long poll through which the page learns what changed (files, the
 * preview, terminal output). Plain ES2020, no inline script (CSP); builds on window.SandboxApp
 * (app.js) and, when built, window.SandboxTerminal (build/terminal.js). */
(() => {
  "use strict";

  const WAIT_SECONDS = 20;
  const RETRY_MS = 2000;

  const root = document.getElementById("workbench");
  if (!root || !window.SandboxApp) return;
  const app = window.SandboxApp;

  const known = { files: "", preview: "", output: 0 };
  const terminals = new Map(); // id -> {offset, write(text), ended(code)}
  let tabCounter = 1000;

  // ---- the long poll ---------------------------------------------------------------

  function eventsUrl(wait) {
    const params = new URLSearchParams({ wait: String(wait), files: known.files, preview: known.preview,
                                         output: String(known.output) });
    const asked = [...terminals].map(([id, t]) => `${id}:${t.offset}`);
    if (asked.length) params.set("terminals", asked.join(","));
    return `${root.dataset.eventsUrl}?${params}`;
  }

  // A page nobody touched for IDLE_MS stops asking, like a hidden one, so the sandbox (and, under
  // JupyterHub, the proxy's idle culler) sees an abandoned page as idle; any key, click or scroll wakes it.
  const IDLE_MS = 15 * 60 * 1000;
  let lastInput = Date.now();
  for (const name of ["keydown", "pointerdown", "wheel", "touchstart"]) {
    document.addEventListener(name, () => { lastInput = Date.now(); }, { capture: true, passive: true });
  }

  function awake() {
    if (!document.hidden && Date.now() - lastInput < IDLE_MS) return Promise.resolve();
    return new Promise((resolve) => {
      const names = ["visibilitychange", "keydown", "pointerdown", "wheel", "touchstart"];
      const wake = () => {
        if (document.hidden) return;
        lastInput = Date.now();
        for (const name of names) document.removeEventListener(name, wake, true);
        resolve();
      };
      for (const name of names) document.addEventListener(name, wake, true);
    });
  }

  let current = null; // the waiting poll's AbortController: a new terminal cuts the wait short

  async function pollForever() {
    let wait = 0; // the first answer comes at once: the page learns the whole tree
    for (;;) {
      await awake(); // a hidden or untouched tab asks nothing
      current = new AbortController();
      try {
        const response = await fetch(eventsUrl(wait), { credentials: "same-origin", signal: current.signal,
                                                        headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(String(response.status));
        const data = await response.json();
        handle(data.news || {});
        wait = WAIT_SECONDS;
      } catch (error) {
        if (error.name === "AbortError") continue; // asked again at once, now about the new terminal too
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  // A new terminal must be asked about at once: the waiting poll was sent before it existed.
  function restartPoll() {
    if (current) current.abort();
  }

  function handle(news) {
    if (news.files) {
      known.files = news.files.signature;
      renderTree(news.files.entries);
      syncTabs(news.files.entries);
    }
    if (news.preview) {
      known.preview = news.preview.token || "";
      if (typeof news.preview.output_end === "number") known.output = news.preview.output_end;
      document.dispatchEvent(new CustomEvent("sandbox:preview", { detail: news.preview }));
    }
    for (const [id, change] of Object.entries(news.terminals || {})) {
      const terminal = terminals.get(id);
      if (!terminal) continue;
      if (change.gone) {
        terminal.ended(null);
        terminals.delete(id);
        continue;
      }
      deliver(id, terminal, change);
    }
  }

  // Output arrives from the long poll and from each input's answer: each piece says where it starts,
  // so what was already shown is skipped. Offsets count characters (code points), as the server does.
  function deliver(id, terminal, change) {
    if (typeof change.end === "number" && change.end > terminal.offset && change.output) {
      const skip = Math.max(0, terminal.offset - (change.start || 0));
      const fresh = skip ? Array.from(change.output).slice(skip).join("") : change.output;
      terminal.offset = change.end;
      if (fresh) terminal.write(fresh);
    }
    if (change.alive === false) {
      terminal.ended(change.exit_code);
      terminals.delete(id);
    }
  }

  // ---- the file panel --------------------------------------------------------------

  const tree = document.getElementById("files-tree");
  const form = document.getElementById("files-form");
  const nameInput = document.getElementById("files-name");
  const formLabel = document.getElementById("files-form-label");
  const formSubmit = document.getElementById("files-submit");
  const formError = document.getElementById("files-error");
  let formMode = null; // {action: "file" | "folder" | "rename", path}

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    for (const child of children) node.append(child);
    return node;
  }

  function renderTree(entries) {
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#files-tree li");
    const focusedPath = focused ? focused.dataset.path : null;
    tree.replaceChildren();
    for (const entry of entries) {
      const item = el("li", { className: `files-entry ${entry.folder ? "folder" : "file"} depth-${Math.min(entry.depth, 6)}` });
      item.dataset.path = entry.path;
      const open = el("button", { type: "button", className: "files-open", textContent: entry.name,
                                  title: entry.path });
      open.dataset.files = entry.folder ? "folder" : "open";
      open.dataset.path = entry.path;
      if (entry.folder) open.setAttribute("aria-label", `Folder ${entry.path}`);
      else if (entry.version === null && entry.encoding) {
        // Saved by another editor in another encoding: offered for conversion to UTF-8.
        open.dataset.files = "convert";
        open.dataset.encoding = entry.encoding_name;
        open.title = `${entry.path} is saved in ${entry.encoding_name}, not UTF-8: click to convert it`;
        open.append(el("span", { className: "files-encoding muted small", textContent: ` (${entry.encoding})` }));
      } else if (entry.version === null) open.disabled = true; // binary: listed, not editable here
      const rename = el("button", { type: "button", className: "files-act", textContent: "Rename",
                                    title: `Rename ${entry.path}` });
      rename.dataset.files = "rename";
      rename.dataset.path = entry.path;
      rename.setAttribute("aria-label", `Rename ${entry.path}`);
      const remove = el("button", { type: "button", className: "files-act danger", textContent: "Delete",
                                    title: `Delete ${entry.path}` });
      remove.dataset.files = "delete";
      remove.dataset.path = entry.path;
      remove.dataset.folder = entry.folder ? "1" : "";
      remove.setAttribute("aria-label", `Delete ${entry.path}`);
      item.append(open, rename, remove);
      tree.append(item);
    }
    if (focusedPath) {
      const again = [...tree.querySelectorAll("li")].find((li) => li.dataset.path === focusedPath);
      if (again) again.querySelector("button").focus();
    }
    markOpenFile();
  }

  function showForm(mode) {
    formMode = mode;
    form.hidden = false;
    formError.hidden = true;
    formError.textContent = "";
    const words = { file: ["New file name", "Create"], folder: ["New folder name", "Create"],
                    rename: [`New name for ${mode.path}`, "Rename"] }[mode.action];
    formLabel.textContent = words[0];
    formSubmit.textContent = words[1];
    nameInput.value = mode.action === "rename" ? mode.path : "";
    nameInput.placeholder = mode.action === "folder" ? "static/css" : "views/layout.tpl";
    nameInput.focus();
    if (mode.action === "rename") nameInput.select();
  }

  function hideForm() {
    form.hidden = true;
    formMode = null;
  }

  async function submitForm(event) {
    event.preventDefault();
    if (!formMode) return;
    const path = nameInput.value.trim();
    const action = formMode.action;
    const oldPath = formMode.path;
    const request = action === "rename"
      ? app.post(root.dataset.renameUrl, { path: formMode.path, new_path: path })
      : app.post(root.dataset.createUrl, { path, folder: action === "folder" ? "1" : "0" });
    let response;
    try {
      response = await request;
    } catch (_) {
      return showError("The sandbox is not answering; try again.");
    }
    if (!response.ok) return showError(await app.reasonFrom(response));
    const data = await response.json();
    hideForm();
    known.files = data.tree.signature;
    renderTree(data.tree.entries);
    if (action === "rename") {
      renameTabs(oldPath, data.renamed, data.folder);
      syncTabs(data.tree.entries);
    } else if (data.file) {
      addTab(data.file);
      openFile(data.file.path, true);
    }
  }

  function showError(text) {
    formError.textContent = text;
    formError.hidden = false;
    nameInput.focus();
  }

  async function convertEntry(path, encodingName) {
    const question = `${path} is saved in ${encodingName}, not UTF-8, so the editor, the checks and your app `
      + "cannot read it as it is. Convert it to UTF-8? The text stays the same, and it is kept in History.";
    if (!window.confirm(question)) return;
    const response = await app.post(root.dataset.convertUrl, { path }).catch(() => null);
    if (!response || !response.ok) {
      window.alert(response ? await app.reasonFrom(response) : "The sandbox is not answering; try again.");
      return;
    }
    const data = await response.json();
    known.files = data.tree.signature;
    renderTree(data.tree.entries);
    addTab(data.file);
    openFile(data.file.path, true);
  }

  async function deleteEntry(path, folder) {
    const what = folder ? `the folder ${path} and everything in it` : path;
    if (!window.confirm(`Delete ${what}? Its files stay in History and can be brought back.`)) return;
    const response = await app.post(root.dataset.deleteUrl, { path }).catch(() => null);
    if (!response || !response.ok) {
      window.alert(response ? await app.reasonFrom(response) : "The sandbox is not answering; try again.");
      return;
    }
    const data = await response.json();
    known.files = data.tree.signature;
    renderTree(data.tree.entries);
    syncTabs(data.tree.entries);
  }

  root.addEventListener("click", (event) => {
    const target = event.target.closest && event.target.closest("[data-files]");
    if (!target) return;
    const action = target.dataset.files;
    if (action === "new-file") showForm({ action: "file" });
    else if (action === "new-folder") showForm({ action: "folder" });
    else if (action === "cancel") hideForm();
    else if (action === "open") openFile(target.dataset.path, true);
    else if (action === "convert") convertEntry(target.dataset.path, target.dataset.encoding);
    else if (action === "rename") showForm({ action: "rename", path: target.dataset.path });
    else if (action === "delete") deleteEntry(target.dataset.path, target.dataset.folder === "1");
  });
  form.addEventListener("submit", submitForm);
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hideForm();
  });

  // ---- editor tabs that follow the files on disk -------------------------------------

  const tabs = document.getElementById("editor-tabs");
  const panes = document.getElementById("editor-panes");

  function tabFor(path) {
    return [...tabs.querySelectorAll('[role="tab"]')].find((t) => t.dataset.path === path) || null;
  }

  function currentPath() {
    const tab = tabs.querySelector('[role="tab"][aria-selected="true"]');
    return tab ? tab.dataset.path : root.dataset.appFile;
  }

  function addTab(file) {
    const existing = tabFor(file.path); // two fetches of one new file (the panel and the poll) make one tab
    if (existing) return existing;
    const n = tabCounter++;
    const tab = el("button", { type: "button", id: `tab-${n}`, textContent: file.path, tabIndex: -1 });
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", `pane-${n}`);
    tab.setAttribute("aria-selected", "false");
    tab.dataset.path = file.path;
    const pane = el("div", { id: `pane-${n}`, className: "editor-pane", hidden: true });
    pane.setAttribute("role", "tabpanel");
    pane.setAttribute("aria-labelledby", `tab-${n}`);
    pane.dataset.path = file.path;
    const textarea = el("textarea", { className: "code-editor", name: `file:${file.path}`, value: file.content,
                                      spellcheck: false });
    textarea.dataset.path = file.path;
    textarea.dataset.language = file.language;
    textarea.setAttribute("aria-label", file.path);
    const version = el("input", { type: "hidden", name: `version:${file.path}`, value: file.version });
    version.dataset.versionFor = file.path;
    pane.append(textarea, version);
    tabs.append(tab);
    panes.append(pane);
    app.enhance(pane);
    return tab;
  }

  function removeTab(path) {
    const tab = tabFor(path);
    if (!tab) return;
    const pane = document.getElementById(tab.getAttribute("aria-controls"));
    const wasSelected = tab.getAttribute("aria-selected") === "true";
    const file = app.files.get(path);
    if (file && file.editor) file.editor.destroy();
    app.files.delete(path);
    tab.remove();
    if (pane) pane.remove();
    if (wasSelected) {
      const first = tabs.querySelector('[role="tab"]');
      if (first) app.selectTab(first);
    }
  }

  async function fetchFile(path) {
    const response = await fetch(`${root.dataset.fileUrl}?${new URLSearchParams({ path })}`,
                                 { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(await app.reasonFrom(response));
    return response.json();
  }

  async function openFile(path, focus) {
    let tab = tabFor(path);
    if (!tab) {
      try {
        tab = addTab(await fetchFile(path));
      } catch (error) {
        window.alert(`${path} cannot be opened here: ${error.message}`);
        return;
      }
    }
    app.selectTab(tab);
    if (focus) {
      const file = app.files.get(path);
      if (file && file.editor) file.editor.focus();
      else if (file) file.textarea.focus();
    }
  }

  // Files changed elsewhere: a clean editor takes the new text; one with unsaved typing keeps it
  // (its next save shows both versions side by side).
  async function syncTabs(entries) {
    const onDisk = new Map(entries.filter((e) => !e.folder && e.version !== null).map((e) => [e.path, e]));
    for (const [path, file] of [...app.files]) {
      const entry = onDisk.get(path);
      const clean = file.getText() === file.savedText && !(file.saver && (file.saver.dirty || file.saver.timer));
      if (!entry) {
        if (clean) removeTab(path);
        continue;
      }
      if (entry.version !== file.version.value && clean) {
        try {
          const fresh = await fetchFile(path);
          if (file.getText() === file.savedText) app.setText(file, fresh.content, fresh.version);
        } catch (_) {
          // Gone again meanwhile; the next poll says so.
        }
      }
    }
    for (const path of onDisk.keys()) {
      if (!app.files.has(path) && !tabFor(path)) {
        try {
          addTab(await fetchFile(path));
        } catch (_) {
          // Not text after all, or gone again.
        }
      }
    }
    markOpenFile();
  }

  function renameTabs(oldPath, newPath, folder) {
    if (!oldPath) return;
    for (const path of [...app.files.keys()]) {
      if (path === oldPath || (folder && path.startsWith(`${oldPath}/`))) removeTab(path);
    }
    if (!folder) openFile(newPath, false);
  }

  function markOpenFile() {
    const path = currentPath();
    tree.querySelectorAll("li").forEach((li) => li.classList.toggle("current", li.dataset.path === path));
    const link = document.getElementById("history-link");
    if (link) link.textContent = `History of ${path}`;
  }

  tabs.addEventListener("sandbox:tab-selected", markOpenFile);

  // The history of the file that is open, wherever the learner is.
  const historyLink = document.getElementById("history-link");
  if (historyLink) {
    historyLink.addEventListener("click", (event) => {
      event.preventDefault();
      event.stopImmediatePropagation();
      const url = `${root.dataset.historyUrl}?${new URLSearchParams({ path: currentPath() })}`;
      if (window.htmx) window.htmx.ajax("GET", url, { target: "#history", swap: "innerHTML" });
      else window.location.href = url;
    }, true);
  }

  // ---- terminals ----------------------------------------------------------------------

  class TerminalPanel {
    constructor(panel) {
      this.panel = panel;
      this.kind = panel.dataset.kind;
      this.host = panel.querySelector("[data-terminal-host]");
      this.plain = panel.querySelector("[data-terminal-plain]");
      this.lineForm = panel.querySelector("[data-terminal-line]");
      this.status = panel.querySelector(".terminal-status");
      this.hint = this.status.innerHTML; // said again once the terminal is running
      this.id = null;
      this.view = null;
      this.sending = Promise.resolve();
      panel.querySelector("[data-terminal=restart]").addEventListener("click", () => this.restart());
      if (this.lineForm) {
        this.lineForm.addEventListener("submit", (event) => {
          event.preventDefault();
          const input = this.lineForm.querySelector("input");
          this.send(`${input.value}\n`);
          input.value = "";
        });
      }
    }

    url(name) {
      return this.panel.dataset[name].replace("TERMINAL", encodeURIComponent(this.id || ""));
    }

    async start() {
      if (this.id) return;
      this.say("Starting…");
      const response = await app.post(this.panel.dataset.openUrl, { kind: this.kind }).catch(() => null);
      if (!response || !response.ok) {
        this.say(response ? await app.reasonFrom(response) : "The sandbox is not answering; try again.");
        return;
      }
      const data = await response.json();
      this.id = data.id;
      this.attach();
      terminals.set(this.id, { offset: 0, write: (text) => this.write(text), ended: (code) => this.ended(code) });
      this.say("");
      restartPoll();
    }

    attach() {
      if (this.view) return;
      const theme = document.documentElement.dataset.theme;
      if (window.SandboxTerminal) {
        this.view = window.SandboxTerminal.create(this.host, {
          theme, fontSize: Number.parseInt(document.documentElement.dataset.fontSize, 10) || undefined,
          onInput: (data) => this.send(data),
          onResize: (cols, rows) => this.resize(cols, rows),
        });
        this.view.fit();
        this.view.focus();
        return;
      }
      // Without the bundle: a plain transcript and a line to type into.
      this.plain.hidden = false;
      this.lineForm.hidden = false;
      this.view = {
        write: (text) => {
          this.plain.textContent = (this.plain.textContent + text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")).slice(-200000);
          this.plain.scrollTop = this.plain.scrollHeight;
        },
        fit() {},
        focus: () => this.lineForm.querySelector("input").focus(),
        dispose: () => {
          this.plain.textContent = "";
        },
      };
      this.view.focus();
    }

    write(text) {
      if (this.view) this.view.write(text);
    }

    send(data) {
      if (!this.id) return;
      const id = this.id;
      this.sending = this.sending.then(async () => {
        const terminal = terminals.get(id);
        const since = terminal ? terminal.offset : 0;
        try {
          const response = await app.post(this.url("inputUrl"), { data, since: String(since) });
          if (response.status === 404 && this.id === id) this.ended(null);
          else if (response.ok && terminals.get(id)) deliver(id, terminals.get(id), await response.json());
        } catch (_) {
          // The long poll brings the output anyway.
        }
      });
    }

    resize(cols, rows) {
      if (cols < 2 || rows < 1) return; // measured while hidden: nothing to tell the terminal
      if (this.id) app.post(this.url("resizeUrl"), { cols: String(cols), rows: String(rows) }).catch(() => {});
    }

    ended(code) {
      const words = code === null || code === undefined ? "This terminal has ended." : `This terminal has ended (exit code ${code}).`;
      this.write(`\r\n[${words}]\r\n`);
      this.say(`${words} Press "${this.panel.querySelector("[data-terminal=restart]").textContent}" to open another.`);
      if (this.id) terminals.delete(this.id);
      this.id = null;
    }

    async restart() {
      if (this.id) {
        const old = this.url("closeUrl");
        terminals.delete(this.id);
        this.id = null;
        await app.post(old, {}).catch(() => {});
      }
      if (this.view) {
        this.view.dispose();
        this.view = null;
        this.host.replaceChildren();
      }
      await this.start();
    }

    shown() {
      this.start().then(() => {
        if (this.view) {
          this.view.fit();
          this.view.focus();
        }
      });
    }

    say(text) {
      if (text) this.status.textContent = text;
      else this.status.innerHTML = this.hint;
    }
  }

  const panels = new Map();
  document.querySelectorAll(".terminal-panel").forEach((panel) => panels.set(panel.closest(".tool-panel").id,
                                                                               new TerminalPanel(panel)));
  document.addEventListener("sandbox:tab-selected", (event) => {
    const tab = event.target;
    const panel = panels.get(tab.getAttribute && tab.getAttribute("aria-controls"));
    if (panel) panel.shown();
  });
  window.addEventListener("resize", () => {
    for (const panel of panels.values()) if (panel.view && !panel.panel.closest(".tool-panel").hidden) panel.view.fit();
  });

  // ---- start ------------------------------------------------------------------------

  markOpenFile();
  pollForever();
  window.SandboxWorkbench = { openFile, known, terminals };
})();
