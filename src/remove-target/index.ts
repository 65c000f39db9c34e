import * as fs from "node:fs/promises";
import path from "node:path";
import { CannotRunError } from "../kernel/errors.js";
import { isWrite, type DesiredFile, type FileChange } from "../monorepo/changes.js";
import { MANIFEST_FILE, TARGETS, type Manifest, type Target } from "../monorepo/manifest.js";
import type { Monorepo } from "../monorepo/monorepo.js";
import { removeTargetsFromManifestText } from "../monorepo/server-edits.js";
import { removeTransientFiles, runWrite } from "../monorepo/transaction.js";
import { didYouMean } from "../kernel/suggest.js";
import { rootListingChanges } from "../scaffold/root-listing.js";
import { serverData } from "../scaffold/server-files.js";
import { renderRootTargetFiles, renderTargetFiles } from "../scaffold/targets.js";

/** What `remove-target` is asked to do. */
export interface RemoveTargetOptions {
  cwd: string;
  targets: string[];
  /** Delete hand-edited artefacts too. */
  force?: boolean;
  dryRun?: boolean;
  allowDirty?: boolean;
  beforeCommit?: (change: FileChange) => void | Promise<void>;
}

/** The plan (or result) of `remove-target`. */
export interface RemoveTargetPlan {
  root: string;
  /** Targets taken out of the manifest, in TARGETS order. */
  removed: Target[];
  /** Requested targets the manifest did not list (their pristine files are still removed). */
  notListed: Target[];
  changes: FileChange[];
  /** Artefacts kept because they differ from what the generator writes (without `--force`). */
  kept: Array<{ path: string; reason: string }>;
  manifest: Manifest;
  warnings: string[];
  /**
   * Set when there is nothing to remove (no requested target is listed and no server has their
   * files): the plan changes nothing and says why. Running it again after it removed them, or after
   * a killed run was finished by the next command, is a no-op, as `add-target` of a listed target is.
   */
  upToDate?: string;
}

/** The result of `remove-target`. */
export interface RemoveTargetResult extends RemoveTargetPlan {
  dryRun: boolean;
  dirty: string[] | null;
}

/**
 * Validates target names (one of TARGETS, with a did-you-mean).
 *
 * @throws CannotRunError naming the unknown value (a bad option value: exit 2, as in every command).
 */
export function parseTargets(values: string[]): Target[] {
  if (values.length === 0) throw new CannotRunError(`name at least one target: ${TARGETS.join(", ")}`);
  for (const v of values) {
    if (!(TARGETS as readonly string[]).includes(v)) {
      const near = didYouMean(v, TARGETS);
      throw new CannotRunError(`unknown target "${v}"${near ? ` (did you mean "${near}"?)` : ""}; use one of ${TARGETS.join(", ")}`);
    }
  }
  return TARGETS.filter((t) => values.includes(t));
}

/** Plans removing `targets` (reads only). */
export async function planRemoveTarget(repo: Monorepo, opts: RemoveTargetOptions): Promise<RemoveTargetPlan> {
  const targets = parseTargets(opts.targets);
  const listed = repo.manifest.targets;
  const removed = targets.filter((t) => listed.includes(t));
  const notListed = targets.filter((t) => !listed.includes(t));
  const changes: FileChange[] = [];
  const kept: RemoveTargetPlan["kept"] = [];
  const warnings: string[] = [];
  /** A file byte for byte as rendered is deleted; any other is kept and reported (deleted with --force). */
  const removeIfPristine = async (rendered: Map<string, DesiredFile>) => {
    for (const [rel, want] of rendered) {
      const abs = path.join(repo.root, ...rel.split("/"));
      const has = await fs.lstat(abs).catch(() => null);
      if (!has) continue;
      const pristine = has.isFile() && (await fs.readFile(abs)).equals(Buffer.isBuffer(want.content) ? want.content : Buffer.from(want.content));
      if (pristine || opts.force) changes.push({ path: rel, kind: "delete" });
      else kept.push({ path: rel, reason: has.isFile() ? "edited since it was generated" : "not a regular file" });
    }
  };
  for (const s of repo.servers) {
    const st = await fs.lstat(s.dir).catch(() => null);
    if (!st?.isDirectory()) {
      warnings.push(`${s.folder}/ is ${st ? "not a folder" : "missing"}; no files of ${targets.join(", ")} were looked for there`);
      continue;
    }
    const env = await fs.readFile(path.join(s.dir, ".env.example"), "utf8").catch(() => null);
    const rendered = await renderTargetFiles(targets, { server: { ...serverData(s.name, s.description), folder: s.folder }, python: repo.manifest.python, envExample: env });
    await removeIfPristine(rendered);
  }
  // Root artefacts (compose.yaml, kustomization.yaml): the same rule, rendered from the whole manifest.
  await removeIfPristine(await renderRootTargetFiles(targets, repo.manifest));
  if (removed.includes("docker") && listed.includes("k8s") && !targets.includes("k8s")) {
    warnings.push("k8s stays: its manifests run the image built from each server's Dockerfile; build the image another way, or remove k8s too");
  }
  if (removed.length === 0 && changes.length === 0) {
    const upToDate = `${targets.join(", ")} ${targets.length === 1 ? "is" : "are"} not listed in ${MANIFEST_FILE} (targets: ${listed.join(", ") || "none"}) and no server has ${targets.length === 1 ? "its" : "their"} generated files; nothing to remove`;
    return { root: repo.root, removed: [], notListed, changes: [], kept, manifest: repo.manifest, warnings, upToDate };
  }
  const root = await rootListingChanges(repo.root, { manifestText: removeTargetsFromManifestText(repo.loaded, removed) });
  return { root: repo.root, removed, notListed, changes: [...changes, ...root.changes], kept, manifest: root.manifest, warnings: [...warnings, ...root.warnings] };
}

/**
 * The core of `remove-target` (never prompts): deletes the per-server and root files of `targets` that are
 * byte for byte what the generator renders for the current manifest (hand-edited ones are kept and
 * reported unless `force`), takes the targets out of the manifest's `targets:` and their columns out
 * of the README Deployment table, through the one write transaction.
 */
export async function removeTarget(opts: RemoveTargetOptions): Promise<RemoveTargetResult> {
  const result = await runWrite<RemoveTargetPlan, void>({
    command: "remove-target",
    start: opts.cwd,
    dryRun: opts.dryRun,
    allowDirty: opts.allowDirty,
    beforeCommit: opts.beforeCommit,
    removeLeftovers: removeTransientFiles,
    plan: (repo) => planRemoveTarget(repo, opts),
    changes: (plan) => plan.changes,
    guard: (plan) => ({ paths: plan.changes.filter(isWrite).map((c) => c.path), verb: "remove-target would change or delete" }),
  });
  return { ...result.plan, dryRun: result.dryRun, dirty: result.dirty };
}
