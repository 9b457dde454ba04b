/* The live preview pane and the request inspector: start the learner's app, follow its status
 * and console (through the workbench's long poll), drive the address bar, re-check on save when asked.
 * Plain ES2020, no inline script (CSP script-src 'self'); pages without the pane ignore it. */
(() => {
  "use strict";

  const INSPECTOR_POLL_MS = 1000;
  const CONSOLE_CHARS = 64 * 1024;
  const SLOW_MS = 5000; // a page that has not answered by then is said to be slow, not "running"
  const RETRY_OPEN_MS = 3000; // asking again while the app cannot start yet
  const WATCH_KEY = "sandbox:watch";

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function post(url, fields = {}, headers = {}) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), ...headers },
      body: new URLSearchParams(fields),
    });
  }

  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${response.status}`);
    return response.json();
  }

  class PreviewPane {
    constructor(root) {
      this.root = root;
      this.frame = root.querySelector("#preview-frame");
      this.pathInput = root.querySelector("#preview-path");
      this.origin = root.querySelector("#preview-origin");
      this.statusLine = root.querySelector("#preview-status");
      this.errorBox = root.querySelector("#preview-error");
      this.console = root.querySelector("#preview-console");
      this.watch = root.querySelector("#preview-watch");
      this.base = null;
      this.generation = 0;
      this.changes = null;
      this.outputEnd = 0;
      this.lastPage = null;
      this.history = [];
      this.state = null;
      this.slowTimer = null;
      this.frame.addEventListener("load", () => this.answered());
      this.wire();
      this.follow();
      this.open();
    }

    wire() {
      this.root.addEventListener("click", (event) => {
        const button = event.target.closest("[data-preview]");
        if (!button || button.tagName !== "BUTTON") return;
        event.preventDefault();
        const action = button.dataset.preview;
        if (action === "back") this.back();
        else if (action === "reload") this.show(this.path());
        else if (action === "external" && this.base) this.openExternal();
        else if (action === "restart") post(this.root.dataset.restartUrl);
        else if (action === "folder") this.openFolder();
      });
      this.root.querySelector("[data-preview=go]").addEventListener("submit", (event) => {
        event.preventDefault();
        this.go(this.pathInput.value);
      });
      try {
        this.watch.checked = localStorage.getItem(WATCH_KEY) === "on";
      } catch (_) {
        // Storage can be switched off; the toggle still works for this page.
      }
      this.watch.addEventListener("change", () => {
        try {
          localStorage.setItem(WATCH_KEY, this.watch.checked ? "on" : "off");
        } catch (_) {
          // As above.
        }
      });
    }

    // The app in the learner's own browser. Under JupyterHub (no open-external route: the server has no
    // desktop) that is a new tab on the proxied address, which is the sandbox's origin made opaque.
    openExternal() {
      const address = this.address(this.path());
      const route = document.body.dataset.openExternalUrl;
      if (route) post(route, { url: address });
      else window.open(new URL(address, window.location.href).href, "_blank", "noopener");
    }

    // "Open folder" says what happened: the file manager cannot be seen opening from here.
    async openFolder() {
      const note = this.root.querySelector("#preview-folder-note");
      const say = (text) => {
        if (note) note.textContent = text;
      };
      try {
        const response = await post(this.root.dataset.folderUrl);
        say(response.ok ? "Opened your lesson folder in the file manager." : await response.text());
      } catch (_) {
        say("The sandbox is not answering; try again.");
      }
    }

    path() {
      const value = (this.pathInput.value || "/").trim();
      return value.startsWith("/") ? value : `/${value}`;
    }

    // A path as shown in the bar (decoded: "/hello/Zoë") as an address on the learner's app: what a URL
    // cannot hold is percent-encoded as a browser would, and a "%XX" already there is kept.
    address(path) {
      const parts = path.slice(1).split(/(%[0-9A-Fa-f]{2})/);
      return this.base + parts.map((part, i) => (i % 2 ? part : encodeURI(part))).join("");
    }

    go(path) {
      const current = this.lastPage || "/";
      if (path !== current) this.history.push(current);
      this.pathInput.value = path;
      this.show(path);
    }

    back() {
      if (!this.history.length) return;
      const path = this.history.pop();
      this.pathInput.value = path;
      this.show(path);
    }

    show(path) {
      if (!this.base) return;
      this.lastPage = path;
      // Setting src always navigates, even to the same address: that is the reload.
      this.frame.src = this.address(path);
      clearTimeout(this.slowTimer);
      this.slowTimer = setTimeout(() => this.slow(path), SLOW_MS);
    }

    // The frame has not loaded: say so, instead of "running" over an old page.
    slow(path) {
      if (this.state !== "running") return;
      this.root.dataset.state = "slow";
      this.statusLine.textContent = `${path} has not answered for ${SLOW_MS / 1000} seconds. Is there a loop ` +
        "that never ends, or something waiting forever? Fix it and save: the app restarts by itself.";
    }

    answered() {
      clearTimeout(this.slowTimer);
      if (this.root.dataset.state === "slow" && this.state) this.showState({ state: this.state });
    }

    async open() {
      try {
        const response = await post(this.root.dataset.openUrl, {}, { Accept: "application/json" });
        if (response.status === 503) {
          // Not ready yet (a course's own libraries still installing, a busy sandbox): say why, ask again.
          const reason = await response.json().catch(() => ({}));
          this.statusLine.textContent = reason.message || "The sandbox is busy; your app starts in a moment.";
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.open(), RETRY_OPEN_MS);
          return;
        }
        if (!response.ok) throw new Error(`${response.status}`);
        const notice = document.getElementById("libraries-notice");
        if (notice) notice.hidden = true; // the app started, so its libraries are in
        const status = await response.json();
        if (status.state === "none") {
          this.statusLine.textContent = status.message;
          return;
        }
        this.update(status);
      } catch (_) {
        this.statusLine.textContent = "The preview could not start; reload the page to try again.";
      }
    }

    // Status and console arrive through the workbench's long poll (workbench.js).
    follow() {
      document.addEventListener("sandbox:preview", (event) => {
        const status = event.detail;
        if (status.state === "stopped") this.open(); // stopped while away (idle): start it again
        else this.update(status);
      });
    }

    update(status) {
      if (status.url && status.url !== this.base) {
        this.base = status.url;
        // The address bar shows paths from the app's root; under JupyterHub nothing stands before them.
        this.origin.textContent = typeof status.origin === "string" ? status.origin : status.url.replace(/\/$/, "");
        this.show(this.path());
      } else if (status.generation !== this.generation && status.state !== "starting") {
        this.show(this.path()); // a new process answers now: show the page again
      }
      const restarted = status.generation > this.generation && this.generation > 0;
      if (status.state !== "starting") this.generation = status.generation;
      this.state = status.state;
      this.showState(status);
      if (typeof status.output === "string") this.appendOutput(status.output, status.output_end, restarted);
      if (status.last_page && status.last_page !== this.lastPage && document.activeElement !== this.pathInput) {
        this.history.push(this.lastPage || "/");
        this.lastPage = status.last_page;
        this.pathInput.value = status.last_page;
      }
      if (this.changes !== null && status.changes > this.changes && this.watch.checked) this.check();
      this.changes = status.changes;
    }

    showState(status) {
      const words = { starting: "Starting your app…", running: "Your app is running.", error: "Your app could not start.",
                      crashed: "Your app stopped." };
      this.statusLine.textContent = words[status.state] || status.state;
      this.root.dataset.state = status.state;
      const failed = status.error && (status.state === "error" || status.state === "crashed");
      this.errorBox.hidden = !failed;
      this.frame.hidden = status.state === "crashed";
      if (!failed) return;
      this.errorBox.querySelector("#preview-error-title").textContent = words[status.state];
      this.errorBox.querySelector("#preview-error-where").textContent = status.error.file
        ? `In ${status.error.file}${status.error.line ? `, line ${status.error.line}` : ""}.` : "";
      this.errorBox.querySelector("#preview-error-message").textContent = status.error.message;
    }

    // Each restart starts a new section: the console shows what the app printed since its last start.
    appendOutput(text, end, restarted) {
      this.outputEnd = end;
      const marker = text.lastIndexOf("\n--- ");
      if (marker >= 0) {
        this.console.textContent = "";
        text = text.slice(marker + 1);
      } else if (restarted) {
        this.console.textContent = "";
      }
      if (!text) return;
      const atBottom = this.console.scrollTop + this.console.clientHeight >= this.console.scrollHeight - 4;
      this.console.textContent = (this.console.textContent + text).slice(-CONSOLE_CHARS);
      if (atBottom) this.console.scrollTop = this.console.scrollHeight;
    }

    // Checks run on the files on disk (no editor fields are sent), so an outside editor's save counts.
    check() {
      const url = this.root.dataset.checkUrl;
      if (window.htmx && window.htmx.ajax) {
        window.htmx.ajax("POST", url, { target: "#result", swap: "innerHTML", values: { csrf_token: csrfToken() } });
        return;
      }
      post(url, { csrf_token: csrfToken() }, { "HX-Request": "true" })
        .then((response) => response.text())
        .then((html) => {
          const result = document.getElementById("result");
          if (!result) return;
          result.innerHTML = html;
          result.querySelectorAll("[hx-swap-oob]").forEach((el) => el.remove());
        });
    }
  }

  function followInspector(list) {
    let last = list.innerHTML;
    const refresh = async () => {
      try {
        const response = await fetch(list.dataset.pollUrl, { credentials: "same-origin" });
        if (response.ok) {
          const html = await response.text();
          if (html !== last) {
            list.innerHTML = html;
            last = list.innerHTML;
          }
        }
      } catch (_) {
        // The sandbox is busy or gone; try again on the next tick.
      }
      setTimeout(refresh, INSPECTOR_POLL_MS);
    };
    setTimeout(refresh, INSPECTOR_POLL_MS);
  }

  function start() {
    const pane = document.getElementById("preview");
    if (pane) new PreviewPane(pane);
    const list = document.querySelector("[data-poll-url]");
    if (list) followInspector(list);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
