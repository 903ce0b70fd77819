/** Bundles the Preact UI and its styles with esbuild into web/dist. `--watch` rebuilds on change. */
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const outdir = `${dir}dist`;
await Deno.mkdir(outdir, { recursive: true });

const options: esbuild.BuildOptions = {
  entryPoints: [`${dir}src/main.tsx`],
  outfile: `${outdir}/app.js`,
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  // Resolve the workspace's npm packages from node_modules.
  nodePaths: [fileURLToPath(new URL("../node_modules", import.meta.url))],
  // The workspace modules the page shares with the API: times and searches read the same way on both sides.
  alias: Object.fromEntries(
    ["moment", "search"].map((m) => [
      `@painchain/shared/${m}`,
      fileURLToPath(new URL(`../shared/${m}.ts`, import.meta.url)),
    ]),
  ),
};

/** style.css imports one file per screen (src/styles/); the bundle is one stylesheet. */
const styles: esbuild.BuildOptions = {
  entryPoints: [`${dir}src/style.css`],
  outfile: `${outdir}/style.css`,
  bundle: true,
  minify: true,
  target: "chrome110",
  legalComments: "none",
  logLevel: "warning",
};

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
