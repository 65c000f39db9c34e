import type { LoadedManifest } from "../monorepo/manifest.js";
import type { FileChange } from "../monorepo/changes.js";
import { monorepoOf } from "../monorepo/monorepo.js";
import { toFolder, validateServerName } from "../monorepo/names.js";
import { runWrite } from "../monorepo/transaction.js";
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
  /** A manifest already loaded from the same place (the CLI loads it before prompting); read again before writing. */
  loaded?: LoadedManifest;
  /** Test hook passed to `applyChanges`: called before each file is renamed into place (fault injection). */
  beforeCommit?: (change: FileChange) => void | Promise<void>;
}

/**
 * The core of `add-server` (never prompts): plans the new server and the root updates
 * ({@link planAddServerIn}) and writes them through the monorepo's one write transaction
 * (src/monorepo/transaction.ts): under the busy marker, with the manifest read again, after
 * removing what a killed add-server left ({@link removeKilledRunLeftovers}), refusing when a file
 * it would modify has uncommitted git changes (unless `allowDirty`), and applying every file or
 * none (a run killed half way through the renames is finished by the next writer).
 *
 * @param raw - `{ cwd, name, description?, targets? }` (see `addServerOptionsSchema`).
 * @param run - dry run, allow dirty, preloaded manifest, test hook.
 * @returns what was done (or, with `dryRun`, would be done).
 * @throws UserError for every refusal of {@link planAddServerIn}; for uncommitted changes
 *   (lists the files); for a write failure (after the rollback: names the file, says nothing changed).
 */
export async function addServer(raw: unknown, run: AddServerRunOptions = {}): Promise<AddServerResult> {
  const opts = parseAddServerOptions(raw);
  const result = await runWrite<AddServerPlan, void>({
    command: "add-server",
    start: opts.cwd,
    opened: run.loaded ? monorepoOf(run.loaded) : undefined,
    dryRun: run.dryRun,
    allowDirty: run.allowDirty,
    beforeCommit: run.beforeCommit,
    removeLeftovers: async (repo) => {
      if (validateServerName(opts.name) === true) await removeKilledRunLeftovers(repo.root, toFolder(opts.name));
    },
    plan: (repo) => planAddServerIn(repo.loaded, opts.name, opts.description, opts.targets),
    changes: (plan) => plan.changes,
    guard: (plan) => ({ paths: touchedPaths(plan), verb: "add-server would modify" }),
  });
  return { ...result.plan, dryRun: result.dryRun, dirty: result.dirty };
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
