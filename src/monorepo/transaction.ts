import * as fs from "node:fs/promises";
import path from "node:path";
import { isUserError, UserError } from "../kernel/errors.js";
import { acquireBusy, isBusyFile, unfinishedCommit } from "./busy.js";
import { applyChanges, isTransientName, type FileChange, type JournalEntry } from "./changes.js";
import { uncommittedChanges } from "./git.js";
import { openMonorepo, openMonorepoAt, type Monorepo } from "./monorepo.js";

/**
 * The one write path of every command that changes a monorepo (`add-server`, `add-target`,
 * `sync`, and the commands to come):
 *
 * 1. take the busy marker (src/monorepo/busy.ts), so no other writer or reader interleaves;
 * 2. open the monorepo again: the manifest, lock and tree are all read after the marker is held
 *    (taking it over may also have finished a killed run's commit);
 * 3. remove what killed runs left (their temporary and backup files);
 * 4. plan (the command's callback: pure reads, returns the changes);
 * 5. refuse when a file the plan touches has uncommitted git changes (unless `allowDirty`);
 * 6. apply the changes as one journaled transaction ({@link applyChanges}: every new file staged,
 *    then renamed into place, the renames recorded in the marker so a killed run is finished by
 *    the next one; any failure rolls every file back), refusing any path that leads out of the
 *    monorepo through a symbolic link;
 * 7. turn a write error into one line: `<command> could not write <file> (<code>); every change was rolled back`.
 *
 * A dry run plans without the marker and writes nothing.
 */
export interface WriteTransaction<P, R> {
  /** The command's name, shown in messages and in the marker. */
  command: string;
  /** Folder to find the monorepo from (walking up to `mcp-monorepo.yaml`). */
  start: string;
  /** The monorepo as the command already opened it (e.g. to prompt); read again under the marker. */
  opened?: Monorepo;
  /** Plan and report only; no marker, nothing written. */
  dryRun?: boolean;
  /** Write even when touched files have uncommitted git changes. */
  allowDirty?: boolean;
  /** Removes what killed runs of this command left; called under the marker, before planning. */
  removeLeftovers?: (repo: Monorepo) => Promise<unknown>;
  /** Plans the write (reads only). */
  plan: (repo: Monorepo) => Promise<P>;
  /** The changes of a plan, in commit order (the default apply commits them). */
  changes: (plan: P) => FileChange[];
  /**
   * Root-relative paths whose uncommitted changes refuse the write, and how the refusal says what
   * would happen to them (`add-server would modify`); null when the plan needs no such guard.
   */
  guard?: (plan: P) => { paths: string[]; verb: string } | null;
  /**
   * True for a plan that writes nothing: the command then takes no marker and writes nothing at
   * all (not even the marker), unless a killed run left a commit to finish.
   */
  idle?: (plan: P) => boolean;
  /** Applies the plan under the marker with `commit` (default: `commit(changes(plan))`). */
  apply?: (plan: P, step: { commit: Commit; dirty: string[] | null; repo: Monorepo }) => Promise<R>;
  /** How a rolled-back write ends its message (default `every change was rolled back, nothing was changed`). */
  rolledBack?: string;
  /** Test hook passed to `applyChanges`: called before each rename (fault injection). */
  beforeCommit?: (change: FileChange) => void | Promise<void>;
}

/** Commits changes under the transaction's marker (journaled, contained, errors as one line). */
export type Commit = (changes: FileChange[]) => Promise<void>;

/** What a transaction did. */
export interface WriteResult<P, R> {
  /** The monorepo as planned (read under the marker when something was written). */
  repo: Monorepo;
  plan: P;
  /** Touched paths with uncommitted changes (empty: none; null: not checked, e.g. outside git). */
  dirty: string[] | null;
  dryRun: boolean;
  /** What `apply` returned; null for a dry run or an idle plan. */
  applied: R | null;
}

/**
 * Runs a write transaction (see {@link WriteTransaction}).
 *
 * @throws UserError for every refusal of the plan, the marker (another command runs), the dirty-tree
 *   guard, the containment check, and for a write failure (after the rollback).
 */
export async function runWrite<P, R = void>(t: WriteTransaction<P, R>): Promise<WriteResult<P, R>> {
  const first = t.opened ?? (await openMonorepo(t.start));
  if (t.dryRun) {
    const plan = await t.plan(first);
    return { repo: first, plan, dirty: await dirtyPaths(first.root, t, plan), dryRun: true, applied: null };
  }
  if (t.idle) {
    const plan = await t.plan(first);
    if (t.idle(plan) && (await unfinishedCommit(first.root)) === null) {
      return { repo: first, plan, dirty: await dirtyPaths(first.root, t, plan), dryRun: false, applied: null };
    }
  }
  const hold = await acquireBusy(first.root, t.command);
  try {
    const repo = await openMonorepoAt(first.root);
    await t.removeLeftovers?.(repo);
    const plan = await t.plan(repo);
    const dirty = await dirtyPaths(repo.root, t, plan);
    const guard = t.guard?.(plan);
    if (guard && dirty && dirty.length > 0 && !t.allowDirty) {
      throw new UserError(`uncommitted changes in ${dirty.join(", ")}, which ${guard.verb}; commit or stash them first, or pass --allow-dirty (nothing was written)`);
    }
    const commit: Commit = (changes) =>
      commitChanges(repo.root, changes, { command: t.command, rolledBack: t.rolledBack, beforeCommit: t.beforeCommit, onStaged: hold.record });
    const applied = t.apply ? await t.apply(plan, { commit, dirty, repo }) : ((await commit(t.changes(plan))) as R);
    return { repo, plan, dirty, dryRun: false, applied };
  } finally {
    await hold();
  }
}

async function dirtyPaths<P, R>(root: string, t: WriteTransaction<P, R>, plan: P): Promise<string[] | null> {
  const guard = t.guard?.(plan);
  return guard ? uncommittedChanges(root, guard.paths) : null;
}

/**
 * Applies changes under `root` with {@link applyChanges} and turns an I/O failure (after its
 * rollback) into one line naming the file: `<command> could not write <file> (<code>); <rolledBack>`.
 * A temporary or backup name in the error is shown as the file it stood for.
 */
export async function commitChanges(
  root: string,
  changes: FileChange[],
  opts: { command: string; rolledBack?: string; beforeCommit?: (change: FileChange) => void | Promise<void>; onStaged?: (journal: JournalEntry[]) => Promise<void> },
): Promise<void> {
  try {
    await applyChanges(root, changes, { beforeCommit: opts.beforeCommit, onStaged: opts.onStaged, command: opts.command });
  } catch (err) {
    if (isUserError(err)) throw err;
    const e = err as NodeJS.ErrnoException;
    const what = e.path ? path.relative(root, e.path).replace(/(^|[\\/])\.([^\\/]+)\.mcpm-(tmp|bak)-[0-9a-f]{8}$/, "$1$2") : "a file";
    throw new UserError(`${opts.command} could not write ${what} (${e.code ?? e.message}); ${opts.rolledBack ?? "every change was rolled back, nothing was changed"}`);
  }
}

/**
 * Removes the temporary and backup files (`.<name>.mcpm-tmp-xxxxxxxx`, `.<name>.mcpm-bak-xxxxxxxx`, and
 * the backup folder of a folder delete)
 * that killed writers left in the root and at the top of each server folder (the busy marker's own
 * helper files excepted: it removes them itself). Call only while holding the busy marker: every
 * writer holds it, so such files belong to a killed run, whose finished renames the marker's
 * journal has already completed. A server folder that leads out of the monorepo is not touched.
 *
 * @param extraDirs - root-relative POSIX folders to clean too (a command that writes deeper, e.g. `upgrade`).
 * @returns root-relative POSIX paths removed.
 */
export async function removeTransientFiles(repo: Monorepo, extraDirs: readonly string[] = []): Promise<string[]> {
  const removed: string[] = [];
  const realRoot = await fs.realpath(repo.root);
  const dirs = new Set([repo.root, ...repo.servers.map((s) => s.dir), ...extraDirs.map((d) => path.join(repo.root, ...d.split("/")))]);
  for (const dir of dirs) {
    const real = await fs.realpath(dir).catch(() => null);
    if (real === null) continue;
    const rel = path.relative(realRoot, real);
    if (rel.startsWith("..") || path.isAbsolute(rel)) continue;
    for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!isTransientName(e.name) || isBusyFile(e.name)) continue;
      // A folder: the backup of a folder delete (remove-server, rename-server) whose run was killed
      // after its rename; the journal has finished (or the rollback restored) the delete.
      const folderBackup = e.isDirectory() && /\.mcpm-bak-[0-9a-f]{8}$/.test(e.name);
      if (!e.isFile() && !folderBackup) continue;
      await fs.rm(path.join(dir, e.name), { force: true, recursive: folderBackup });
      removed.push(path.relative(repo.root, path.join(dir, e.name)).split(path.sep).join("/"));
    }
  }
  return removed;
}
