import { randomBytes } from "node:crypto";
import * as fsSync from "node:fs";
import { constants as fsConstants } from "node:fs";
import * as fs from "node:fs/promises";
import path from "node:path";
import pc from "picocolors";
import { processAlive } from "./pid.js";
import { UserError } from "../kernel/errors.js";
import { byCodeUnit } from "../kernel/compare.js";

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
  /**
   * A `delete` of a whole folder (and everything in it): committed as one rename of the folder to
   * a backup name beside it (atomic), removed once the transaction has committed.
   */
  dir?: boolean;
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

function transientSibling(file: string, kind: "tmp" | "bak"): string {
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

/**
 * Refuses to write any of `rels` when the folder it would be written in resolves, through a
 * symbolic link, to a place outside `root` (`server-x/src/shared`, `server-x/src` or `server-x`
 * itself linking elsewhere): the realpath of each path's nearest existing ancestor folder must be
 * inside the realpath of `root`. The file itself may be a link (it is replaced or removed, never
 * written through: `diffAgainstDisk` reports it as a conflict).
 *
 * @param root - absolute directory the paths are relative to.
 * @param rels - POSIX paths relative to `root`.
 * @param command - the command named in the message.
 * @throws UserError naming the first link that leads out, and where it leads.
 */
export async function assertContained(root: string, rels: readonly string[], command = "mcp-monorepo"): Promise<void> {
  const realRoot = await fs.realpath(root);
  const inside = (p: string) => {
    const rel = path.relative(realRoot, p);
    return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
  };
  const checked = new Set<string>();
  for (const relPath of rels) {
    let dir = path.dirname(resolveInside(root, relPath));
    if (checked.has(dir)) continue;
    checked.add(dir);
    while (dir !== root && !fsSync.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    const real = fsSync.realpathSync(dir);
    if (inside(real)) continue;
    // Name the first component on the way down from the root that leads out.
    const parts = path.relative(root, dir).split(path.sep);
    let at = root;
    for (const part of parts) {
      at = path.join(at, part);
      const r = fsSync.realpathSync(at);
      if (!inside(r)) {
        const shown = path.relative(root, at).split(path.sep).join("/");
        throw new UserError(`${shown}/ leads to ${r}, outside the monorepo (a symbolic link); ${command} writes only inside ${root}: replace the link with the folder (nothing was written)`);
      }
    }
    throw new UserError(`${path.relative(root, dir).split(path.sep).join("/")}/ leads to ${real}, outside the monorepo; ${command} writes only inside ${root} (nothing was written)`);
  }
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
  // Synchronous I/O on purpose: dozens of small lstat/readFile calls, each a thread-pool round trip
  // when asynchronous, were a sixth of a 3-server create (bench/README.md). A missing root has no files.
  const rootExists = fsSync.existsSync(root);
  const changes: FileChange[] = [];
  for (const [rel, want] of [...desired.entries()].sort(([a], [b]) => byCodeUnit(a, b))) {
    const abs = resolveInside(root, rel);
    const content = toBuffer(want.content);
    const st = rootExists ? fsSync.lstatSync(abs, { throwIfNoEntry: false }) : undefined;
    if (!st) {
      changes.push({ path: rel, kind: "create", content, mode: want.mode });
      continue;
    }
    if (!st.isFile()) {
      changes.push({ path: rel, kind: "conflict", reason: `${rel} exists and is not a regular file` });
      continue;
    }
    const current = fsSync.readFileSync(abs);
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
 * Staging folders of `target` that killed runs left behind (see {@link stagingSibling}) are removed first.
 *
 * @param target - absolute path of the folder to create.
 * @param files - POSIX relative path → bytes and mode (default 0o644).
 * @throws UserError if `target` holds anything but `.git`.
 */
export async function writeTreeAtomically(target: string, files: Map<string, DesiredFile>): Promise<void> {
  // Synchronous I/O, as create-vite writes: a create is ~50 small files, and an asynchronous
  // mkdir + writeFile + chmod per file cost a thread-pool round trip each (bench/README.md).
  const staging = stagingSibling(target, process.pid);
  fsSync.mkdirSync(path.dirname(target), { recursive: true });
  await removeStaleStaging(target);
  try {
    fsSync.mkdirSync(staging);
    const made = new Set<string>([staging]);
    for (const [rel, file] of files) {
      const abs = resolveInside(staging, rel);
      const dir = path.dirname(abs);
      if (!made.has(dir)) {
        fsSync.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      fsSync.writeFileSync(abs, toBuffer(file.content), { mode: file.mode ?? 0o644 });
      // writeFile's mode is filtered by the umask; an explicit mode is set exactly.
      if (file.mode !== undefined) fsSync.chmodSync(abs, file.mode);
    }
    const existing = fsSync.lstatSync(target, { throwIfNoEntry: false });
    if (!existing) {
      fsSync.renameSync(staging, target);
      return;
    }
    const entries = fsSync.readdirSync(target);
    const foreign = entries.filter((e) => e !== ".git");
    if (foreign.length > 0) {
      throw new UserError(`${target} is not empty (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); choose a new folder`);
    }
    if (entries.length === 0) {
      fsSync.rmdirSync(target);
      fsSync.renameSync(staging, target);
      return;
    }
    const moved: string[] = [];
    try {
      for (const entry of fsSync.readdirSync(staging)) {
        fsSync.renameSync(path.join(staging, entry), path.join(target, entry));
        moved.push(entry);
      }
    } catch (err) {
      for (const entry of moved.reverse()) {
        try {
          fsSync.renameSync(path.join(target, entry), path.join(staging, entry));
        } catch {
          // best effort: the staging folder is removed below either way
        }
      }
      throw err;
    }
  } finally {
    fsSync.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The staging folder of `target` for the process `pid`: `.<name>.mcpm-staging-<pid, 8 hex digits>`,
 * so a later run can tell a killed run's staging folder (its process is gone) from a live one's.
 */
export function stagingSibling(target: string, pid: number): string {
  return path.join(path.dirname(target), `.${path.basename(target)}${TRANSIENT_MARK}staging-${(pid >>> 0).toString(16).padStart(8, "0")}`);
}

/**
 * Reads a staging folder's name ({@link stagingSibling}): the name of the file or folder it
 * stages and the process that made it, or null for any other name.
 */
export function stagingOwner(name: string): { target: string; pid: number } | null {
  const m = /^\.(.+)\.mcpm-staging-([0-9a-f]{8})$/.exec(name);
  return m ? { target: m[1]!, pid: Number.parseInt(m[2]!, 16) } : null;
}

/**
 * Removes the staging folders of `target` that runs killed before their final rename left
 * beside it, so no staging folder is left once the next run has finished. A folder whose
 * process still runs is left alone.
 */
async function removeStaleStaging(target: string): Promise<void> {
  const entries = await fs.readdir(path.dirname(target)).catch(() => [] as string[]);
  for (const e of entries) {
    const owner = stagingOwner(e);
    if (owner?.target !== path.basename(target) || processAlive(owner.pid)) continue;
    await fs.rm(path.join(path.dirname(target), e), { recursive: true, force: true });
  }
}

/** One rename of a commit: root-relative POSIX `path`, and the temp file's name beside it (null: a delete). */
export interface JournalEntry {
  path: string;
  tmp: string | null;
}

/**
 * Finishes the commit of a killed {@link applyChanges} from its journal: each entry whose temp
 * file is still there is renamed into place, each delete is done. Temp files are complete by
 * then (the journal is written after staging), so the result is the new state. Entries that
 * escape `root` (by name or through a symbolic link) or name anything but a temp file of their
 * own target are ignored (the journal lives in a file users can edit).
 *
 * @returns root-relative paths finished.
 */
export async function rollForward(root: string, journal: JournalEntry[]): Promise<string[]> {
  const done: string[] = [];
  for (const e of journal) {
    let abs: string;
    try {
      abs = resolveInside(root, e.path);
      await assertContained(root, [e.path]);
    } catch {
      continue;
    }
    if (e.tmp === null) {
      const st = await statOrNull(abs);
      if (st) {
        // A folder delete ({@link FileChange.dir}): the journal records it like a file's.
        await fs.rm(abs, { force: true, recursive: st.isDirectory() });
        done.push(e.path);
      }
      continue;
    }
    if (typeof e.tmp !== "string" || !isTransientName(e.tmp) || !e.tmp.startsWith(`.${path.basename(abs)}${TRANSIENT_MARK}tmp-`)) continue;
    const tmp = path.join(path.dirname(abs), e.tmp);
    const st = await statOrNull(tmp);
    if (!st?.isFile()) continue;
    await fs.rename(tmp, abs);
    done.push(e.path);
  }
  return done;
}

interface Step {
  abs: string;
  /** Temp file holding the new bytes (create/update). */
  tmp?: string;
  /** Backup of the original (update/delete), restorable on rollback. */
  bak?: string;
  /** The step deletes a folder. */
  dir?: boolean;
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
 * @param hooks.command - the command named when a path leads out of `root` ({@link assertContained}).
 * @param hooks.onStaged - called once every temp file is written, before the first rename, with
 *   the renames in commit order ({@link JournalEntry}); `add-server` records them in its busy
 *   marker so a run killed half way through the renames is finished by the next one.
 * @throws UserError for conflicts, a path whose folder leads out of `root` through a symbolic link
 *   (before anything is written), or a protected (read-only) file; re-throws I/O errors after rollback.
 */
export async function applyChanges(
  root: string,
  changes: FileChange[],
  hooks: { beforeCommit?: (change: FileChange) => void | Promise<void>; onStaged?: (journal: JournalEntry[]) => Promise<void>; command?: string } = {},
): Promise<void> {
  const conflicts = changes.filter((c) => c.kind === "conflict");
  if (conflicts.length > 0) {
    throw new UserError(`refusing to write: ${conflicts.map((c) => c.reason ?? c.path).join("; ")}`);
  }
  const active = changes.filter(isWrite);
  await assertContained(root, active.map((c) => c.path), hooks.command);
  const steps: Step[] = [];
  const createdDirs: string[] = [];
  try {
    // Phase 1: stage new bytes beside their targets.
    for (const change of active) {
      const abs = resolveInside(root, change.path);
      const step: Step = { abs, committed: false, dir: change.kind === "delete" && change.dir === true };
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
    // Every new byte is on disk: a caller may record the renames to come, so a run killed
    // between them can be rolled forward (see rollForward).
    await hooks.onStaged?.(active.map((c, i) => ({ path: c.path, tmp: steps[i]!.tmp ? path.basename(steps[i]!.tmp!) : null })));
    // Phase 2: commit in order, keeping backups.
    for (let i = 0; i < active.length; i++) {
      const change = active[i]!;
      const step = steps[i]!;
      await hooks.beforeCommit?.(change);
      const existing = await statOrNull(step.abs);
      if (existing && step.dir && !existing.isDirectory()) throw new UserError(`${change.path} is not a folder; nothing was changed`);
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
  for (const step of steps) if (step.bak) await fs.rm(step.bak, { force: true, recursive: step.dir === true });
}
