import path from "node:path";
import { CannotRunError } from "../kernel/errors.js";
import { distinctTargetPythons } from "../monorepo/deploy-compat.js";
import type { Manifest } from "../monorepo/manifest.js";
import { findPython, type FoundPython } from "../kernel/python.js";
import { exportLock, lockIsCurrent, lockServer, type ServerLockResult } from "./lock.js";
import { findUv, type Uv } from "./uv.js";
import { diffAgainstDisk, type DesiredFile, type FileChange } from "../monorepo/changes.js";
import { runWrite } from "../monorepo/transaction.js";

/**
 * The `lock` feature: every selected server's uv.lock re-resolved for the Python its targets
 * run, and requirements.txt exported from it. Used by `lock`, and by `create`, `add-server` and
 * `sync` after they change a pyproject.toml.
 */

export { exportLock, lockIsCurrent, type ServerLockResult, type LockStatus } from "./lock.js";
export { findUv, runUv, uvError, type Uv } from "./uv.js";
export { bytecodeEnv, ensureVenv, InstallError, type Venv } from "./venv.js";

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
 * Locks (or checks) the selected servers, one after another. Writes nothing: in `lock` mode each
 * server's new texts are in its `writes` ({@link lockAndWrite} commits them).
 *
 * @throws UserError (exit 2) when uv is not installed, the target's Python is not found, or a
 *   name is not a server of the manifest.
 */
export async function lockMonorepo(o: LockMonorepoOptions): Promise<LockMonorepoResult> {
  const env = o.env ?? process.env;
  const known = new Map(o.manifest.servers.map((s) => [s.name, s]));
  for (const n of o.only ?? []) if (!known.has(n)) throw new CannotRunError(`unknown server "${n}" (servers in mcp-monorepo.yaml: ${[...known.keys()].join(", ") || "none"})`);
  const uv = await findUv(env);
  if (!uv) throw new CannotRunError("lock needs uv, which was not found (not on PATH, not `python3 -m uv`); install it: `pipx install uv`, `pip install uv` or https://docs.astral.sh/uv/getting-started/installation/");
  const python = await findPython({ version: lockPythonVersion(o.manifest), interpreter: o.interpreter, env });
  const servers: ServerLockResult[] = [];
  for (const s of o.manifest.servers) {
    if (o.only?.length && !o.only.includes(s.name)) continue;
    const folder = s.folder.split(path.sep).join("/").replace(/\/+$/, "");
    servers.push(await lockServer({ dir: path.join(o.root, ...folder.split("/")), server: s.name, folder, uv, python, mode: o.mode, upgrade: o.upgrade, upgradePackages: o.upgradePackages, env }));
  }
  return { uv, python, servers };
}

/** Options of {@link lockAndWrite}. */
export interface LockAndWriteOptions {
  /** Folder to find the monorepo from. */
  start: string;
  only?: readonly string[];
  upgrade?: boolean;
  upgradePackages?: readonly string[];
  interpreter?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * `lock` as a write: under the monorepo's write transaction (busy marker, manifest read after
 * it, journaled apply, refusal of paths that leave the monorepo), locks the selected servers
 * on scratch copies and commits every changed uv.lock and requirements.txt as one transaction.
 *
 * @throws CannotRunError (exit 2) as {@link lockMonorepo}; UserError when another command holds
 *   the marker or a write fails (rolled back).
 */
export async function lockAndWrite(o: LockAndWriteOptions): Promise<LockMonorepoResult> {
  const done = await runWrite<{ result: LockMonorepoResult; changes: FileChange[] }>({
    command: "lock",
    start: o.start,
    plan: async (repo) => {
      const result = await lockMonorepo({ root: repo.root, manifest: repo.manifest, only: o.only, mode: "lock", upgrade: o.upgrade, upgradePackages: o.upgradePackages, interpreter: o.interpreter, env: o.env });
      const desired = new Map<string, DesiredFile>();
      for (const s of result.servers) for (const [name, text] of Object.entries(s.writes ?? {})) desired.set(`${s.folder}/${name}`, { content: text! });
      return { result, changes: await diffAgainstDisk(repo.root, desired) };
    },
    changes: (plan) => plan.changes,
  });
  return done.plan.result;
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
 * run `lock`. `skip` (create's and add-server's `--no-lock`, or `MCPM_NO_LOCK=1`) never runs uv.
 */
export async function lockAfterWrite(root: string, names: readonly string[], opts: { skip?: boolean; interpreter?: string; env?: NodeJS.ProcessEnv } = {}): Promise<LockAfterWrite> {
  const env = opts.env ?? process.env;
  const later = "run `npx create-mcp-monorepo lock` to pin exact versions (uv.lock) and export requirements.txt";
  if (opts.skip) return { locked: [], note: null, python: null };
  // Without uv the unlocked form is what was asked for; the next steps name `lock` (and uv).
  if (!(await findUv(env))) return { locked: [], note: null, python: null };
  let result: LockMonorepoResult;
  try {
    result = await lockAndWrite({ start: root, only: names, interpreter: opts.interpreter, env });
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

/** Whether a server's lock and export are current, as `check` reports it. */
export interface LockCheck {
  /** The file to point at: `uv.lock` when it does not match pyproject.toml, else `requirements.txt`. */
  file: "uv.lock" | "requirements.txt";
  /** Why it is stale. */
  problem: string;
  /** `uv` (uv's own `uv lock --check` and `uv export`) or `static` (uv.lock read without uv). */
  how: "uv" | "static";
}

const checkPythons = new Map<string, Promise<FoundPython | null>>();

/**
 * Compares a server's pyproject.toml, uv.lock and requirements.txt. Uses uv's own answer
 * (`uv lock --check --offline` with the target's Python, then the export compared with
 * requirements.txt) when uv and that Python are there, else a static reading of uv.lock.
 *
 * @returns null when they agree, or for a server that is not locked (no uv.lock and a
 *   requirements.txt not exported from one: the unlocked form create writes offline).
 */
export async function checkServerLock(dir: string, folder: string, pythonVersion: string, env: NodeJS.ProcessEnv = process.env): Promise<LockCheck | null> {
  const fs = await import("node:fs/promises");
  const { isExportedRequirements, PYPROJECT, UV_LOCK } = await import("../monorepo/pyproject.js");
  const read = (f: string) => fs.readFile(path.join(dir, f), "utf8").catch(() => null);
  const [pyproject, lock, req] = await Promise.all([read(PYPROJECT), read(UV_LOCK), read("requirements.txt")]);
  const exported = isExportedRequirements(req);
  if (lock === null) {
    return exported ? { file: "requirements.txt", problem: `requirements.txt says it is exported from uv.lock, but ${folder}/uv.lock does not exist`, how: "static" } : null;
  }
  if (pyproject === null) return null;
  const uv = await findUv(env);
  let python: FoundPython | null = null;
  if (uv) {
    let p = checkPythons.get(pythonVersion);
    if (!p) {
      p = findPython({ version: pythonVersion, env }).catch(() => null);
      checkPythons.set(pythonVersion, p);
    }
    python = await p;
  }
  if (uv && python) {
    const cur = await lockIsCurrent(uv, dir, python, env);
    if (!cur.current) return { file: "uv.lock", problem: `uv.lock does not match pyproject.toml (uv lock --check: ${cur.message})`, how: "uv" };
    const exp = await exportLock(uv, dir, folder, env);
    if ("error" in exp) return { file: "uv.lock", problem: exp.error, how: "uv" };
    if (exp.text !== req) return { file: "requirements.txt", problem: req === null ? "requirements.txt does not exist" : "requirements.txt is not the export of uv.lock (uv export gives other lines)", how: "uv" };
    return null;
  }
  const { staticExportMismatch, staticLockMismatch } = await import("./static.js");
  try {
    const l = staticLockMismatch(pyproject, lock);
    if (l) return { file: "uv.lock", problem: `uv.lock does not match pyproject.toml: ${l}`, how: "static" };
  } catch (err) {
    return { file: "uv.lock", problem: `uv.lock or pyproject.toml is not valid TOML (${(err as Error).message.split("\n")[0]})`, how: "static" };
  }
  const e = req === null ? "requirements.txt does not exist" : staticExportMismatch(req, lock);
  return e ? { file: "requirements.txt", problem: e, how: "static" } : null;
}
