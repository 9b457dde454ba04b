// Bundles the browser code into sandbox/static/build/ with esbuild.
// Run through `npm run build` after `npm ci`; needs no network.
import { build } from "esbuild";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "sandbox", "static", "build");

// htmx keeps one direct eval() for its internal debugging helper `htmx._`. The page's CSP
// refuses eval anyway, and a direct eval stops esbuild from shortening any name in htmx,
// so it is turned into an indirect one.
const htmxWithoutDirectEval = {
  name: "htmx-without-direct-eval",
  setup(b) {
    b.onLoad({ filter: /htmx\.org[\\/]dist[\\/]htmx\.esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const patched = source.replace("return eval(str)", "return (0, eval)(str)");
      if (patched === source) throw new Error(`${args.path}: expected htmx's eval(str) line`);
      return { contents: patched, loader: "js" };
    });
  },
};

async function licences(metafile) {
  const packages = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (match) packages.add(match[1]);
  }
  const parts = [];
  for (const name of [...packages].sort()) {
    const dir = path.join(root, "node_modules", name);
    const meta = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8"));
    const file = (await readdir(dir)).find((f) => /^licen[cs]e/i.test(f));
    const text = file ? await readFile(path.join(dir, file), "utf8") : `License: ${meta.license}`;
    parts.push(`${name} ${meta.version}\n\n${text.trim()}\n`);
  }
  return parts.join(`\n${"-".repeat(72)}\n\n`);
}

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: [
    { in: "frontend/htmx.js", out: "htmx" },
    { in: "frontend/editor.js", out: "editor" },
    { in: "frontend/terminal.js", out: "terminal" }, // and terminal.css, xterm's stylesheet
  ],
  outdir,
  bundle: true,
  format: "iife",
  target: "es2020",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  plugins: [htmxWithoutDirectEval],
});
await writeFile(path.join(outdir, "THIRD-PARTY-LICENSES.txt"), await licences(result.metafile));
for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  console.log(`${path.relative(root, file)}  ${(bytes / 1024).toFixed(1)} KiB`);
}
