// Builds the published CLI: bundles src/cli.ts and everything it reaches (our modules and
// every npm package they import) into dist/ with esbuild, so the package has no runtime
// dependencies. Each dynamic `import()` becomes its own chunk, loaded only when reached:
// `--help` loads dist/cli.js (commander + option declarations) and nothing else.
//
// Shipped as files, not bundled: templates/, generators/ (node-plop imports the plopfile
// by path at run time), schemas/ and python/ (package.json `files`). Code finds them from
// PACKAGE_ROOT (src/version.ts) = the folder above the chunk, so every chunk must sit
// directly in dist/ (no chunk subfolders).
//
// After bundling it fails the build when:
//   - an output imports anything but a node: builtin (a package left external);
//   - a src/ module with runtime code is not in the bundle (a command not registered in
//     src/cli.ts, see the pattern at its top);
// and writes dist/THIRD-PARTY-LICENSES.md with the license of every bundled package.
//
// Usage: node scripts/build.mjs            (pnpm build; npm pack runs it as prepack)
//        BUILD_MINIFY=0 node scripts/build.mjs   readable output for debugging
import { build, transform } from "esbuild";
import { builtinModules } from "node:module";
import * as fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(ROOT, "dist");
const rel = (p) => path.relative(ROOT, p).split(path.sep).join("/");
// Bundled CommonJS packages (handlebars, picocolors, ...) call require() for node builtins:
// give every chunk a real require (esbuild's shim throws for it in ESM output otherwise).
const REQUIRE_BANNER = 'import { createRequire as __mcpmCreateRequire } from "node:module";\nconst require = __mcpmCreateRequire(import.meta.url);';

/**
 * Bundles the CLI into `outdir`.
 * @param {{ outdir?: string, minify?: boolean }} [opts]
 * @returns {Promise<import("esbuild").Metafile>} esbuild's metafile (inputs and outputs with their imports).
 */
export async function bundle({ outdir = DIST, minify = process.env.BUILD_MINIFY !== "0" } = {}) {
  await fs.rm(outdir, { recursive: true, force: true });
  const pkg = JSON.parse(await fs.readFile(path.join(ROOT, "package.json"), "utf8"));
  const precompiled = await precompileTemplates();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ["src/cli.ts"],
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: `node${pkg.engines.node.replace(/^>=\s*/, "")}`,
    chunkNames: "[name]-[hash]",
    minify,
    banner: { js: REQUIRE_BANNER },
    legalComments: "none", // the licenses go to THIRD-PARTY-LICENSES.md
    metafile: true,
    logLevel: "warning",
    plugins: [withoutInquirer, withoutPlopFileActions, handlebarsRuntimeOnly, ownZodForTheMcpSdk, commanderWithoutChildProcessAtStartup, withPrecompiledTemplates(precompiled)],
  });
  const meta = result.metafile;
  await checkImports(meta);
  await checkAllSourceBundled(meta);
  await writeLicenses(meta, path.join(outdir, "THIRD-PARTY-LICENSES.md"));
  await writeStartTexts(outdir);
  return meta;
}

/**
 * Writes `start.json` (`{ "help": ..., "version": ..., "helpWidth": ... }`): the top-level `--help`
 * and `--version` output of the built CLI, which the bin shim prints without loading the CLI (a
 * faster cold start), and the width the help is wrapped at (a narrower terminal gets the CLI's own).
 * Produced by running the bundle itself (`run(["--help"])` with a non-terminal output, where
 * commander wraps at HELP_WIDTH), so the texts cannot drift from what commander prints.
 * Only for a build into the package's own dist/ (the chunks read ../package.json); a build into
 * another folder gets none, and its shim simply loads the CLI.
 * @param {string} outdir
 */
async function writeStartTexts(outdir) {
  if (path.resolve(outdir) !== DIST) return;
  const { run, HELP_WIDTH } = await import(`${pathToFileURL(path.join(outdir, "cli.js")).href}?t=${Date.now()}`);
  const capture = async (argv) => {
    let out = "";
    let err = "";
    const stream = (add) => ({ isTTY: false, write: (s) => (add(String(s)), true) });
    const ctx = { cwd: ROOT, stdout: stream((s) => (out += s)), stderr: stream((s) => (err += s)), stdin: null, interactive: false, env: {}, now: () => new Date(0) };
    const code = await run(argv, ctx);
    if (code !== 0 || err !== "" || out === "") throw new Error(`the built CLI's ${argv.join(" ")} exited ${code}: ${err}`);
    return out;
  };
  const texts = { help: await capture(["--help"]), version: await capture(["--version"]), helpWidth: HELP_WIDTH };
  await fs.writeFile(path.join(outdir, "start.json"), JSON.stringify(texts, null, 2) + "\n");
}

/**
 * Runs src/scaffold/precompile.ts (bundled on the fly into .cache/, one level below the repository
 * root like dist/, so its PACKAGE_ROOT is the repository) and returns the module it generates:
 * every template precompiled.
 * @returns {Promise<string>} ES module source exporting PRECOMPILED
 */
async function precompileTemplates() {
  const tmp = path.join(ROOT, ".cache", `precompile-${process.pid}.mjs`);
  await fs.mkdir(path.dirname(tmp), { recursive: true });
  try {
    await build({ absWorkingDir: ROOT, entryPoints: ["src/scaffold/precompile.ts"], outfile: tmp, bundle: true, format: "esm", platform: "node", logLevel: "warning", banner: { js: REQUIRE_BANNER } });
    const { precompileTemplates: run } = await import(`${pathToFileURL(tmp).href}?t=${Date.now()}`);
    return await run(ROOT);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * Replaces src/scaffold/precompiled-templates.ts (null from source) with the precompiled templates,
 * so the bundled CLI never runs the Handlebars compiler for its own templates.
 * @param {string} source - module source from {@link precompileTemplates}
 * @returns {import("esbuild").Plugin}
 */
const withPrecompiledTemplates = (source) => ({
  name: "precompiled-templates",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]scaffold[\\/]precompiled-templates\.ts$/ }, () => ({ contents: source, loader: "js" }));
  },
});

/**
 * node-plop imports inquirer only for its own prompts, which we never run: bundle a module
 * that throws on use instead (scripts/bundle/inquirer-not-bundled.mjs says why).
 * @type {import("esbuild").Plugin}
 */
const withoutInquirer = {
  name: "without-inquirer",
  setup(b) {
    b.onResolve({ filter: /^inquirer$/ }, (args) => {
      if (!/node-plop/.test(args.importer)) throw new Error(`only node-plop may import inquirer (imported by ${args.importer})`);
      return { path: path.join(ROOT, "scripts", "bundle", "inquirer-not-bundled.mjs") };
    });
  },
};

/**
 * node-plop's built-in actions (add, addMany, modify, append) write files directly; our
 * generators use only the `render` action: bundle stubs that throw instead
 * (scripts/bundle/plop-actions-not-bundled.mjs says why). The same for `resolve` (plop.load()).
 * @type {import("esbuild").Plugin}
 */
const withoutPlopFileActions = {
  name: "without-plop-file-actions",
  setup(b) {
    b.onResolve({ filter: /^\.\/actions\/index\.js$/ }, (args) => {
      if (!/[\\/]node-plop[\\/]src[\\/]generator-runner\.js$/.test(args.importer)) return undefined;
      return { path: path.join(ROOT, "scripts", "bundle", "plop-actions-not-bundled.mjs") };
    });
    // and `resolve`, used only by plop.load() (scripts/bundle/resolve-not-bundled.mjs)
    b.onResolve({ filter: /^resolve$/ }, (args) => {
      if (!/[\\/]node-plop[\\/]src[\\/]node-plop\.js$/.test(args.importer)) return undefined;
      return { path: path.join(ROOT, "scripts", "bundle", "resolve-not-bundled.mjs") };
    });
  },
};

/**
 * Every template is precompiled at build time (src/scaffold/precompile.ts), so the bundle needs only
 * the Handlebars runtime (templates, helpers, partials), not its compiler: `handlebars` resolves
 * to `handlebars/runtime` for our code and for node-plop (whose renderString, the one compiler
 * use, we do not call: src/scaffold/render.ts renders action paths from precompiled templates too).
 * @type {import("esbuild").Plugin}
 */
const handlebarsRuntimeOnly = {
  name: "handlebars-runtime-only",
  setup(b) {
    b.onResolve({ filter: /^handlebars$/ }, (args) => b.resolve("handlebars/runtime", { kind: args.kind, resolveDir: args.resolveDir }));
  },
};

/**
 * The MCP SDK (verify's client) uses zod's full build; the CLI uses zod/mini (src/kernel/zod.ts).
 * Bundled together, both would share one chunk of zod's core holding everything the full build
 * needs, and every `create` would load it. Here the SDK gets a copy of zod of its own (zod's files
 * loaded again in the namespace `sdk-zod`), so the core the CLI loads is only what zod/mini uses.
 * @type {import("esbuild").Plugin}
 */
const ownZodForTheMcpSdk = {
  name: "own-zod-for-the-mcp-sdk",
  setup(b) {
    const fromSdk = /[\\/]@modelcontextprotocol[\\/]sdk[\\/]/;
    b.onResolve({ filter: /^zod(\/.*)?$/ }, async (args) => {
      if (args.pluginData === "own-zod" || (args.namespace !== "sdk-zod" && !fromSdk.test(args.importer))) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: "own-zod" });
      return r.errors.length ? { errors: r.errors } : { path: r.path, namespace: "sdk-zod" };
    });
    b.onResolve({ filter: /^\./, namespace: "sdk-zod" }, (args) => ({ path: path.resolve(args.resolveDir, args.path), namespace: "sdk-zod" }));
    b.onLoad({ filter: /.*/, namespace: "sdk-zod" }, async (args) => ({ contents: await fs.readFile(args.path, "utf8"), loader: "js", resolveDir: path.dirname(args.path) }));
  },
};

/**
 * commander requires node:child_process at load time, for executable subcommands
 * (`program.command("x", "desc")` running a separate file), which this CLI does not use.
 * Loading child_process costs every `--help` a few milliseconds, so it is required on first
 * spawn instead. Fails the build if commander's source no longer has the line (upgrade check).
 * @type {import("esbuild").Plugin}
 */
const commanderWithoutChildProcessAtStartup = {
  name: "commander-lazy-child-process",
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const source = await fs.readFile(args.path, "utf8");
      const line = "const childProcess = require('node:child_process');";
      if (!source.includes(line) || (source.match(/childProcess\.(\w+)/g) ?? []).some((use) => use !== "childProcess.spawn")) {
        throw new Error(`commander's lib/command.js changed (no "${line}", or uses more than childProcess.spawn): update scripts/build.mjs`);
      }
      const lazy = "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
      return { contents: source.replace(line, lazy), loader: "js" };
    });
  },
};

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Every import left in the output must be a node builtin (the package has no dependencies). */
async function checkImports(meta) {
  const bad = [];
  for (const [out, info] of Object.entries(meta.outputs)) {
    for (const imp of info.imports) {
      if (imp.external && !BUILTINS.has(imp.path)) bad.push(`${out}: ${imp.kind} ${imp.path}`);
    }
  }
  if (bad.length) throw new Error(`the bundle imports packages it does not contain:\n  ${bad.join("\n  ")}`);
}

async function listSource(dir) {
  const out = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(path.join(e.parentPath, e.name));
  }
  return out;
}

/**
 * src/ modules with runtime code that the CLI does not run, on purpose. Everything else in
 * src/ must be reachable from src/cli.ts.
 */
const NOT_IN_CLI = {
  "src/check/output-schema.ts": "JSON Schema of `check --json` output, for tests and tools reading the output",
  "src/check/types.ts": "RULE_IDS is read only by output-schema.ts; the rest is types",
  "src/scaffold/precompile.ts": "build-time only: precompiles the templates into the bundle (see precompileTemplates above)",
  "src/verify/types.ts": "LOCAL_STEPS and URL_STEPS only define the StepName type; the rest is types",
};

/** Every src/ module with runtime code is reachable from src/cli.ts (type-only modules vanish, as they should). */
async function checkAllSourceBundled(meta) {
  const bundled = new Set(Object.keys(meta.inputs));
  const missing = [];
  for (const file of await listSource(path.join(ROOT, "src"))) {
    if (bundled.has(rel(file)) || rel(file) in NOT_IN_CLI) continue;
    const { code } = await transform(await fs.readFile(file, "utf8"), { loader: "ts", format: "esm" });
    if (code.replace(/export\s*\{\s*\};?/g, "").trim() !== "") missing.push(rel(file));
  }
  if (missing.length) {
    throw new Error(
      `not reachable from src/cli.ts, so not in the bundle: ${missing.join(", ")}\n` +
        "  register the command in src/cli.ts (the lazy pattern at the top of that file), or remove the module",
    );
  }
}

/** dist/THIRD-PARTY-LICENSES.md: name, version, license and license text of each bundled package. */
async function writeLicenses(meta, file) {
  const dirs = new Set();
  for (const key of Object.keys(meta.inputs)) {
    // Inputs loaded in a plugin's namespace are "namespace:/absolute/path" (see ownZodForTheMcpSdk).
    const input = /^[a-z-]+:\//.test(key) ? rel(key.slice(key.indexOf(":") + 1)) : key;
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const entries = [];
  for (const dir of dirs) {
    const abs = path.join(ROOT, dir);
    const pkg = JSON.parse(await fs.readFile(path.join(abs, "package.json"), "utf8"));
    const names = await fs.readdir(abs);
    const licenseFile = names.find((n) => /^(licen[cs]e|copying)(\.|$)/i.test(n));
    const text = licenseFile ? (await fs.readFile(path.join(abs, licenseFile), "utf8")).trim() : `(no license file; package.json says ${pkg.license})`;
    entries.push({ name: pkg.name, version: pkg.version, license: pkg.license, text });
  }
  const seen = new Set();
  const unique = entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).filter((e) => !seen.has(`${e.name}@${e.version}`) && seen.add(`${e.name}@${e.version}`));
  const body = [
    "# Third-party software bundled in dist/",
    "",
    "dist/ contains these npm packages, bundled at build time (scripts/build.mjs):",
    "",
    ...unique.map((e) => `- ${e.name} ${e.version} (${e.license})`),
    "",
    ...unique.flatMap((e) => [`## ${e.name} ${e.version}`, "", "```", e.text, "```", ""]),
  ].join("\n");
  await fs.writeFile(file, body);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const meta = await bundle();
    const outputs = Object.entries(meta.outputs).filter(([o]) => o.endsWith(".js"));
    const kb = outputs.reduce((n, [, i]) => n + i.bytes, 0) / 1024;
    console.log(`dist/: ${outputs.length} chunks, ${kb.toFixed(0)} KB`);
  } catch (err) {
    console.error(`build failed: ${err.message}`);
    process.exit(1);
  }
}
