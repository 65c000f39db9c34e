import * as fs from "node:fs/promises";
import path from "node:path";
import type { FileChange } from "../monorepo/changes.js";

/** What {@link followK8sManifest} compares. */
export interface K8sFollowInput {
  /** Absolute monorepo root. */
  root: string;
  /** The server folder, POSIX, relative to the root. */
  folder: string;
  /** The server's manifest name and description. */
  server: { name: string; description?: string };
  /** The manifest's Python version. */
  python: string;
  /** The server's `.env.example` as it is on disk (null when missing). */
  envBefore: string | null;
  /** The `.env.example` sync writes. */
  envAfter: string;
}

/**
 * Keeps a server's `k8s.yaml` in step with its `.env.example` when `sync` rewrites the
 * shared-settings block: the ConfigMap lists every non-secret variable with its default and the
 * Deployment references every secret, both rendered from `.env.example` (src/scaffold/targets.ts).
 *
 * Only a pristine file follows: `k8s.yaml` is re-rendered from the new `.env.example` when it is
 * byte for byte what the k8s target renders from the current one, i.e. nobody edited it since
 * create/add-server/add-target (or the last sync) wrote it. An edited file is left alone, and the
 * `k8s-env` check rule names the variable it lacks.
 *
 * Loads the template engine only when called (sync's own start-up stays free of it).
 *
 * @returns `change`: the update of `<folder>/k8s.yaml`; `kept`: its path when it was edited by hand
 *   and would have changed; neither when there is no k8s.yaml or nothing to change.
 */
export async function followK8sManifest({ root, folder, server, python, envBefore, envAfter }: K8sFollowInput): Promise<{ change?: FileChange; kept?: string }> {
  const { artefactPaths, renderTargetFiles } = await import("../scaffold/targets.js");
  const rel = artefactPaths("k8s", folder)[0]!;
  const abs = path.join(root, ...rel.split("/"));
  const st = await fs.lstat(abs).catch(() => null);
  if (!st?.isFile()) return {};
  const now = await fs.readFile(abs, "utf8");
  const { serverData } = await import("../scaffold/server-files.js");
  // The manifest's folder, as add-target renders it (it may differ from server-<name>).
  const data = { ...serverData(server.name, server.description ?? ""), folder };
  const render = async (envExample: string | null) => (await renderTargetFiles(["k8s"], { server: data, python, envExample })).get(rel)?.content.toString() ?? null;
  const next = await render(envAfter);
  if (next === null || next === now) return {};
  if ((await render(envBefore)) !== now) return { kept: rel };
  return { change: { path: rel, kind: "update", content: Buffer.from(next, "utf8"), mode: st.mode & 0o777, reason: "ConfigMap and secret references follow the shared settings block" } };
}
