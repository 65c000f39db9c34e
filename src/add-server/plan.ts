import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { loadManifestFrom, parseManifest, serverEntry, type LoadedManifest, type Target } from "../monorepo/manifest.js";
import { addTargetsToManifestText, sortTargets } from "../monorepo/manifest-targets.js";
import { planTargetArtefacts } from "../add-target/index.js";
import { readTextOrNull } from "../kernel/fs.js";
import { diffAgainstDisk, type DesiredFile, type FileChange } from "../monorepo/changes.js";
import { serverData, serverFiles } from "../scaffold/server-files.js";
import { planRootTargetFiles } from "../scaffold/root-targets.js";
import { readCanonicalShared, SHARED_DIR } from "../monorepo/vendor.js";
import { SHARED_REQUIREMENTS } from "../monorepo/requirements.js";
import { checkSharedRequirements } from "../monorepo/requirements-merge.js";
import { checkSharedEnv, SHARED_ENV_FILE } from "../monorepo/env-block.js";
import { addedTargetsProblem, pythonTargetsProblem } from "../monorepo/deploy-compat.js";
import { parseAddServerOptions } from "./options.js";
import { assertServerCanBeAdded } from "./preflight.js";
import { renderRootUpdates, rootFileOrder } from "./root-updates.js";
import type { AddServerPlan } from "./types.js";

/**
 * Plans `add-server` without writing anything or prompting: finds the
 * monorepo above `cwd`, runs every refusal, renders the new `server-<name>/` with
 * the same functions `create` uses (src/scaffold/server-files.ts: the node-plop `server`
 * generator, a vendored copy of the **current** canonical `shared/`, requirements.txt
 * with `shared/requirements.txt` in the managed block), and computes the updates
 * of the manifest, README table, root `.env.example` and lock.
 *
 * @param raw - `{ cwd, name, description? }`, validated by `addServerOptionsSchema`.
 * @returns the plan (changes in commit order, lock last).
 * @throws UserError for: not inside a monorepo (names the file looked for and where from);
 *   an unreadable or invalid manifest (file:line: problem); an invalid or clashing name;
 *   a server folder deleted by hand; an existing unlisted folder; a missing `shared/`;
 *   a `shared/requirements.txt` line FastMCP Cloud cannot install (the rules `sync` applies).
 */
export async function planAddServer(raw: unknown): Promise<AddServerPlan> {
  const opts = parseAddServerOptions(raw);
  const loaded = await loadManifestFrom(opts.cwd);
  return planAddServerIn(loaded, opts.name, opts.description, opts.targets);
}

/**
 * {@link planAddServer} for a manifest already loaded (the CLI loads it first to validate prompts).
 *
 * @param loaded - from `loadManifestFrom` / `loadManifest`.
 * @param name - the new server's name.
 * @param description - its one-line description (already defaulted).
 * @param targets - `--target` values: the new server gets the artefacts of the manifest's targets
 *   and of these; one the manifest does not list yet is added to `targets:` and its artefacts are
 *   written for the existing servers too (src/add-target/plan.ts), so every server stays deployable.
 * @throws UserError also when an artefact of a new target already exists in another server (names it), and
 *   when a `--target` the manifest lacks cannot run its Python (as `create` refuses it).
 */
export async function planAddServerIn(original: LoadedManifest, name: string, description: string, targets: readonly Target[] = []): Promise<AddServerPlan> {
  const warnings = await assertServerCanBeAdded(original, name);
  const { root } = original;
  const newTargets = sortTargets(targets.filter((t) => !original.manifest.targets.includes(t)));
  const refused = addedTargetsProblem(original.manifest.python, newTargets, "add-server --target");
  if (refused) throw new UserError(refused);
  let loaded = original;
  const targetChanges: FileChange[] = [];
  if (newTargets.length > 0) {
    const planned = await planTargetArtefacts(original, newTargets, "add-server");
    targetChanges.push(...planned.changes);
    warnings.push(...planned.warnings);
    loaded = parseManifest(addTargetsToManifestText(original, newTargets).text, root);
  }
  const disagree = pythonTargetsProblem(loaded.manifest.python, loaded.manifest.targets);
  if (disagree) {
    // The monorepo already disagrees (its manifest was edited); the new server inherits it: say so.
    warnings.push(`mcp-monorepo.yaml: python "${disagree.python}" with target ${disagree.target}: ${disagree.message}; \`check\` will flag every server until python is ${disagree.highestPython} or lower, or ${disagree.target} is replaced by another target`);
  }
  const entry = serverEntry(name, description);
  const server = serverData(name, description);

  const vendored = await readCanonicalShared(root);
  const sharedRequirements = (await readTextOrNull(path.join(root, SHARED_DIR, "requirements.txt"), `${SHARED_DIR}/requirements.txt`)) ?? "";
  const problem = checkSharedRequirements(sharedRequirements, SHARED_REQUIREMENTS)[0];
  if (problem) {
    throw new UserError(`${problem.file}:${problem.line}: ${problem.message}; fix it first: the new server would inherit it (sync refuses it too)`);
  }
  const sharedEnv = await readTextOrNull(path.join(root, ...SHARED_ENV_FILE.split("/")), SHARED_ENV_FILE);
  const envProblem = sharedEnv === null ? undefined : checkSharedEnv(sharedEnv)[0];
  if (envProblem) {
    throw new UserError(`${envProblem.file}:${envProblem.line}: ${envProblem.message}; fix it first: the new server would inherit it (sync refuses it too)`);
  }
  const files = await serverFiles({ server, python: loaded.manifest.python, shared: vendored, sharedRequirements, sharedEnv, targets: loaded.manifest.targets });
  const serverChanges = await diffAgainstDisk(root, files);
  const existing = serverChanges.find((c) => c.kind !== "create");
  if (existing) throw new UserError(`${existing.path} already exists; add-server never overwrites files: move it away or pick another name`);

  const { updates, manifest, notes } = await renderRootUpdates(loaded, entry, server, vendored);
  const rootChanges: FileChange[] = [];
  for (const [rel, text] of rootFileOrder(updates)) {
    rootChanges.push(...(await diffAgainstDisk(root, new Map<string, DesiredFile>([[rel, { content: text, mode: await keepMode(root, rel) }]]))));
  }
  if (updates.readmeCreated) notes.push("README.md did not exist; it is created with just the Deployment table");
  // compose.yaml and kustomization.yaml list every server: the new one joins them.
  const rootTargets = await planRootTargetFiles(root, loaded.manifest, manifest);
  rootChanges.unshift(...rootTargets.changes);
  notes.push(...rootTargets.warnings);
  return {
    root,
    server: entry,
    manifest,
    changes: [...serverChanges, ...targetChanges, ...rootChanges],
    readmeAppended: updates.readmeAppended,
    warnings: [...warnings, ...notes],
  };
}

/** The mode to plan for a root file: kept when it exists (undefined), 0o644 when new. */
async function keepMode(root: string, rel: string): Promise<number | undefined> {
  return fs.stat(path.join(root, rel)).then(() => undefined, () => 0o644);
}
