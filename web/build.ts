/** Bundles the Preact UI and its styles with esbuild into web/dist. `--watch` rebuilds on change. */
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const outdir = `${dir}dist`;
await Deno.mkdir(outdir, { recursive: true });

/** One esbuild bundle of src/<entry> into dist/<out>, minified, without legal comments. */
const bundle = (entry: string, out: string, more: esbuild.BuildOptions): esbuild.BuildOptions => ({
  entryPoints: [`${dir}src/${entry}`],
  outfile: `${outdir}/${out}`,
  bundle: true,
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  ...more,
});

const options = bundle("main.tsx", "app.js", {
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  sourcemap: "linked",
  // Resolve the workspace's npm packages from node_modules.
  nodePaths: [fileURLToPath(new URL("../node_modules", import.meta.url))],
  // The workspace modules the page shares with the API: times and searches read the same way on both sides.
  alias: Object.fromEntries(
    ["moment", "search"].map((m) => [
      `@painchain/shared/${m}`,
      fileURLToPath(new URL(`../shared/${m}.ts`, import.meta.url)),
    ]),
  ),
});

/** style.css imports one file per screen (src/styles/); the bundle is one stylesheet. */
const styles = bundle("style.css", "style.css", { target: "chrome110" });

await Deno.copyFile(`${dir}src/index.html`, `${outdir}/index.html`);
if (Deno.args.includes("--watch")) {
  const [app, css] = await Promise.all([esbuild.context(options), esbuild.context(styles)]);
  await Promise.all([app.watch(), css.watch()]);
} else {
  const [result] = await Promise.all([esbuild.build({ ...options, metafile: true }), esbuild.build(styles)]);
  const bytes = Object.values(result.metafile!.outputs).reduce((n, o) => n + o.bytes, 0);
  await Deno.writeTextFile(`${outdir}/meta.json`, JSON.stringify({ bytes }));
  await esbuild.stop();
}
