import path from "node:path";
import { readTextOrNull } from "../kernel/fs.js";
import { diffAgainstDisk, type DesiredFile, type FileChange } from "../monorepo/changes.js";
import type { Manifest, Target } from "../monorepo/manifest.js";
import { renderRootTargetFiles, TARGET_SPECS } from "./targets.js";

/** What {@link planRootTargetFiles} decided. */
export interface RootTargetPlan {
  /** `create`/`update` changes of root artefacts (compose.yaml, kustomization.yaml). */
  changes: FileChange[];
  /** Root artefacts left as they are because they are not as the generator wrote them. */
  warnings: string[];
}

/**
 * Keeps the root artefacts of a manifest's targets (compose.yaml, kustomization.yaml) in step
 * with its servers (reads only). A missing file is created. An existing file is replaced only
 * when it is exactly what the generator rendered from `before` (the manifest as it was), so a
 * file the user edited, or a compose.yaml of their own, is never overwritten: it is left as it
 * is, with a warning naming what it should list.
 *
 * @param root - absolute monorepo root.
 * @param before - the manifest before the change (null: none, e.g. a target just added).
 * @param after - the manifest after the change.
 * @param targets - only these targets (default: every target of `after`).
 */
export async function planRootTargetFiles(root: string, before: Manifest | null, after: Manifest, targets: readonly Target[] = after.targets): Promise<RootTargetPlan> {
  const wanted = targets.filter((t) => after.targets.includes(t) && TARGET_SPECS[t].rootArtefacts.length > 0);
  const desired = new Map<string, DesiredFile>();
  const warnings: string[] = [];
  if (wanted.length === 0) return { changes: [], warnings };
  const now = await renderRootTargetFiles(wanted, after);
  const was = before === null ? new Map<string, DesiredFile>() : await renderRootTargetFiles(wanted.filter((t) => before.targets.includes(t)), before);
  for (const [rel, file] of now) {
    const current = await readTextOrNull(path.join(root, ...rel.split("/")));
    const rendered = String(file.content);
    if (current === null || current === rendered) {
      desired.set(rel, file);
      continue;
    }
    const previous = was.get(rel);
    if (previous !== undefined && String(previous.content) === current) {
      desired.set(rel, { content: rendered });
      continue;
    }
    const names = after.servers.map((s) => s.name).join(", ");
    warnings.push(
      `${rel} is not as create-mcp-monorepo wrote it (edited, or your own): left as it is; it should list ${after.servers.length === 1 ? "server" : "servers"} ${names || "(none)"}. Move it away and run \`npx create-mcp-monorepo add-target ${wanted.find((t) => TARGET_SPECS[t].rootArtefacts.some((a) => a.path === rel))}\` to write it again`,
    );
  }
  const changes = (await diffAgainstDisk(root, desired)).filter((c) => c.kind === "create" || c.kind === "update");
  return { changes, warnings };
}
