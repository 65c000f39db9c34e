import * as fs from "node:fs/promises";
import path from "node:path";
import * as z from "../kernel/zod.js";
import { readTextOrNull } from "../kernel/fs.js";
import { CannotRunError, UserError } from "../kernel/errors.js";
import { knownTarget, MANIFEST_FILE, parseManifest, TARGETS, type LoadedManifest, type Manifest, type Target } from "../monorepo/manifest.js";
import { diffAgainstDisk, type DesiredFile, type FileChange } from "../monorepo/changes.js";
import { serverData } from "../scaffold/server-files.js";
import { renderTargetFiles, TARGET_SPECS } from "../scaffold/targets.js";
import { README_FILE, updateReadme } from "../scaffold/readme.js";
import { addTargetsToManifestText, sortTargets } from "../monorepo/manifest-targets.js";
import { byCodeUnit } from "../kernel/compare.js";
import { addedTargetsProblem } from "../monorepo/deploy-compat.js";
import { planRootTargetFiles } from "../scaffold/root-targets.js";

/** Validated options of the `add-target` core (zod). */
export const addTargetOptionsSchema = z.object({
  /** Absolute folder to start from (walks up to `mcp-monorepo.yaml`). */
  cwd: z.string().check(z.refine((p) => path.isAbsolute(p), "cwd must be an absolute path")),
  /** Targets to add (at least one). */
  targets: z.array(z.string().check(knownTarget)).check(z.minLength(1, `name at least one target: ${TARGETS.join(", ")}`)),
});

/** Options of `addTarget` after validation. */
export interface AddTargetOptions {
  cwd: string;
  targets: Target[];
}

/**
 * Validates raw options.
 *
 * @throws UserError with the first problem as one line (an unknown target, none given).
 */
export function parseAddTargetOptions(raw: unknown): AddTargetOptions {
  const result = addTargetOptionsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    // An unknown target is a bad option value (exit 2), as in `check --target`.
    throw (issue as { params?: { unknownTarget?: boolean } }).params?.unknownTarget ? new CannotRunError(issue.message) : new UserError(issue.message);
  }
  return { cwd: result.data.cwd, targets: sortTargets(result.data.targets as Target[]) };
}

/** What `add-target` plans to do (data; the CLI prints it). */
export interface AddTargetPlan {
  /** Absolute monorepo root. */
  root: string;
  /** Targets this run adds (requested ones not yet in the manifest), in TARGETS order. */
  added: Target[];
  /** Requested targets the manifest already lists (nothing is done for them). */
  alreadyListed: Target[];
  /** The manifest after the change. */
  manifest: Manifest;
  /** Every file touched, in commit order: server artefacts, README.md, mcp-monorepo.yaml last. */
  changes: FileChange[];
  /** True when the README had no table markers and a fresh marked table is appended at its end. */
  readmeAppended: boolean;
  /** Advice that does not block (e.g. a server folder is missing, so it gets no artefacts). */
  warnings: string[];
  /** Set when every requested target is listed and complete: why nothing is written (not an error). */
  upToDate?: string;
}

/**
 * The per-server artefacts of `targets` for every server of the manifest whose folder exists,
 * rendered from the manifest's Python and each server's own `.env.example` (src/scaffold/targets.ts).
 *
 * @param opts.onlyMissing - plan only the files that do not exist yet, leaving existing ones as they are
 *   (for targets the manifest already lists: restores deleted artefacts without touching edited ones).
 * @returns the `create` changes, and warnings for servers skipped (folder missing).
 * @throws UserError naming the first file that already exists (unless `onlyMissing`): artefacts never overwrite a user's file.
 */
export async function planTargetArtefacts(
  loaded: LoadedManifest,
  targets: readonly Target[],
  command: string,
  opts: { onlyMissing?: boolean } = {},
): Promise<{ changes: FileChange[]; warnings: string[] }> {
  const { root, manifest } = loaded;
  const files = new Map<string, DesiredFile>();
  const warnings: string[] = [];
  for (const s of manifest.servers) {
    const folder = s.folder.replace(/\\/g, "/").replace(/\/$/, "");
    const dir = path.join(root, ...folder.split("/"));
    if (!(await fs.stat(dir).then((st) => st.isDirectory(), () => false))) {
      warnings.push(`server "${s.name}" is listed in ${MANIFEST_FILE} but ${folder}/ is missing, so it gets no ${targets.join(", ")} files`);
      continue;
    }
    // A folder reached through a symbolic link that leads out of the monorepo: writing there
    // would change files outside the tree add-target was run on.
    const real = await fs.realpath(dir);
    const realRoot = await fs.realpath(root);
    const rel = path.relative(realRoot, real);
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
      throw new UserError(`${folder}/ leads to ${real}, outside the monorepo (a symbolic link); ${command} writes only inside ${root}: replace the link with the folder (nothing was written)`);
    }
    const envExample = await readTextOrNull(path.join(dir, ".env.example"));
    const server = { ...serverData(s.name, s.description), folder };
    for (const [p, f] of await renderTargetFiles(targets, { server, python: manifest.python, envExample })) files.set(p, f);
  }
  const all = await diffAgainstDisk(root, files);
  const changes = opts.onlyMissing ? all.filter((c) => c.kind === "create") : all;
  const existing = changes.find((c) => c.kind !== "create");
  if (existing) {
    throw new UserError(`${existing.path} already exists; ${command} never overwrites files: move it away (or delete it) and run ${command} again (nothing was written)`);
  }
  return { changes, warnings };
}

/**
 * Plans `add-target` (writes nothing, never prompts): the artefacts of each new
 * target for every server ({@link planTargetArtefacts}), the manifest's `targets:` with the
 * new targets appended (byte-preserving splice), and the README Deployment table regenerated
 * with the new columns (only the bytes between its markers change).
 *
 * @param loaded - from `loadManifestFrom`.
 * @param requested - targets to add (validated names).
 * Targets the manifest already lists get only their missing files (restoring a deleted Dockerfile,
 * as `check`'s target-files rule advises); their existing files are left alone.
 *
 * Every requested target already listed and complete is a plan with no changes and `upToDate` set.
 *
 * @throws UserError when a new target cannot run the manifest's Python (as `create` refuses it); when an artefact file of a new target already
 *   exists (names it); when the new manifest would not validate.
 */
export async function planAddTargetIn(loaded: LoadedManifest, requested: readonly Target[]): Promise<AddTargetPlan> {
  const { root } = loaded;
  const alreadyListed = requested.filter((t) => loaded.manifest.targets.includes(t));
  const added = sortTargets(requested.filter((t) => !loaded.manifest.targets.includes(t)));
  const refused = addedTargetsProblem(loaded.manifest.python, added, "add-target");
  if (refused) throw new UserError(refused);
  const missing = alreadyListed.length > 0 ? await planTargetArtefacts(loaded, alreadyListed, "add-target", { onlyMissing: true }) : { changes: [], warnings: [] };
  // compose.yaml and kustomization.yaml of the listed targets, restored when missing.
  const listedRoot = alreadyListed.length > 0 ? await planRootTargetFiles(root, null, loaded.manifest, alreadyListed) : { changes: [], warnings: [] };
  if (added.length === 0 && missing.changes.length === 0 && listedRoot.changes.length === 0) {
    // Asking for what is already there is answered, not refused: the monorepo is as requested.
    const upToDate = `${alreadyListed.join(", ")} ${alreadyListed.length === 1 ? "is" : "are"} already listed in ${MANIFEST_FILE} (targets: ${loaded.manifest.targets.join(", ")}) and every server has its files; nothing to add`;
    return { root, added: [], alreadyListed, manifest: loaded.manifest, changes: [], readmeAppended: false, warnings: listedRoot.warnings, upToDate };
  }
  const fresh = added.length > 0 ? await planTargetArtefacts(loaded, added, "add-target") : { changes: [], warnings: [] };
  const artefacts = [...missing.changes, ...fresh.changes].sort((a, b) => byCodeUnit(a.path, b.path));
  const warnings = [...new Set([...missing.warnings, ...fresh.warnings])];
  const manifestText = addTargetsToManifestText(loaded, added).text;
  const manifest = added.length > 0 ? parseManifest(manifestText, root).manifest : loaded.manifest;
  const rootChanges: FileChange[] = [];
  let readme = { appended: false, created: false };
  if (added.length > 0) {
    // Only a new target changes the README table and the manifest.
    const updated = updateReadme(await readTextOrNull(path.join(root, README_FILE)), manifest);
    readme = updated;
    rootChanges.push(...(await diffAgainstDisk(root, new Map<string, DesiredFile>([[README_FILE, { content: updated.text }]]))));
    rootChanges.push(...(await diffAgainstDisk(root, new Map<string, DesiredFile>([[MANIFEST_FILE, { content: manifestText }]]))));
  }
  // compose.yaml and kustomization.yaml of the new targets; one the user already has is left as
  // it is, with a warning.
  const rootTargets = added.length > 0 ? await planRootTargetFiles(root, null, manifest, added) : { changes: [], warnings: [] };
  rootChanges.unshift(...listedRoot.changes, ...rootTargets.changes);
  warnings.push(...listedRoot.warnings, ...rootTargets.warnings);
  const notes = alreadyListed.map((t) => `${t} is already listed in ${MANIFEST_FILE}: only its missing files are written, existing ones are left as they are`);
  if (readme.created) notes.push(`${README_FILE} did not exist; it is created with just the Deployment table`);
  for (const t of added) if (TARGET_SPECS[t].artefacts.length === 0) notes.push(`${t} needs no files in the server folders`);
  return { root, added, alreadyListed, manifest, changes: [...artefacts, ...rootChanges], readmeAppended: readme.appended, warnings: [...warnings, ...notes] };
}
