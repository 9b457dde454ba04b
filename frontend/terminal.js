// Entry for build/terminal.js (and build/terminal.css, xterm's stylesheet):
// window.SandboxTerminal, an xterm.js terminal in a host element. It only shows text and
// reports keys: the page connects it to whatever runs the shell (onInput, write).
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import "@xterm/xterm/css/xterm.css";

const THEMES = {
  light: {
    background: "#ffffff", foreground: "#1f2328", cursor: "#1f2328", cursorAccent: "#ffffff",
    selectionBackground: "#b6d6fd",
    black: "#1f2328", red: "#b3261e", green: "#116329", yellow: "#7d5700", blue: "#0550ae",
    magenta: "#8250df", cyan: "#1b7c83", white: "#6e7781",
    brightBlack: "#57606a", brightRed: "#a40e26", brightGreen: "#1a7f37", brightYellow: "#633c01",
    brightBlue: "#0969da", brightMagenta: "#a475f9", brightCyan: "#3192aa", brightWhite: "#8c959f",
  },
  dark: {
    background: "#282c34", foreground: "#abb2bf", cursor: "#528bff", cursorAccent: "#282c34",
    selectionBackground: "#3e4451",
    black: "#282c34", red: "#e06c75", green: "#98c379", yellow: "#e5c07b", blue: "#61afef",
    magenta: "#c678dd", cyan: "#56b6c2", white: "#abb2bf",
    brightBlack: "#5c6370", brightRed: "#e06c75", brightGreen: "#98c379", brightYellow: "#e5c07b",
    brightBlue: "#61afef", brightMagenta: "#c678dd", brightCyan: "#56b6c2", brightWhite: "#ffffff",
  },
};

function create(host, options = {}) {
  const { onInput, onResize, theme = "light", fontSize, screenReaderMode = false, label = "Terminal" } = options;
  const term = new Terminal({
    theme: THEMES[theme] || THEMES.light,
    fontSize: Number(fontSize) > 0 ? Number(fontSize) : 14,
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    cursorBlink: false,
    convertEol: false,
    scrollback: 5000,
    screenReaderMode: Boolean(screenReaderMode),
  });
  const fitter = new FitAddon();
  term.loadAddon(fitter);
  term.open(host);
  if (term.textarea) term.textarea.setAttribute("aria-label", label);

  const listeners = [];
  if (onInput) listeners.push(term.onData((data) => onInput(data)));
  if (onResize) listeners.push(term.onResize(({ cols, rows }) => onResize(cols, rows)));

  let disposed = false;
  const fit = () => {
    if (disposed || !host.isConnected || !host.clientWidth || !host.clientHeight) return;
    try {
      fitter.fit();
    } catch (error) {
      // A host that is hidden has no size to fit: the next fit() after it shows does it.
    }
  };
  // The host changing size (a panel dragged or shown) fits the terminal to it again.
  let frame = 0;
  const observer = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(fit);
  }) : null;
  if (observer) observer.observe(host);
  fit();

  return {
    terminal: term,
    write: (text) => term.write(String(text)),
    fit,
    focus: () => term.focus(),
    clear: () => term.clear(),
    dispose() {
      if (disposed) return;
      disposed = true;
      cancelAnimationFrame(frame);
      if (observer) observer.disconnect();
      for (const listener of listeners) listener.dispose();
      term.dispose();
    },
    get cols() {
      return term.cols;
    },
    get rows() {
      return term.rows;
    },
  };
}

window.SandboxTerminal = { create };
