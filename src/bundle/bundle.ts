import * as fs from "node:fs/promises";
import path from "node:path";
import { cacheDir } from "../kernel/cache.js";
import { CannotRunError, throwIfCancelled, UserError } from "../kernel/errors.js";
import { acquireShared } from "../monorepo/busy.js";
import { openMonorepo, UnknownServerError, type Monorepo, type MonorepoServer } from "../monorepo/monorepo.js";
import { collectBundleFiles, type BundleFile } from "./files.js";
import { bundleEntry, type BundleEntry } from "./entry.js";
import { requiredVariables } from "./env.js";
import { loadGate } from "./gate.js";
import { GUARD_FILE, guardSource } from "./guard.js";
import { findBuildPython, introspectServer } from "./introspect.js";
import { buildManifest } from "./manifest.js";
import { packTree } from "./pack.js";
import { normalizeDeps, pipInstall, type Progress } from "./pip.js";
import { hostPlatform, type BundlePlatform } from "./platforms.js";
import { checkOutDir, checkTargets, makeOutDir, removeStaleStaging, stage } from "./out.js";
import { findTargetPython } from "./target-python.js";
import { findUv, uvInstall } from "./uv.js";
import { findNonPypiLines, readRequirementsFile } from "../monorepo/requirements.js";
import { sha256FileName } from "./verify.js";
import { writeReproducibleZip, type ZipEntry } from "./zip.js";

/**
 * The `bundle` core: validated options in, results out; it never prompts or prints.
 *
 * For each server: `DIR/server-NAME-VERSION-PLATFORM.mcpb`, a reproducible zip laid out as the
 * MCPB Python runtime extracts and serves it (`PYTHONPATH=<bundle>:<bundle>/deps`, uvicorn):
 * `manifest.json`, the server's files (`src/` and the rest its `.mcpbignore` keeps; never
 * secrets), `deps/` installed from `requirements.txt` for the manifest's Python and the
 * platform, the start-up guard `sitecustomize.py`, and bytecode for that Python; plus
 * `<bundle>.sha256`. Each bundle is built in a staging folder, load-checked from there (its
 * server imported from the staged files alone, its tools listed), and only then zipped.
 */

/** Options of {@link runBundle}. */
export interface BundleOptions {
  /** Absolute folder to start from (walks up to `mcp-monorepo.yaml`). */
  start: string;
  /** Server names; empty for every server in the manifest. */
  servers: string[];
  /** Absolute output folder; default `<root>/dist`. */
  out?: string;
  /** How to name `out` in messages (what the user typed); default `out`. */
  shownOut?: string;
  /** Target platform; default the machine's ({@link hostPlatform}). */
  platform?: BundlePlatform;
  /** Interpreter that runs pip (`--python`); default `$MCPM_PYTHON`, else python3/python. */
  python?: string;
  env: NodeJS.ProcessEnv;
  /** Called with a server name and a pip progress line. */
  progress?: (server: string, line: string) => void;
  /** Called with each warning (one line), e.g. a secret-looking file left out. */
  warn?: (message: string) => void;
  /** Compile bytecode for the bundle's Python (default true; `--no-compile`). */
  compile?: boolean;
  /** Load-check the staged bundle before writing it (default true; `--no-verify`). */
  verify?: boolean;
  /**
   * `python` (default): `deps/` vendored for one platform, what the MCPB Python runtime serves;
   * `uv`: a small platform-independent bundle with `pyproject.toml` and no `deps/`, for hosts that
   * install with uv (MCPB manifest 0.4).
   */
  type?: "python" | "uv";
  /** What installs `deps/`: uv when found (default `auto`), else pip; `uv` or `pip` to insist. */
  installer?: "auto" | "uv" | "pip";
  /** Aborts the build (Ctrl-C): children are killed, staging removed, a CancelledError thrown. */
  signal?: AbortSignal;
}

/** One built bundle. */
export interface BuiltBundle {
  server: string;
  /** Absolute path of the `.mcpb`. */
  file: string;
  /** Absolute path of its `.sha256`. */
  sha256File: string;
  /** Bytes. */
  size: number;
  /** Lower-case hex. */
  sha256: string;
  /** The platform of the vendored deps, or `uv` for a platform-independent `uv` bundle. */
  platform: BundlePlatform | "uv";
  python: string;
  version: string;
  /** Entries in the zip. */
  entries: number;
  /** Tools the load gate listed (null: not load-checked). */
  loadedTools: string[] | null;
  /** True when the bundle holds bytecode. */
  compiled: boolean;
  /** What installed `deps/`. */
  installer: "uv" | "pip";
}

/** Bundle file name: `server-NAME-VERSION-PLATFORM.mcpb` (`-uv` for a platform-independent `uv` bundle). */
export function bundleFileName(folder: string, version: string, platform: BundlePlatform | "uv"): string {
  return `${folder}-${version}-${platform}.mcpb`;
}

/** Falls back to this version when `FastMCP(...)` is given none. */
export const DEFAULT_VERSION = "0.0.0";

/**
 * Builds the bundles, one server after the other.
 *
 * @throws UserError with exit code 2 outside a monorepo and for an unknown server name (listing
 *   the known ones); with exit code 1 for: a machine with no default platform; no Python with
 *   pip; no interpreter of the bundle's Python (unless `compile` and `verify` are off); a
 *   missing server folder; an excluded or missing entry file; a symlink among the files; pip
 *   failing (e.g. no wheel for the platform); a bundle that does not load (the load gate).
 *   CancelledError (exit 130) when `signal` aborts. Nothing is left in the output folder for a
 *   server that failed.
 */
export async function runBundle(opts: BundleOptions): Promise<BuiltBundle[]> {
  // "Could not run" exits 2, as in sync and check: outside a monorepo (openMonorepo says so), an unknown server.
  const repo = await openMonorepo(opts.start);
  // A shared hold: no writer (sync, add-server, add-target) changes the tree while it is read,
  // so a bundle never mixes old and new files.
  const release = await acquireShared(repo.root, "bundle");
  try {
    return await bundleIn(repo, opts);
  } finally {
    await release();
  }
}

async function bundleIn(repo: Monorepo, opts: BundleOptions): Promise<BuiltBundle[]> {
  const { root, manifest } = repo;
  let selected: MonorepoServer[];
  try {
    selected = repo.select(opts.servers);
  } catch (err) {
    if (!(err instanceof UnknownServerError)) throw err;
    throw new CannotRunError(`no server named "${err.unknown[0]}" in mcp-monorepo.yaml (servers: ${err.known.join(", ") || "none"})`);
  }
  if (selected.length === 0) throw new UserError("mcp-monorepo.yaml lists no servers to bundle");
  const platform = opts.platform ?? hostPlatform();
  if (!platform) throw new UserError(`no bundle platform matches this machine (${process.platform}-${process.arch}); pass --platform`);
  const outDir = opts.out ?? path.join(root, "dist");
  const shownOut = opts.out === undefined ? "dist/" : opts.shownOut ?? opts.out;
  await checkOutDir(outDir, root, shownOut);
  const uvType = opts.type === "uv";
  // A uv bundle holds no deps/ and no bytecode (uv installs for whatever Python runs it).
  const compile = opts.compile !== false && !uvType;
  // The load gate imports compiled wheels, so it runs only for this machine's platform.
  const gate = opts.verify !== false && platform === hostPlatform();
  if (opts.verify !== false && !gate) opts.warn?.(`the load check is skipped: a ${platform} bundle cannot be imported on this ${hostPlatform() ?? process.platform} machine (build it there, or pass --no-verify to say so)`);
  // The interpreters and uv are looked up at once (each is a few process starts); their errors
  // are reported in this order: the Python that runs pip, the target's Python, uv.
  const [buildSettled, targetSettled] = await Promise.allSettled([
    findBuildPython(opts.python, opts.env).then(async (pythonExe) => ({ pythonExe, uv: opts.installer === "pip" ? null : await findUv(opts.env, pythonExe, opts.signal) })),
    compile || gate ? findTargetPython(manifest.python, { explicit: opts.python, env: opts.env }) : Promise.resolve(null),
  ]);
  if (buildSettled.status === "rejected") throw buildSettled.reason;
  if (targetSettled.status === "rejected") throw targetSettled.reason;
  const { pythonExe, uv } = buildSettled.value;
  const targetPython = targetSettled.value;
  if (opts.installer === "uv" && !uv) throw new UserError("--installer uv: uv not found ($MCPM_UV, uv on PATH, or beside the Python that runs pip); install it (https://docs.astral.sh/uv/) or leave --installer out to use pip");

  // Everything that can be refused is checked for every server before anything is written.
  const plans: Array<{ s: MonorepoServer; dir: string; entry: BundleEntry; files: BundleFile[]; file: string; version: string; mcpbManifest: unknown; envText: string; requirements: string }> = [];
  for (const s of selected) {
    const dir = s.dir;
    const entry = bundleEntry(s);
    if (!entry) throw new UserError(`the entrypoint of ${s.name} in mcp-monorepo.yaml (${JSON.stringify(s.entrypoint.slice(0, 120))}) names no .py file inside ${s.folder}/; write it as ${s.folder}/src/server.py:mcp`);
    const files = await collectBundleFiles(dir, s.folder, {
      entry: entry.file,
      onSecret: (rel, what) => opts.warn?.(`${s.folder}/${rel} is left out of the bundle: it looks like ${what}`),
    });
    if (files.some((f) => f.rel === GUARD_FILE)) throw new UserError(`${s.folder}/${GUARD_FILE} is in the way: the bundle writes its start-up guard there; rename it or list it in ${s.folder}/.mcpbignore`);
    const requirements = await readRequirementsFile(path.join(dir, "requirements.txt"), `${s.folder}/requirements.txt`).catch((e: unknown) => (e instanceof UserError ? Promise.reject(e) : null));
    if (requirements === null) throw new UserError(`${s.folder}/requirements.txt is missing or unreadable; bundle installs the server's dependencies from it`);
    const bad = findNonPypiLines(requirements);
    if (bad.length) throw new UserError(`${s.folder}/requirements.txt line ${bad[0]!.line} \`${bad[0]!.text.slice(0, 120)}\`: ${bad[0]!.message}; bundle vendors PyPI packages only`);
    throwIfCancelled(opts.signal);
    const facts = await introspectServer(pythonExe, path.join(dir, ...entry.file.split("/")), `${s.folder}/${entry.file}`, opts.env);
    const version = facts.version ?? DEFAULT_VERSION;
    if (!SAFE_VERSION.test(version)) {
      throw new UserError(`${s.folder}/${entry.file}: FastMCP version ${JSON.stringify(version.slice(0, 80))} cannot be part of the bundle's file name; use a version such as 1.2.0 (letters, digits, ".", "+", "-", "_")`);
    }
    const envText = await fs.readFile(path.join(dir, ".env.example"), "utf8").catch(() => "");
    const mcpbManifest = buildManifest({
      project: manifest.project,
      server: s.name,
      description: s.description,
      repository: manifest.repository,
      version,
      python: manifest.python,
      platform,
      entry: entry.file,
      appDir: entry.appDir,
      tools: facts.tools,
      required: requiredVariables(envText),
      type: uvType ? "uv" : "python",
    });
    const file = path.join(outDir, bundleFileName(s.folder, version, uvType ? "uv" : platform));
    await checkTargets(file, (p) => path.relative(root, p).split(path.sep).join("/") || p);
    plans.push({ s, dir, entry, files, file, version, mcpbManifest, envText, requirements });
  }

  throwIfCancelled(opts.signal);
  // Bytecode and deflated entries of earlier builds (build-cache.ts): the bytes are the same with or without it.
  const buildCache = path.join(cacheDir(opts.env), "bundle");
  const undoOutDir = await makeOutDir(outDir);
  const built: BuiltBundle[] = [];
  try {
    for (const { s, dir, entry, files, file, version, mcpbManifest, envText, requirements } of plans) {
      const staged = await stage(file);
      try {
        const progress: Progress = (line) => opts.progress?.(s.name, line);
        // The zip is written from copies: a file edited while the bundle is built cannot tear it.
        await copyFiles(files, staged.root);
        throwIfCancelled(opts.signal);
        const requirementsFile = path.join(dir, "requirements.txt");
        if (uvType && !gate) {
          // Nothing to install: the host's uv installs the dependencies.
        } else if (uv) await uvInstall({ uv, interpreter: targetPython ?? pythonExe, target: staged.deps, requirements: requirementsFile, python: manifest.python, platform, folder: s.folder, env: opts.env, signal: opts.signal, progress });
        else await pipInstall({ pythonExe, target: staged.deps, requirements: requirementsFile, python: manifest.python, platform, folder: s.folder, env: opts.env, progress, signal: opts.signal });
        throwIfCancelled(opts.signal);
        await fs.mkdir(staged.deps, { recursive: true });
        await normalizeDeps(staged.deps);
        if (!uvType) await fs.writeFile(path.join(staged.root, GUARD_FILE), guardSource(manifest.python, platform));
        // What the zip holds: these files, and the bytecode compiled from them (a uv bundle leaves
        // deps/, installed only for the load check, to the host's uv).
        const tree = await listFiles(staged.root);
        if (compile) progress(`compiling bytecode for Python ${manifest.python}`);
        const packed = await packTree({ root: staged.root, rels: tree.map((f) => f.rel).filter((rel) => !(uvType && rel.startsWith("deps/"))), python: compile ? targetPython! : null, env: opts.env, signal: opts.signal, cache: buildCache });
        throwIfCancelled(opts.signal);
        const entries: ZipEntry[] = [{ name: "manifest.json", data: Buffer.from(JSON.stringify(mcpbManifest, null, 2) + "\n") }, ...packed.entries];
        if (uvType && !tree.some((f) => f.rel === "pyproject.toml")) {
          entries.push({ name: "pyproject.toml", data: Buffer.from(uvPyproject(`${manifest.project}-${s.name}`, version, manifest.python, requirements)) });
        }
        // Written in staging; only a bundle that loads is moved into place.
        const { size, sha256 } = await writeReproducibleZip(entries, staged.zip, { signal: opts.signal });
        let loadedTools: string[] | null = null;
        if (gate) {
          progress(`load check on Python ${manifest.python}`);
          const gateEnv = { ...opts.env };
          // Required settings get a stand-in value: the gate checks that the server loads, not its configuration.
          for (const v of requiredVariables(envText)) if (!gateEnv[v.name]) gateEnv[v.name] = "mcpm-load-check";
          // The import uses the bytecode just written, as the runtime will (compiling every module
          // from source instead costs about twice the CPU).
          loadedTools = (await loadGate({ pythonExe: targetPython!, root: staged.root, entry, folder: s.folder, python: manifest.python, env: gateEnv, signal: opts.signal, zip: compile ? staged.zip : undefined })).tools;
        }
        throwIfCancelled(opts.signal);
        await staged.commit(sha256);
        built.push({ server: s.name, file, sha256File: sha256FileName(file), size, sha256, platform: uvType ? "uv" : platform, python: manifest.python, version, entries: entries.length, loadedTools, compiled: compile, installer: uv ? "uv" : "pip" });
      } finally {
        await staged.remove();
      }
    }
  } catch (err) {
    if (built.length === 0) await undoOutDir();
    throw err;
  }
  // Only a run that built its bundles tidies up after killed ones (a refused run changes nothing).
  await removeStaleStaging(outDir);
  return built;
}

/** A FastMCP version that can be part of a file name: PEP 440 and SemVer characters, no path. */
const SAFE_VERSION = /^[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?$/;

/**
 * The `pyproject.toml` of a `uv` bundle made from the server's requirements.txt: a project that
 * is not a package (`[tool.uv] package = false`, https://docs.astral.sh/uv/reference/settings/#package),
 * so `uv run` installs its dependencies and runs the entry file.
 */
export function uvPyproject(name: string, version: string, python: string, requirements: string): string {
  const deps = requirements
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, "").trim())
    .filter((l) => l && !l.startsWith("-"));
  const q = (v: string) => JSON.stringify(v);
  return [
    "[project]",
    `name = ${q(name.toLowerCase().replace(/[^a-z0-9]+/g, "-"))}`,
    `version = ${q(version)}`,
    `requires-python = ${q(`>=${python}`)}`,
    "dependencies = [",
    ...deps.map((d) => `    ${q(d)},`),
    "]",
    "",
    "[tool.uv]",
    "package = false",
    "",
  ].join("\n");
}


/** Copies the server's files into the staged tree (same relative paths). */
async function copyFiles(files: BundleFile[], root: string): Promise<void> {
  for (const f of files) {
    const to = path.join(root, ...f.rel.split("/"));
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.copyFile(f.abs, to);
  }
}

/** Every regular file under `dir`, as POSIX paths relative to it. */
async function listFiles(dir: string): Promise<BundleFile[]> {
  const out: BundleFile[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.push({ rel: path.relative(dir, abs).split(path.sep).join("/"), abs });
  }
  return out;
}
