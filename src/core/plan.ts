import { randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import * as fs from "node:fs/promises";
import path from "node:path";
import pc from "picocolors";
import { UserError } from "./errors.js";

/**
 * What a planned change does to one file (copier's per-file status, Nx's `listChanges()`).
 * - `create`: the file does not exist and will be written.
 * - `update`: the file exists with other bytes (or mode) and will be replaced.
 * - `delete`: the file exists and will be removed.
 * - `unchanged`: the file already has the planned bytes; it is not rewritten.
 * - `conflict`: the command will not touch the file; `reason` says why.
 */
export type ChangeKind = "create" | "update" | "delete" | "unchanged" | "conflict";

/** One planned change. Paths are POSIX, relative to the plan's root. */
export interface FileChange {
  path: string;
  kind: ChangeKind;
  /** New bytes, for `create` and `update`. */
  content?: Buffer;
  /** Permission bits (e.g. `0o644`) for `create` and `update`; undefined: 0o644 for new files, kept for updates. */
  mode?: number;
  /** Human explanation (always set for `conflict`). */
  reason?: string;
}

/** A file the generator wants to exist, before it is compared with the disk. */
export interface DesiredFile {
  content: Buffer | string;
  mode?: number;
}

/** Prefix of every temporary or backup name `applyChanges` creates next to a target file. */
export const TRANSIENT_MARK = ".mcpm-";

/** True for names `applyChanges`/`writeTreeAtomically` leave behind only when killed mid-write (safe to delete). */
export function isTransientName(name: string): boolean {
  return name.startsWith(".") && name.includes(TRANSIENT_MARK) && /\.mcpm-(tmp|bak|staging)-[0-9a-f]{8}$/.test(name);
}

function transientSibling(file: string, kind: "tmp" | "bak" | "staging"): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${TRANSIENT_MARK}${kind}-${randomBytes(4).toString("hex")}`);
}

function toBuffer(content: Buffer | string): Buffer {
  return typeof content === "string" ? Buffer.from(content, "utf8") : content;
}

/** Joins a POSIX plan path onto a root, refusing paths that would escape it. */
export function resolveInside(root: string, rel: string): string {
  const abs = path.resolve(root, ...rel.split("/"));
  const relBack = path.relative(root, abs);
  // `..env.example.mcpm-tmp-…` (a root dot-file's temporary name) is inside: only `..` itself or `../…` escape.
  if (relBack === "" || relBack === ".." || relBack.startsWith(`..${path.sep}`) || path.isAbsolute(relBack)) {
    throw new Error(`planned path escapes the root: ${rel}`);
  }
  return abs;
}

async function statOrNull(file: string) {
  try {
    return await fs.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/**
 * Compares desired files with what is on disk under `root` and classifies each
 * as create / update / unchanged. Sorted by path.
 *
 * @param root - absolute directory the paths are relative to (need not exist).
 * @param desired - POSIX relative path → wanted bytes and mode.
 * @returns one change per desired path.
 */
export async function diffAgainstDisk(root: string, desired: Map<string, DesiredFile>): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const [rel, want] of [...desired.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const abs = resolveInside(root, rel);
    const content = toBuffer(want.content);
    const st = await statOrNull(abs);
    if (!st) {
      changes.push({ path: rel, kind: "create", content, mode: want.mode });
      continue;
    }
    if (!st.isFile()) {
      changes.push({ path: rel, kind: "conflict", reason: `${rel} exists and is not a regular file` });
      continue;
    }
    const current = await fs.readFile(abs);
    const modeDiffers = want.mode !== undefined && (st.mode & 0o777) !== want.mode;
    changes.push({
      path: rel,
      kind: current.equals(content) && !modeDiffers ? "unchanged" : "update",
      content,
      mode: want.mode,
    });
  }
  return changes;
}

/** True for the change kinds that write to disk (`create`, `update`, `delete`). */
export function isWrite(change: FileChange): boolean {
  return change.kind === "create" || change.kind === "update" || change.kind === "delete";
}

// Always-on colours: `formatPlan`'s `color` option decides (picocolors' own default looks at
// process.stdout, not at the injected context's stream).
const on = pc.createColors(true);
const LABEL: Record<ChangeKind, (s: string) => string> = {
  create: on.green,
  update: on.yellow,
  delete: on.red,
  unchanged: on.dim,
  conflict: on.magenta,
};

/**
 * Formats a plan as `CREATE  path` lines (Nx/plop style), one per change.
 *
 * @param changes - the plan.
 * @param opts.prefix - prepended to every path (e.g. the target folder name).
 * @param opts.showUnchanged - include `UNCHANGED` lines (default false).
 * @param opts.color - colour the labels (default false).
 */
export function formatPlan(
  changes: FileChange[],
  opts: { prefix?: string; showUnchanged?: boolean; color?: boolean } = {},
): string[] {
  const prefix = opts.prefix ?? "";
  return changes
    .filter((c) => opts.showUnchanged || c.kind !== "unchanged")
    .map((c) => {
      const label = c.kind.toUpperCase().padEnd(9);
      const reason = c.kind === "conflict" && c.reason ? `  (${c.reason})` : "";
      return `${opts.color ? LABEL[c.kind](label) : label} ${prefix}${c.path}${reason}`;
    });
}

/**
 * Writes a whole new tree into `target` atomically: every file goes into a
 * staging folder beside the target, which is then renamed into place, so an
 * interrupted run leaves either nothing or the complete tree.
 *
 * `target` must not exist, or be an empty folder, or hold only `.git` (then the
 * staged entries are moved in one by one and moved back out on failure).
 *
 * @param target - absolute path of the folder to create.
 * @param files - POSIX relative path → bytes and mode (default 0o644).
 * @throws UserError if `target` holds anything but `.git`.
 */
export async function writeTreeAtomically(target: string, files: Map<string, DesiredFile>): Promise<void> {
  const staging = transientSibling(target, "staging");
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    await fs.mkdir(staging);
    for (const [rel, file] of files) {
      const abs = resolveInside(staging, rel);
      await fs.mkdir(path.dirname(abs), { recursive: true });
      await fs.writeFile(abs, toBuffer(file.content), { mode: file.mode ?? 0o644 });
      if (file.mode !== undefined) await fs.chmod(abs, file.mode);
    }
    const existing = await statOrNull(target);
    if (!existing) {
      await fs.rename(staging, target);
      return;
    }
    const entries = await fs.readdir(target);
    const foreign = entries.filter((e) => e !== ".git");
    if (foreign.length > 0) {
      throw new UserError(`${target} is not empty (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); choose a new folder`);
    }
    if (entries.length === 0) {
      await fs.rmdir(target);
      await fs.rename(staging, target);
      return;
    }
    const moved: string[] = [];
    try {
      for (const entry of await fs.readdir(staging)) {
        await fs.rename(path.join(staging, entry), path.join(target, entry));
        moved.push(entry);
      }
    } catch (err) {
      for (const entry of moved.reverse()) {
        await fs.rename(path.join(target, entry), path.join(staging, entry)).catch(() => undefined);
      }
      throw err;
    }
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

interface Step {
  abs: string;
  /** Temp file holding the new bytes (create/update). */
  tmp?: string;
  /** Backup of the original (update/delete), restorable on rollback. */
  bak?: string;
  committed: boolean;
}

/**
 * Applies create / update / delete changes under an existing `root` as one
 * transaction: all new bytes are first written to temporary siblings, then
 * each is renamed over its target (atomic per file) in plan order, keeping a
 * backup of each original. If anything fails, every committed step is undone
 * and the error is re-thrown; on success the backups are removed.
 * `unchanged` changes are skipped (the file is not rewritten); any `conflict`
 * refuses the whole plan before anything is written.
 *
 * An existing file without the owner-write bit is treated as protected: the
 * transaction fails (and rolls back) rather than replace or delete it.
 *
 * Ordering matters to callers: `sync` puts its lock file last, so a killed
 * run leaves the lock describing the old state.
 *
 * @param root - absolute directory the change paths are relative to.
 * @param changes - the plan, in the order to commit.
 * @param hooks.beforeCommit - test hook called before each rename (used to inject faults).
 * @throws UserError for conflicts or a protected (read-only) file; re-throws I/O errors after rollback.
 */
export async function applyChanges(
  root: string,
  changes: FileChange[],
  hooks: { beforeCommit?: (change: FileChange) => void | Promise<void> } = {},
): Promise<void> {
  const conflicts = changes.filter((c) => c.kind === "conflict");
  if (conflicts.length > 0) {
    throw new UserError(`refusing to write: ${conflicts.map((c) => c.reason ?? c.path).join("; ")}`);
  }
  const active = changes.filter(isWrite);
  const steps: Step[] = [];
  const createdDirs: string[] = [];
  try {
    // Phase 1: stage new bytes beside their targets.
    for (const change of active) {
      const abs = resolveInside(root, change.path);
      const step: Step = { abs, committed: false };
      steps.push(step);
      if (change.kind === "delete") continue;
      const dir = path.dirname(abs);
      const made = await fs.mkdir(dir, { recursive: true });
      if (made) createdDirs.push(made);
      const existing = await statOrNull(abs);
      const mode = change.mode ?? (existing ? existing.mode & 0o777 : 0o644);
      step.tmp = transientSibling(abs, "tmp");
      await fs.writeFile(step.tmp, change.content ?? Buffer.alloc(0), { mode });
      await fs.chmod(step.tmp, mode);
    }
    // Phase 2: commit in order, keeping backups.
    for (let i = 0; i < active.length; i++) {
      const change = active[i]!;
      const step = steps[i]!;
      await hooks.beforeCommit?.(change);
      const existing = await statOrNull(step.abs);
      if (existing && (existing.mode & fsConstants.S_IWUSR) === 0) {
        throw new UserError(`${change.path} is read-only; nothing was changed`);
      }
      if (existing) {
        step.bak = transientSibling(step.abs, "bak");
        if (change.kind === "delete") {
          await fs.rename(step.abs, step.bak);
        } else {
          await fs.link(step.abs, step.bak).catch(() => fs.copyFile(step.abs, step.bak!));
        }
      }
      if (step.tmp) await fs.rename(step.tmp, step.abs);
      step.committed = true;
    }
  } catch (err) {
    for (const step of [...steps].reverse()) {
      if (step.committed || step.bak) {
        if (step.bak) await fs.rename(step.bak, step.abs).catch(() => undefined);
        else await fs.rm(step.abs, { force: true }).catch(() => undefined);
      }
      if (step.tmp) await fs.rm(step.tmp, { force: true }).catch(() => undefined);
    }
    for (const dir of createdDirs.reverse()) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  for (const step of steps) if (step.bak) await fs.rm(step.bak, { force: true });
}
