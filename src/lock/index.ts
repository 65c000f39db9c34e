import path from "node:path";
import { cannotRun } from "../kernel/errors.js";
import { distinctTargetPythons } from "../monorepo/deploy-compat.js";
import type { Manifest } from "../monorepo/manifest.js";
import { findPython, type FoundPython } from "./host.js";
import { lockServer, type ServerLockResult } from "./lock.js";
import { findUv, type Uv } from "./uv.js";

/**
 * The `lock` feature: every selected server's uv.lock re-resolved for the Python its targets
 * run, and requirements.txt exported from it. Used by `lock`, and by `create`, `add-server` and
 * `sync` after they change a pyproject.toml.
 */

export { exportLock, lockIsCurrent, type ServerLockResult, type LockStatus } from "./lock.js";
export { findUv, type Uv } from "./uv.js";
export { findPython, type FoundPython } from "./host.js";

/** Options of {@link lockMonorepo}. */
export interface LockMonorepoOptions {
  root: string;
  manifest: Manifest;
  /** Server names to lock (default: every server). */
  only?: readonly string[];
  mode: "lock" | "check" | "dry-run";
  upgrade?: boolean;
  upgradePackages?: readonly string[];
  /** `--interpreter`: used instead of the target's Python. */
  interpreter?: string;
  env?: NodeJS.ProcessEnv;
}

/** The result of {@link lockMonorepo}. */
export interface LockMonorepoResult {
  uv: Uv;
  python: FoundPython;
  servers: ServerLockResult[];
}

/** The Python a lock resolves with: the first target's (FastMCP Cloud: 3.12). The lock itself is universal (every Python `requires-python` admits). */
export function lockPythonVersion(manifest: Manifest): string {
  return distinctTargetPythons(manifest.python, manifest.targets)[0]!;
}

/**
 * Locks (or checks) the selected servers, one after another.
 *
 * @throws UserError (exit 2) when uv is not installed, the target's Python is not found, or a
 *   name is not a server of the manifest.
 */
export async function lockMonorepo(o: LockMonorepoOptions): Promise<LockMonorepoResult> {
  const env = o.env ?? process.env;
  const known = new Map(o.manifest.servers.map((s) => [s.name, s]));
  for (const n of o.only ?? []) if (!known.has(n)) throw cannotRun(`unknown server "${n}"; servers: ${[...known.keys()].join(", ") || "(none)"}`);
  const uv = await findUv(env);
  if (!uv) throw cannotRun("lock needs uv, which was not found (not on PATH, not `python3 -m uv`); install it: `pipx install uv`, `pip install uv` or https://docs.astral.sh/uv/getting-started/installation/");
  const python = await findPython({ version: lockPythonVersion(o.manifest), interpreter: o.interpreter, env });
  const servers: ServerLockResult[] = [];
  for (const s of o.manifest.servers) {
    if (o.only?.length && !o.only.includes(s.name)) continue;
    const folder = s.folder.split(path.sep).join("/").replace(/\/+$/, "");
    servers.push(await lockServer({ dir: path.join(o.root, ...folder.split("/")), server: s.name, folder, uv, python, mode: o.mode, upgrade: o.upgrade, upgradePackages: o.upgradePackages, env }));
  }
  return { uv, python, servers };
}

/** What `create` and `add-server` did about locking the servers they wrote. */
export interface LockAfterWrite {
  /** Servers now locked. */
  locked: string[];
  /** Why the rest are not (uv missing, PyPI unreachable); null when all are, or when the caller asked for no lock. */
  note: string | null;
  /** `CPython 3.12.1` when a lock ran. */
  python: string | null;
}

/**
 * Locks servers just written by `create`/`add-server`, when uv is installed and PyPI answers;
 * otherwise leaves the unlocked files (pyproject.toml, unpinned requirements.txt) and says to
 * run `lock`. `skip` (`--no-lock`, or `MCPM_NO_LOCK=1`) never runs uv.
 */
export async function lockAfterWrite(root: string, manifest: Manifest, names: readonly string[], opts: { skip?: boolean; interpreter?: string; env?: NodeJS.ProcessEnv } = {}): Promise<LockAfterWrite> {
  const env = opts.env ?? process.env;
  const later = "run `npx create-mcp-monorepo lock` to pin exact versions (uv.lock) and export requirements.txt";
  if (opts.skip || env.MCPM_NO_LOCK === "1") return { locked: [], note: null, python: null };
  if (!(await findUv(env))) return { locked: [], note: `servers not locked: uv is not installed; install it (https://docs.astral.sh/uv/), then ${later}`, python: null };
  let result: LockMonorepoResult;
  try {
    result = await lockMonorepo({ root, manifest, only: names, mode: "lock", interpreter: opts.interpreter, env });
  } catch (err) {
    return { locked: [], note: `servers not locked: ${(err as Error).message}; ${later}`, python: null };
  }
  const failed = result.servers.filter((s) => s.status === "failed");
  return {
    locked: result.servers.filter((s) => s.status === "locked" || s.status === "up-to-date").map((s) => s.server),
    note: failed.length ? `not locked: ${failed.map((f) => `${f.server} (${f.message})`).join("; ")}; ${later}` : null,
    python: `${result.python.implementation} ${result.python.version}`,
  };
}
