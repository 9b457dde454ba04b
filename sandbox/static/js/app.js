/* The sandbox's own browser script: CSRF header, editors, autosave, keys, file tabs,
 * external links and confirmations. Plain ES2020, no build step. Every page also works
 * without it, and it works without htmx or the editor bundle (build/editor.js). */
(() => {
  "use strict";

  const SAVE_DELAY_MS = 1000;
  const enhanced = new WeakSet();
  const savers = new Set();
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
      headers: { "X-CSRF-Token": csrfToken() },
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
        if (data && (data.error || data.message)) return String(data.error || data.message);
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
    constructor(form, path, getContent) {
      this.url = form.dataset.autosaveUrl;
      this.path = path;
      this.getContent = getContent;
      this.status = form.querySelector(".save-status");
      if (this.status && !this.status.hasAttribute("aria-live")) {
        this.status.setAttribute("aria-live", "polite");
      }
      this.timer = null;
      this.dirty = false;
      this.queue = Promise.resolve(true); // saves run one at a time, in order
      savers.add(this);
    }

    schedule() {
      this.dirty = true;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
    }

    save(extra = {}) {
      clearTimeout(this.timer);
      this.timer = null;
      this.queue = this.queue.then(() => this.send(extra));
      return this.queue;
    }

    async send(extra) {
      this.dirty = false;
      this.show("saving", "Saving…");
      try {
        const response = await post(this.url, { path: this.path, content: this.getContent() }, extra);
        if (response.ok) {
          this.show("saved", "Saved");
          return true;
        }
        this.show("error", `Not saved: ${await reasonFrom(response)}`);
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
    const waiting = [...savers].filter((s) => s.dirty || s.timer || s === activeSaver);
    return Promise.all(waiting.map((s) => s.save())).then((results) => results.every(Boolean));
  }

  // Leaving the page must not lose the last second of typing.
  window.addEventListener("pagehide", () => {
    // Sent at once rather than queued: the page may be gone before the queue moves on.
    for (const saver of savers) {
      if (!saver.dirty) continue;
      clearTimeout(saver.timer);
      saver.send({ keepalive: true });
    }
  });

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

  function editorOptions(textarea, saver) {
    const html = document.documentElement;
    return {
      language: textarea.dataset.language || "text",
      theme: html.dataset.theme === "dark" ? "dark" : "light",
      fontSize: Number.parseInt(html.dataset.fontSize, 10) || undefined,
      onChange: () => saver && saver.schedule(),
      onSave: () => saver && saver.save(),
      onCheck: () => check(),
    };
  }

  function enhanceTextarea(textarea) {
    if (enhanced.has(textarea)) return;
    enhanced.add(textarea);
    const form = textarea.closest("form.editor-form[data-autosave-url]");
    const path = textarea.dataset.path || (form && form.elements.path && form.elements.path.value) || "";
    let editor = null;
    const saver = form ? new Autosaver(form, path, () => (editor ? editor.getValue() : textarea.value)) : null;
    const markActive = () => {
      activeSaver = saver;
    };

    if (window.SandboxEditor) {
      try {
        editor = window.SandboxEditor.create(textarea, editorOptions(textarea, saver));
        editor.view.dom.addEventListener("focusin", markActive);
        return;
      } catch (error) {
        console.error("The code editor could not start; using a plain text box.", error);
        editor = null;
      }
    }
    showFallbackNote();
    textarea.addEventListener("focus", markActive);
    if (saver) textarea.addEventListener("input", () => saver.schedule());
  }

  function enhance(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("textarea.code-editor")) enhanceTextarea(root);
    root.querySelectorAll("textarea.code-editor").forEach(enhanceTextarea);
    restoreTab(root);
  }

  // ---- keyboard -------------------------------------------------------------------

  async function check() {
    const button = document.getElementById("check-button");
    if (!button) return;
    if (await saveAll()) button.click();
  }

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

  // ---- file tabs ------------------------------------------------------------------

  const tabKey = () => `sandbox:tab:${location.pathname}`;

  function selectTab(id, remember) {
    const pane = document.getElementById(id);
    if (!pane || !pane.classList.contains("editor-pane")) return;
    const group = [...pane.parentElement.children].filter((el) => el.classList.contains("editor-pane"));
    for (const other of group) other.hidden = other !== pane;
    const ids = new Set(group.map((el) => el.id));
    document.querySelectorAll("[data-tab-target]").forEach((tab) => {
      if (!ids.has(tab.dataset.tabTarget)) return;
      const selected = tab.dataset.tabTarget === id;
      tab.classList.toggle("active", selected);
      tab.setAttribute("aria-selected", String(selected));
    });
    if (remember) {
      try {
        sessionStorage.setItem(tabKey(), id);
      } catch (_) {
        // Storage can be switched off; the tab still changes.
      }
    }
  }

  function restoreTab(root) {
    let id = null;
    try {
      id = sessionStorage.getItem(tabKey());
    } catch (_) {
      return;
    }
    if (id && root.querySelector(`[data-tab-target="${CSS.escape(id)}"]`)) selectTab(id, false);
  }

  // ---- clicks: tabs, external links, confirmations --------------------------------

  function isExternal(link) {
    const rel = (link.getAttribute("rel") || "").split(/\s+/);
    return (rel.includes("external") || link.target === "_blank") && /^https?:$/.test(link.protocol);
  }

  function openExternal(url) {
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
    const tab = event.target.closest("[data-tab-target]");
    if (tab) {
      event.preventDefault();
      selectTab(tab.dataset.tabTarget, true);
      return;
    }
    const link = event.target.closest("a[href]");
    if (link && isExternal(link)) {
      event.preventDefault();
      openExternal(link.href);
    }
  });

  // ---- start ----------------------------------------------------------------------

  document.addEventListener("htmx:load", (event) => enhance(event.detail.elt));
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => enhance(document));
  } else {
    enhance(document);
  }
})();
