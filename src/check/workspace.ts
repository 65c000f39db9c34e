import * as fs from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { UserError } from "../core/errors.js";
import { findRoot, loadManifest, TARGETS, type Manifest, type Target } from "../core/manifest.js";
import { CANNOT_RUN } from "./python.js";
import type { CheckedServer } from "./types.js";

/**
 * Which monorepo and which servers `check` looks at.
 *
 * With `mcp-monorepo.yaml` (found walking up from the start folder) the servers, their
 * entrypoints, the Python version and the targets come from the manifest. Without one,
 * servers are discovered from seed 002's layout ("Repository Structure"): every
 * `<folder>/src/server.py` next to a `<folder>/requirements.txt`.
 */

/** The monorepo `check` runs on. */
export interface Workspace {
  root: string;
  /** Null when discovered. */
  manifest: Manifest | null;
  servers: CheckedServer[];
  /** Every server folder found (before `--server` filtering). */
  allServers: CheckedServer[];
  /** With a manifest: folders that look like servers (`<folder>/src/server.py`) but are not listed in it. */
  unlisted: string[];
}

const IGNORED_DIRS = ["**/node_modules/**", "**/.venv/**", "**/venv/**", "**/.git/**", "**/__pycache__/**", "**/.tox/**", "**/dist/**", "**/build/**"];

/** Splits `server-ops/src/server.py:mcp` into the file under the server folder and the object. */
function splitEntrypoint(entrypoint: string, folder: string): { file: string; object: string | null } {
  const m = /^(.*\.py):([A-Za-z_][A-Za-z0-9_]*)$/.exec(entrypoint);
  const filePart = m ? m[1]! : entrypoint;
  const prefix = folder.replace(/\/+$/, "") + "/";
  const file = filePart.startsWith(prefix) ? filePart.slice(prefix.length) : filePart;
  return { file, object: m ? m[2]! : null };
}

async function discover(start: string): Promise<{ root: string; servers: CheckedServer[] } | null> {
  let dir = path.resolve(start);
  for (;;) {
    const hits = await glob(["*/src/server.py"], { cwd: dir, onlyFiles: true, ignore: IGNORED_DIRS, expandDirectories: false });
    const servers: CheckedServer[] = [];
    for (const hit of hits.sort()) {
      const folder = hit.split("/")[0]!;
      const hasReq = await fs.stat(path.join(dir, folder, "requirements.txt")).then((s) => s.isFile(), () => false);
      if (!hasReq) continue;
      servers.push({ name: folder, folder, dir: path.join(dir, folder), entryFile: "src/server.py", entryObject: null, entryFromManifest: false });
    }
    if (servers.length > 0) return { root: dir, servers };
    const parent = path.dirname(dir);
    if (parent === dir) return null;
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
  if (!st?.isDirectory()) throw new UserError(`cannot check ${start}: not a folder`, CANNOT_RUN);
  const manifestRoot = await findRoot(start);
  let root: string;
  let manifest: Manifest | null = null;
  let all: CheckedServer[];
  if (manifestRoot) {
    try {
      manifest = (await loadManifest(manifestRoot)).manifest;
    } catch (err) {
      if (err instanceof UserError) throw new UserError(err.message, CANNOT_RUN, err.detail);
      throw err;
    }
    root = manifestRoot;
    all = manifest.servers.map((s) => {
      const folder = s.folder.replace(/\\/g, "/").replace(/\/+$/, "");
      const entry = splitEntrypoint(s.entrypoint, folder);
      return { name: s.name, folder, dir: path.join(root, folder), entryFile: entry.file, entryObject: entry.object, entryFromManifest: true };
    });
  } else {
    const found = await discover(start);
    if (!found) {
      throw new UserError(
        `no mcp-monorepo.yaml and no server folders (<folder>/src/server.py with <folder>/requirements.txt) in ${start} or any parent folder (use --cwd DIR)`,
        CANNOT_RUN,
      );
    }
    root = found.root;
    all = found.servers;
  }
  if (all.length === 0) throw new UserError(`no servers to check in ${root}`, CANNOT_RUN);
  let servers = all;
  if (only.length > 0) {
    const unknown = only.filter((n) => !all.some((s) => s.name === n || s.folder === n));
    if (unknown.length > 0) {
      throw new UserError(`unknown server ${unknown.map((u) => `"${u}"`).join(", ")}; servers here: ${all.map((s) => s.name).join(", ")}`, CANNOT_RUN);
    }
    servers = all.filter((s) => only.includes(s.name) || only.includes(s.folder));
  }
  let unlisted: string[] = [];
  if (manifest) {
    const listed = new Set(all.map((s) => s.folder));
    const hits = await glob(["*/src/server.py"], { cwd: root, onlyFiles: true, ignore: IGNORED_DIRS, expandDirectories: false });
    unlisted = hits.map((h) => h.split("/")[0]!).filter((f) => !listed.has(f)).sort();
  }
  return { root, manifest, servers, allServers: all, unlisted };
}

/**
 * The targets to check: the `--target` values, else the manifest's targets, else FastMCP Cloud.
 *
 * @throws UserError (exit 2) for an unknown target.
 */
export function resolveTargets(given: string[], manifest: Manifest | null): Target[] {
  for (const t of given) {
    if (!(TARGETS as readonly string[]).includes(t)) throw new UserError(`unknown target "${t}"; use one of ${TARGETS.join(", ")}`, CANNOT_RUN);
  }
  if (given.length > 0) return [...new Set(given)] as Target[];
  if (manifest && manifest.targets.length > 0) return manifest.targets;
  return ["fastmcp-cloud"];
}
