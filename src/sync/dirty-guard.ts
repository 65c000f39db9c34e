import { uncommittedChanges } from "../monorepo/git.js";
import { UserError } from "../kernel/errors.js";
import type { SyncPlan } from "./types.js";

/**
 * The uncommitted-changes guard of `sync --force` (the one `add-server` has): `--force`
 * discards hand edits of vendored files; when such a file has uncommitted git changes, the
 * edit exists nowhere else, so it is refused unless `allowDirty`.
 *
 * A plain sync needs no guard: it only rewrites vendored files that are byte-equal to what it
 * last wrote (the lock), and in requirements.txt / .env.example only the managed block.
 *
 * @param root - absolute monorepo root.
 * @param plan - the plan about to be applied.
 * @param allowDirty - `--allow-dirty`: report instead of refusing.
 * @returns the forced paths with uncommitted changes (root-relative; empty outside git).
 * @throws UserError naming the files when they are dirty and `allowDirty` is false (nothing written).
 */
export async function guardForcedOverwrites(root: string, plan: SyncPlan, allowDirty: boolean): Promise<string[]> {
  const forced = plan.conflicts.filter((c) => c.forced).map((c) => c.path);
  if (forced.length === 0) return [];
  const dirty = (await uncommittedChanges(root, forced)) ?? [];
  if (dirty.length > 0 && !allowDirty) {
    throw new UserError(
      `uncommitted changes in ${dirty.join(", ")}, which sync --force would overwrite; commit or stash them first, or pass --allow-dirty (nothing was written)`,
    );
  }
  return dirty;
}
