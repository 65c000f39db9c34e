import path from "node:path";
import { acquireBusy } from "../monorepo/busy.js";
import { UserError, isUserError } from "../kernel/errors.js";
import { loadManifest, loadManifestFrom, type LoadedManifest } from "../monorepo/manifest.js";
import { applyChanges, type FileChange, type JournalEntry } from "../monorepo/changes.js";
import { toFolder, validateServerName } from "../monorepo/names.js";
import { uncommittedChanges } from "../monorepo/git.js";
import { removeKilledRunLeftovers } from "./leftovers.js";
import { parseAddServerOptions } from "./options.js";
import { planAddServerIn } from "./plan.js";
import type { AddServerPlan, AddServerResult } from "./types.js";

/** How `addServer` runs (all optional). */
export interface AddServerRunOptions {
  /** Plan and report only; write nothing (uncommitted files are reported, not refused). */
  dryRun?: boolean;
  /** Write even when files add-server would modify have uncommitted git changes. */
  allowDirty?: boolean;
  /** A manifest already loaded from the same place (the CLI loads it before prompting). */
  loaded?: LoadedManifest;
  /** Test hook passed to `applyChanges`: called before each file is renamed into place (fault injection). */
  beforeCommit?: (change: FileChange) => void | Promise<void>;
}

/**
 * The core of `add-server` (issue 3; never prompts): plans the new server and the
 * root updates ({@link planAddServerIn}), refuses when a file it would modify has
 * uncommitted git changes (unless `allowDirty`), then applies the whole plan as one
 * transaction with `applyChanges` (src/monorepo/changes.ts: every file staged first, renamed
 * into place with backups; any failure rolls every file back, so either all files
 * are created and updated or none is). Under the busy marker it first removes what a
 * killed add-server left ({@link removeKilledRunLeftovers}); the renames of its commit are
 * journaled in the marker, so one killed half way through them is finished by the next
 * add-server or sync (`acquireBusy`): the tree is then in the new state, never half of it.
 *
 * @param raw - `{ cwd, name, description?, targets? }` (see `addServerOptionsSchema`).
 * @param run - dry run, allow dirty, preloaded manifest, test hook.
 * @returns what was done (or, with `dryRun`, would be done).
 * @throws UserError for every refusal of {@link planAddServerIn}; for uncommitted changes
 *   (lists the files); for a write failure (after the rollback: names the file, says nothing changed).
 */
export async function addServer(raw: unknown, run: AddServerRunOptions = {}): Promise<AddServerResult> {
  const opts = parseAddServerOptions(raw);
  const loaded = run.loaded ?? (await loadManifestFrom(opts.cwd));
  if (run.dryRun) return planAndApply(loaded, opts, run);
  // Plan and apply under the busy marker, so a concurrent sync cannot interleave.
  const release = await acquireBusy(loaded.root, "add-server");
  try {
    if (validateServerName(opts.name) === true) await removeKilledRunLeftovers(loaded.root, toFolder(opts.name));
    // Read again under the marker: taking it over may have finished a killed run's commit.
    return await planAndApply(await loadManifest(loaded.root), opts, run, release.record);
  } finally {
    await release();
  }
}

async function planAndApply(loaded: LoadedManifest, opts: ReturnType<typeof parseAddServerOptions>, run: AddServerRunOptions, record?: (journal: JournalEntry[]) => Promise<void>): Promise<AddServerResult> {
  const plan = await planAddServerIn(loaded, opts.name, opts.description, opts.targets);
  const dirty = await uncommittedChanges(plan.root, touchedPaths(plan));
  if (dirty && dirty.length > 0 && !run.dryRun && !run.allowDirty) {
    throw new UserError(
      `uncommitted changes in ${dirty.join(", ")}, which add-server would modify; commit or stash them first, or pass --allow-dirty (nothing was written)`,
    );
  }
  if (run.dryRun) return { ...plan, dryRun: true, dirty };
  await applyPlan(plan, run.beforeCommit, record);
  return { ...plan, dryRun: false, dirty };
}

/** Root-relative paths add-server would write: the new folder and each root file it creates or updates. */
export function touchedPaths(plan: AddServerPlan): string[] {
  const out = new Set<string>([plan.server.folder]);
  for (const c of plan.changes) {
    if (c.kind === "unchanged") continue;
    if (!c.path.startsWith(`${plan.server.folder}/`)) out.add(c.path);
  }
  return [...out];
}

async function applyPlan(plan: AddServerPlan, beforeCommit: AddServerRunOptions["beforeCommit"], onStaged?: (journal: JournalEntry[]) => Promise<void>): Promise<void> {
  try {
    await applyChanges(plan.root, plan.changes, { beforeCommit, onStaged });
  } catch (err) {
    if (isUserError(err)) throw err;
    const e = err as NodeJS.ErrnoException;
    const what = e.path ? path.relative(plan.root, e.path).replace(/(^|[\\/])\.([^\\/]+)\.mcpm-(tmp|bak)-[0-9a-f]{8}$/, "$1$2") : "a file";
    throw new UserError(`add-server could not write ${what} (${e.code ?? e.message}); every change was rolled back, nothing was changed`);
  }
}
