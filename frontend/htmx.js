// Entry for build/htmx.js: htmx 2 as window.htmx.
// Its settings come from <meta name="htmx-config"> in the layout (no eval, no script tags).
import htmx from "htmx.org";

window.htmx = htmx;
