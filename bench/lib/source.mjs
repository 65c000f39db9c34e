// Loads src/ modules in-process for the benchmarks' "core" rows. The published dist/ is one
// bundle with hashed chunk names, so this bundles the requested modules on their own (esbuild,
// the same bundler) into bench/.work/core/ and imports them.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * @param {string[]} modules - paths under src/ without extension, e.g. "sync/plan".
 * @returns {Promise<Record<string, any>>} every export of those modules, merged.
 */
export async function loadSource(modules) {
  const outdir = path.join(REPO, "bench", ".work", "core");
  await build({
    absWorkingDir: REPO,
    entryPoints: modules.map((m) => `src/${m}.ts`),
    outbase: "src",
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    packages: "external", // resolved from the repository's node_modules at import time
    logLevel: "warning",
  });
  const out = {};
  for (const m of modules) Object.assign(out, await import(pathToFileURL(path.join(outdir, `${m}.js`)).href));
  return out;
}
