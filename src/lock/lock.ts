import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { exportedHeader, PYPROJECT, UV_LOCK } from "../monorepo/pyproject.js";
import type { FoundPython } from "../kernel/python.js";
import { EXPORT_ARGS, runUv, uvError, type Uv } from "./uv.js";

/**
 * Locking one server (a uv project): `uv lock` writes uv.lock from pyproject.toml, then
 * `uv export` writes requirements.txt from uv.lock with exact pins (uv docs, "Locking and
 * syncing / Exporting the lockfile"). The export needs no Python and no network.
 */

/** What happened to one server. */
export type LockStatus =
  /** uv.lock and requirements.txt were (or, with --dry-run, would be) written. */
  | "locked"
  /** Both were already current. */
  | "up-to-date"
  /** `--check`/`--dry-run`: uv.lock does not match pyproject.toml, is missing, or requirements.txt is not its export. */
  | "stale"
  /** No pyproject.toml: a server of the older layout (requirements.txt only). */
  | "no-pyproject"
  /** uv failed (resolution, network); `message` says why. */
  | "failed";

/** The result for one server. */
export interface ServerLockResult {
  server: string;
  folder: string;
  status: LockStatus;
  /** uv.lock changed (or would change / is stale). */
  lockChanged: boolean;
  /** requirements.txt changed (or would change / is stale). */
  exportChanged: boolean;
  /** Packages pinned in requirements.txt (after the run). */
  packages: number | null;
  message?: string;
  /**
   * `lock` mode: the new texts of the files that change, by name in the server folder
   * (`uv.lock`, `requirements.txt`). The caller writes them through the monorepo's write
   * transaction; nothing in the server folder is written here.
   */
  writes?: Partial<Record<"uv.lock" | "requirements.txt", string>>;
}

/** How {@link lockServer} runs. */
export interface LockServerOptions {
  /** Absolute server folder. */
  dir: string;
  server: string;
  folder: string;
  uv: Uv;
  python: FoundPython;
  /** `lock` writes; `check` and `dry-run` only compare. */
  mode: "lock" | "check" | "dry-run";
  upgrade?: boolean;
  upgradePackages?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

async function readOrNull(file: string): Promise<string | null> {
  return fs.readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return null;
    throw e;
  });
}

/** Counts the pinned requirement lines of an export. */
function countPins(text: string): number {
  return text.split(/\r?\n/).filter((l) => /^[A-Za-z0-9][^\s#]*==/.test(l)).length;
}

/** The requirements.txt `lock` writes for `folder` from uv's export output. */
export function exportedRequirements(folder: string, uvExport: string): string {
  return [...exportedHeader(folder), uvExport.replace(/^\s+/, "")].join("\n").replace(/\n*$/, "\n");
}

/** The export of a server's current uv.lock as its requirements.txt text, or an error line. */
export async function exportLock(uv: Uv, dir: string, folder: string, env?: NodeJS.ProcessEnv): Promise<{ text: string } | { error: string }> {
  const r = await runUv(uv, EXPORT_ARGS, { cwd: dir, env, timeoutMs: 120_000 });
  if (r.code !== 0) return { error: `uv export failed: ${uvError(r.stderr)}` };
  return { text: exportedRequirements(folder, r.stdout) };
}

/** Whether a server's uv.lock matches its pyproject.toml (`uv lock --check --offline`: uv's own answer, no network). */
export async function lockIsCurrent(uv: Uv, dir: string, python: FoundPython, env?: NodeJS.ProcessEnv): Promise<{ current: boolean; message: string }> {
  const r = await runUv(uv, ["lock", "--check", "--offline", "-p", python.path], { cwd: dir, env, timeoutMs: 120_000 });
  return { current: r.code === 0, message: r.code === 0 ? "" : uvError(r.stderr) };
}

/**
 * Locks (or checks) one server.
 *
 * `lock`: `uv lock -p PYTHON [--upgrade] [--upgrade-package P]...` then the export, both on a
 * scratch copy of pyproject.toml and uv.lock; the texts that change come back in `writes`. `check`/`dry-run`: `uv lock --check` and
 * the export compared with requirements.txt; nothing is written.
 */
export async function lockServer(o: LockServerOptions): Promise<ServerLockResult> {
  const base = { server: o.server, folder: o.folder };
  const pyproject = await readOrNull(path.join(o.dir, PYPROJECT));
  if (pyproject === null) {
    return { ...base, status: "no-pyproject", lockChanged: false, exportChanged: false, packages: null, message: `${o.folder}/${PYPROJECT} does not exist (a server of the older requirements.txt-only layout)` };
  }
  const reqFile = path.join(o.dir, "requirements.txt");
  const lockFile = path.join(o.dir, UV_LOCK);
  const lockBefore = await readOrNull(lockFile);
  const reqBefore = await readOrNull(reqFile);

  if (o.mode !== "lock") {
    if (lockBefore === null) return { ...base, status: "stale", lockChanged: true, exportChanged: true, packages: null, message: `${o.folder}/${UV_LOCK} does not exist` };
    const cur = await lockIsCurrent(o.uv, o.dir, o.python, o.env);
    if (!cur.current) return { ...base, status: "stale", lockChanged: true, exportChanged: true, packages: null, message: `${o.folder}/${UV_LOCK} does not match ${PYPROJECT} (${cur.message})` };
    const exp = await exportLock(o.uv, o.dir, o.folder, o.env);
    if ("error" in exp) return { ...base, status: "failed", lockChanged: false, exportChanged: false, packages: null, message: exp.error };
    const pins = countPins(exp.text);
    if (exp.text !== reqBefore) return { ...base, status: "stale", lockChanged: false, exportChanged: true, packages: pins, message: `${o.folder}/requirements.txt is not the export of ${UV_LOCK}` };
    if (o.upgrade || o.upgradePackages?.length) return { ...base, status: "stale", lockChanged: true, exportChanged: true, packages: pins, message: "--upgrade would re-resolve against PyPI" };
    return { ...base, status: "up-to-date", lockChanged: false, exportChanged: false, packages: pins };
  }

  // uv writes uv.lock where it runs: it runs on a scratch copy of the project files (a
  // `package = false` project resolves from pyproject.toml alone; the lock names no local path),
  // and the caller commits the new texts with every other write of the monorepo.
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-lock-"));
  try {
    await fs.writeFile(path.join(scratch, PYPROJECT), pyproject);
    if (lockBefore !== null) await fs.writeFile(path.join(scratch, UV_LOCK), lockBefore);
    const args = ["lock", "-p", o.python.path];
    if (o.upgrade) args.push("--upgrade");
    for (const p of o.upgradePackages ?? []) args.push("--upgrade-package", p);
    const r = await runUv(o.uv, args, { cwd: scratch, env: o.env });
    if (r.code !== 0) return { ...base, status: "failed", lockChanged: false, exportChanged: false, packages: null, message: `uv lock failed: ${uvError(r.stderr)}` };
    const lockAfter = await fs.readFile(path.join(scratch, UV_LOCK), "utf8");
    const lockChanged = lockAfter !== lockBefore;
    const exp = await exportLock(o.uv, scratch, o.folder, o.env);
    if ("error" in exp) return { ...base, status: "failed", lockChanged, exportChanged: false, packages: null, message: exp.error };
    const exportChanged = exp.text !== reqBefore;
    const writes: ServerLockResult["writes"] = {};
    if (lockChanged) writes[UV_LOCK as "uv.lock"] = lockAfter;
    if (exportChanged) writes["requirements.txt"] = exp.text;
    return { ...base, status: lockChanged || exportChanged ? "locked" : "up-to-date", lockChanged, exportChanged, packages: countPins(exp.text), writes };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
