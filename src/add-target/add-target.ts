import type { LoadedManifest } from "../monorepo/manifest.js";
import { isWrite, type FileChange } from "../monorepo/changes.js";
import { monorepoOf } from "../monorepo/monorepo.js";
import { removeTransientFiles, runWrite } from "../monorepo/transaction.js";
import { parseAddTargetOptions, planAddTargetIn, type AddTargetPlan } from "./plan.js";

/** How `addTarget` runs (all optional). */
export interface AddTargetRunOptions {
  /** Plan and report only; write nothing. */
  dryRun?: boolean;
  /** Write even when files add-target would modify have uncommitted git changes. */
  allowDirty?: boolean;
  /** A manifest already loaded from the same place; read again before writing. */
  loaded?: LoadedManifest;
  /** Test hook passed to `applyChanges` (fault injection). */
  beforeCommit?: (change: FileChange) => void | Promise<void>;
}

/** What `addTarget` did or, with `dryRun`, would do. */
export interface AddTargetResult extends AddTargetPlan {
  dryRun: boolean;
  /** Root-relative files it would modify that have uncommitted changes (see add-server); null when not checked. */
  dirty: string[] | null;
}

/**
 * The core of `add-target` (never prompts): plans the new targets ({@link planAddTargetIn}) and
 * writes them through the monorepo's one write transaction (src/monorepo/transaction.ts): under
 * the busy marker, with the manifest read again, after removing the temporary files killed writers
 * left in the root and the server folders, refusing when a file it would modify has uncommitted
 * git changes (unless `allowDirty`), applying every file or none.
 *
 * @param raw - `{ cwd, targets }` (see `addTargetOptionsSchema`).
 * @throws UserError for every refusal of {@link planAddTargetIn}, for uncommitted changes (lists
 *   the files), and for a write failure (after the rollback).
 */
export async function addTarget(raw: unknown, run: AddTargetRunOptions = {}): Promise<AddTargetResult> {
  const opts = parseAddTargetOptions(raw);
  const result = await runWrite<AddTargetPlan, void>({
    command: "add-target",
    start: opts.cwd,
    opened: run.loaded ? monorepoOf(run.loaded) : undefined,
    dryRun: run.dryRun,
    allowDirty: run.allowDirty,
    beforeCommit: run.beforeCommit,
    removeLeftovers: removeTransientFiles,
    plan: (repo) => planAddTargetIn(repo.loaded, opts.targets),
    changes: (plan) => plan.changes,
    guard: (plan) => ({ paths: plan.changes.filter(isWrite).map((c) => c.path), verb: "add-target would modify" }),
  });
  return { ...result.plan, dryRun: result.dryRun, dirty: result.dirty };
}
