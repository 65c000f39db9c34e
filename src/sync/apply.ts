import * as fs from "node:fs/promises";
import path from "node:path";
import { assertContained, isWrite, resolveInside, type FileChange } from "../monorepo/changes.js";
import { commitChanges, type Commit } from "../monorepo/transaction.js";
import { VENDORED_DIR } from "../monorepo/vendor.js";
import type { SyncPlan } from "./types.js";

/** What {@link applySync} did. */
export interface SyncApplyResult {
  /** Files created or rewritten (root-relative), the lock included. */
  written: string[];
  /** Files removed (root-relative), leftovers excluded. */
  deleted: string[];
  /** Transient leftovers of a killed run that were removed. */
  leftoversRemoved: string[];
}

/**
 * Applies a sync plan: removes transient leftovers of killed runs, then writes
 * `plan.changes` with `applyChanges` (each file staged under a temporary name and
 * renamed into place, lock file last, full rollback on error), then removes
 * vendored folders that the deletions left empty. Writes nothing when the plan
 * has no changes and no leftovers, and nothing at all when any path it would write or
 * remove leads out of the monorepo through a symbolic link.
 *
 * @param root - absolute monorepo root.
 * @param plan - from `planSync`; its blocked servers have no entries in `changes`.
 * @param hooks.beforeCommit - passed to `applyChanges` (fault injection in tests).
 * @param hooks.commit - commits the changes (the write transaction's, journaled in the busy
 *   marker); default {@link commitChanges} as `sync`.
 * @throws UserError when a path leads out of the monorepo, or a file cannot be written (after the
 *   rollback: nothing changed).
 */
export async function applySync(
  root: string,
  plan: SyncPlan,
  hooks: { beforeCommit?: (change: FileChange) => void | Promise<void>; commit?: Commit } = {},
): Promise<SyncApplyResult> {
  const active = plan.changes.filter(isWrite);
  await assertContained(root, [...plan.leftovers.map((l) => l.path), ...active.map((c) => c.path)], "sync");
  const leftoversRemoved: string[] = [];
  for (const l of plan.leftovers) {
    await fs.rm(resolveInside(root, l.path), { force: true });
    leftoversRemoved.push(l.path);
  }
  if (active.length > 0) {
    const commit = hooks.commit ?? ((changes: FileChange[]) => commitChanges(root, changes, { command: "sync", rolledBack: SYNC_ROLLED_BACK, beforeCommit: hooks.beforeCommit }));
    await commit(active);
  }
  const deleted = active.filter((c) => c.kind === "delete").map((c) => c.path);
  await pruneEmptyDirs(root, deleted);
  return { written: active.filter((c) => c.kind !== "delete").map((c) => c.path), deleted, leftoversRemoved };
}

/** How a rolled-back sync ends its message. */
export const SYNC_ROLLED_BACK = "every change was rolled back";

/** Removes folders inside a vendored `src/shared/` that became empty after deletions (never `src/shared/` itself). */
async function pruneEmptyDirs(root: string, deleted: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const p of deleted) {
    const marker = `/${VENDORED_DIR}/`;
    const at = p.indexOf(marker);
    if (at < 0) continue;
    const base = p.slice(0, at + marker.length - 1);
    for (let d = path.posix.dirname(p); d.length > base.length && d.startsWith(base + "/"); d = path.posix.dirname(d)) dirs.add(d);
  }
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    await fs.rmdir(resolveInside(root, d)).catch(() => undefined);
  }
}
