import * as fs from "node:fs/promises";
import path from "node:path";
import { isBusyFile } from "../monorepo/busy.js";
import { isTransientName } from "../monorepo/changes.js";

/**
 * Cleans what a killed `add-server` left: the temporary and backup files of its
 * transaction (`.<name>.mcpm-tmp-xxxxxxxx`, `.<name>.mcpm-bak-xxxxxxxx`) beside the root files
 * it updates (not the busy marker's own helper files), and inside the new server's folder; a server folder that holds nothing but such
 * files (a run killed while staging) is removed, so the next run can create it.
 *
 * Call only while holding the busy marker (src/monorepo/busy.ts): every writer holds it, so any
 * transient file found then belongs to a killed run.
 *
 * @param root - absolute monorepo root.
 * @param folder - the new server's folder, relative to root (e.g. `server-billing`).
 * @returns root-relative POSIX paths removed.
 */
export async function removeKilledRunLeftovers(root: string, folder: string): Promise<string[]> {
  const removed: string[] = [];
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    if (e.isFile() && isTransientName(e.name) && !isBusyFile(e.name)) {
      await fs.rm(path.join(root, e.name), { force: true });
      removed.push(e.name);
    }
  }
  const dir = path.join(root, folder);
  const st = await fs.lstat(dir).catch(() => null);
  if (!st?.isDirectory()) return removed;
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => !e.isDirectory());
  const transient = files.filter((e) => e.isFile() && isTransientName(e.name));
  if (transient.length === files.length) {
    await fs.rm(dir, { recursive: true, force: true });
    removed.push(`${folder}/`);
    return removed;
  }
  for (const e of transient) {
    const abs = path.join(e.parentPath, e.name);
    await fs.rm(abs, { force: true });
    removed.push(path.relative(root, abs).split(path.sep).join("/"));
  }
  return removed;
}
