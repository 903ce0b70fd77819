/** Bundles the Preact UI with esbuild into web/dist. `--watch` rebuilds on change. */
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
};

await Deno.copyFile(`${dir}src/index.html`, `${outdir}/index.html`);
await Deno.copyFile(`${dir}src/style.css`, `${outdir}/style.css`);
if (Deno.args.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  const result = await esbuild.build({ ...options, metafile: true });
  const bytes = Object.values(result.metafile!.outputs).reduce((n, o) => n + o.bytes, 0);
  await Deno.writeTextFile(`${outdir}/meta.json`, JSON.stringify({ bytes }));
  await esbuild.stop();
}
