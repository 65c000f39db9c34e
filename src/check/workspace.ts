import * as fs from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { CannotRunError, UserError } from "../kernel/errors.js";
import { findRoot, TARGETS, unknownTargetMessage, type Manifest, type Target } from "../monorepo/manifest.js";
import { openMonorepoAt, type Monorepo } from "../monorepo/monorepo.js";
import type { CheckedServer } from "./types.js";
import { byCodeUnit } from "../kernel/compare.js";

/**
 * Which monorepo and which servers `check` looks at.
 *
 * With `mcp-monorepo.yaml` (found walking up from the start folder) the servers, their
 * entrypoints, the Python version and the targets come from the manifest (the {@link Monorepo}
 * value every command opens). Without one, servers are discovered from the layouts real
 * repositories use (one folder per server, as the FastMCP Cloud docs deploy them): `<folder>/src/server.py`, `<folder>/server.py`,
 * `<folder>/src/<pkg>/server.py`, any folder with a `fastmcp.json` / `*.fastmcp.json`, or a single
 * server at the root (`src/server.py`, `server.py`, `src/<pkg>/server.py`), each with
 * `requirements.txt` or `pyproject.toml` (FastMCP Cloud accepts either).
 */

/** The monorepo `check` runs on. */
export interface Workspace {
  root: string;
  /** Null when discovered. */
  manifest: Manifest | null;
  /** The monorepo opened from the manifest; null when discovered. */
  monorepo: Monorepo | null;
  servers: CheckedServer[];
  /** Every server folder found (before `--server` filtering). */
  allServers: CheckedServer[];
  /** With a manifest: folders that look like servers (`<folder>/src/server.py`) but are not listed in it. */
  unlisted: string[];
}

const IGNORED_DIRS = ["**/node_modules/**", "**/.venv/**", "**/venv/**", "**/.git/**", "**/__pycache__/**", "**/.tox/**", "**/dist/**", "**/build/**", "**/site-packages/**"];

/** Splits `server-ops/src/server.py:mcp` into the file under the server folder and the object. */
function splitEntrypoint(entrypoint: string, folder: string): { file: string; object: string | null } {
  const m = /^(.*\.py):([A-Za-z_][A-Za-z0-9_]*)$/.exec(entrypoint);
  const filePart = m ? m[1]! : entrypoint;
  const prefix = folder.replace(/\/+$/, "") + "/";
  const file = filePart.startsWith(prefix) ? filePart.slice(prefix.length) : filePart;
  return { file, object: m ? m[2]! : null };
}

const isFile = (p: string) => fs.stat(p).then((s) => s.isFile(), () => false);

/**
 * The folder `import` statements of a server resolve from: `src/` when the entry file is under
 * it (`src/server.py`, `src/<pkg>/server.py`), else the entry file's own folder (FastMCP's loader
 * puts that folder on `sys.path`).
 */
export function sourceRootOf(entryFile: string): string {
  if (entryFile.startsWith("src/")) return "src";
  const dir = path.posix.dirname(entryFile);
  return dir === "." ? "" : dir;
}

/** Entry file of a folder by the layouts real repositories use, or null. */
async function entryOf(dir: string): Promise<{ entryFile: string; config: string | null } | null> {
  let missing: { entryFile: string; config: string } | null = null;
  const configs = (await glob(["fastmcp.json", "*.fastmcp.json"], { cwd: dir, onlyFiles: true, expandDirectories: false })).sort((a, b) => (a === "fastmcp.json" ? -1 : b === "fastmcp.json" ? 1 : byCodeUnit(a, b)));
  for (const config of configs) {
    const text = await fs.readFile(path.join(dir, config), "utf8").catch(() => null);
    let data: { source?: { path?: unknown } } | null = null;
    try {
      data = text === null ? null : (JSON.parse(text) as { source?: { path?: unknown } });
    } catch {
      data = null; // not JSON: the fastmcp-json rule reports it
    }
    const p = typeof data?.source?.path === "string" ? data.source.path.replace(/:[A-Za-z_][A-Za-z0-9_]*$/, "") : null;
    if (p && (await isFile(path.join(dir, p)))) return { entryFile: path.posix.normalize(p.replace(/\\/g, "/")), config };
    if (!p || data === null) return { entryFile: "src/server.py", config };
    // `fastmcp run` reads source.path from this file: a missing one is the server's entry (the fastmcp-json rule reports it).
    missing ??= { entryFile: path.posix.normalize(p.replace(/\\/g, "/")), config };
  }
  if (missing) return missing;
  for (const cand of ["src/server.py", "server.py"]) if (await isFile(path.join(dir, cand))) return { entryFile: cand, config: null };
  const pkgs = await glob(["src/*/server.py"], { cwd: dir, onlyFiles: true, ignore: IGNORED_DIRS, expandDirectories: false });
  if (pkgs.length === 1) return { entryFile: pkgs[0]!, config: null };
  // A package folder next to the dependencies (`<pkg>/server.py` + pyproject.toml at the same level).
  if (await hasDependencies(dir)) {
    const flat = (await glob(["*/server.py"], { cwd: dir, onlyFiles: true, ignore: [...IGNORED_DIRS, "tests/**", "test/**", "examples/**", "docs/**"], expandDirectories: false })).sort();
    if (flat.length === 1) return { entryFile: flat[0]!, config: null };
  }
  return null;
}

/** A folder with a way to install dependencies (requirements.txt or pyproject.toml; FastMCP Cloud accepts either). */
async function hasDependencies(dir: string): Promise<boolean> {
  return (await isFile(path.join(dir, "requirements.txt"))) || (await isFile(path.join(dir, "pyproject.toml")));
}

async function serversIn(dir: string): Promise<CheckedServer[]> {
  const folders = new Set<string>();
  const hits = await glob(["*/src/server.py", "*/server.py", "*/src/*/server.py", "*/fastmcp.json", "*/*.fastmcp.json"], { cwd: dir, onlyFiles: true, ignore: IGNORED_DIRS, expandDirectories: false });
  for (const h of hits) folders.add(h.split("/")[0]!);
  const servers: CheckedServer[] = [];
  for (const folder of [...folders].sort()) {
    const abs = path.join(dir, folder);
    const entry = await entryOf(abs);
    if (!entry || !(entry.config || (await hasDependencies(abs)))) continue;
    servers.push({ name: folder, folder, dir: abs, entryFile: entry.entryFile, entryObject: null, entryFromManifest: false, configFile: entry.config ?? undefined });
  }
  if (servers.length === 0) {
    // A single server at the root of the repository.
    const entry = await entryOf(dir);
    if (entry && (entry.config || (await hasDependencies(dir)))) {
      servers.push({ name: path.basename(dir), folder: ".", dir, entryFile: entry.entryFile, entryObject: null, entryFromManifest: false, configFile: entry.config ?? undefined });
    }
  }
  return servers;
}

/** Python files that look like entry points (`server.py`, `main.py`, `app.py`, `*fastmcp.json`) near `start`, for the "nothing found" message. */
async function candidates(start: string): Promise<string[]> {
  const hits = await glob(["**/server.py", "**/main.py", "**/app.py", "**/fastmcp.json", "**/*.fastmcp.json"], { cwd: start, onlyFiles: true, ignore: IGNORED_DIRS, deep: 4, expandDirectories: false });
  return hits.sort((a, b) => a.split("/").length - b.split("/").length || byCodeUnit(a, b)).slice(0, 8);
}

/**
 * Whether servers found in an ancestor `dir` of `start` are the ones to check from `start`:
 * when `start` is inside one of them (`server-ops/src`), or `dir` is inside a git repository
 * (a folder of the same project). Otherwise `start` is an unrelated folder that merely sits
 * next to server folders (an empty folder in /tmp beside other projects): nothing is adopted.
 */
async function adoptsStart(dir: string, servers: CheckedServer[], start: string): Promise<boolean> {
  const from = path.resolve(start);
  if (servers.some((s) => from === s.dir || from.startsWith(s.dir + path.sep))) return true;
  for (let d = dir; ; d = path.dirname(d)) {
    if (await fs.stat(path.join(d, ".git")).then(() => true, () => false)) return true;
    if (path.dirname(d) === d) return false;
  }
}

/**
 * Walks up from `start` to the first folder holding servers, stopping at the repository
 * boundary (a folder with `.git`), so a sibling repository is never linted instead.
 */
async function discover(start: string): Promise<{ root: string; servers: CheckedServer[] } | { root: null; seen: string[]; boundary: string | null }> {
  let dir = path.resolve(start);
  for (;;) {
    const servers = await serversIn(dir);
    const atBoundary = await fs.stat(path.join(dir, ".git")).then(() => true, () => false);
    const parent = path.dirname(dir);
    if (servers.length === 1 && servers[0]!.folder === "." && !atBoundary && parent !== dir) {
      // Started inside one server of a monorepo: check the monorepo when the parent lists this folder as a server.
      const up = await serversIn(parent);
      if (up.some((s) => s.folder === path.basename(dir))) return { root: parent, servers: up };
    }
    if (servers.length > 0 && (dir === path.resolve(start) || (await adoptsStart(dir, servers, start)))) return { root: dir, servers };
    if (atBoundary || parent === dir) return { root: null, seen: await candidates(path.resolve(start)), boundary: atBoundary ? dir : null };
    dir = parent;
  }
}

/**
 * Finds the monorepo and its servers.
 *
 * @param start - absolute folder to start from (the `--cwd` option or the process cwd).
 * @param only - `--server` values (names or folders); empty for all.
 * @throws UserError (exit 2) when `start` does not exist, the manifest is invalid, no servers are
 *   found, or a `--server` value names no server.
 */
export async function loadWorkspace(start: string, only: string[]): Promise<Workspace> {
  const st = await fs.stat(start).catch(() => null);
  if (!st?.isDirectory()) throw new CannotRunError(`cannot check ${start}: not a folder`);
  const manifestRoot = await findRoot(start);
  let root: string;
  let manifest: Manifest | null = null;
  let monorepo: Monorepo | null = null;
  let all: CheckedServer[];
  if (manifestRoot) {
    try {
      monorepo = await openMonorepoAt(manifestRoot);
    } catch (err) {
      if (err instanceof UserError) throw new CannotRunError(err.message, err.detail);
      throw err;
    }
    manifest = monorepo.manifest;
    root = manifestRoot;
    all = monorepo.servers.map((s) => {
      const entry = splitEntrypoint(s.entrypoint, s.folder);
      return { name: s.name, folder: s.folder, dir: s.dir, entryFile: entry.file, entryObject: entry.object, entryFromManifest: true };
    });
  } else {
    const found = await discover(start);
    if (found.root === null) {
      const where = found.boundary ? `${start} up to the repository root ${found.boundary}` : `${start} or any parent folder`;
      const seen = found.seen.length
        ? `; files seen: ${found.seen.join(", ")} (an entry file needs requirements.txt or pyproject.toml next to it, or a fastmcp.json naming it)`
        : "";
      throw new CannotRunError(
        `no mcp-monorepo.yaml and no server folders (<folder>/src/server.py, <folder>/server.py, src/<pkg>/server.py or a fastmcp.json, with requirements.txt or pyproject.toml) in ${where}${seen} (use --cwd DIR)`);
    }
    root = found.root;
    all = found.servers;
  }
  if (all.length === 0) throw new CannotRunError(`no servers to check in ${root}`);
  let servers = all;
  if (monorepo && only.length > 0) {
    // The manifest's servers: the one `--server` selection every command shares.
    const names = new Set(monorepo.select(only).map((s) => s.name));
    servers = all.filter((s) => names.has(s.name));
  } else if (only.length > 0) {
    const unknown = only.filter((n) => !all.some((s) => s.name === n || s.folder === n));
    if (unknown.length > 0) {
      throw new CannotRunError(`unknown server ${unknown.map((u) => `"${u}"`).join(", ")}; servers here: ${all.map((s) => s.name).join(", ")}`);
    }
    servers = all.filter((s) => only.includes(s.name) || only.includes(s.folder));
  }
  let unlisted: string[] = [];
  if (manifest) {
    const listed = new Set(all.map((s) => s.folder));
    const hits = await glob(["*/src/server.py"], { cwd: root, onlyFiles: true, ignore: IGNORED_DIRS, expandDirectories: false });
    unlisted = hits.map((h) => h.split("/")[0]!).filter((f) => !listed.has(f)).sort();
  }
  return { root, manifest, monorepo, servers, allServers: all, unlisted };
}

/**
 * The targets to check: the `--target` values, else the manifest's targets, else FastMCP Cloud.
 *
 * @throws UserError (exit 2) for an unknown target.
 */
export function resolveTargets(given: string[], manifest: Manifest | null): Target[] {
  for (const t of given) {
    if (!(TARGETS as readonly string[]).includes(t)) throw new CannotRunError(unknownTargetMessage(t));
  }
  if (given.length > 0) return [...new Set(given)] as Target[];
  if (manifest && manifest.targets.length > 0) return manifest.targets;
  return ["fastmcp-cloud"];
}
