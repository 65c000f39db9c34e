import * as fs from "node:fs";
import { isTransientName } from "./changes.js";

/**
 * Lists the transient files a killed `applyChanges` left directly in a folder
 * (`.<name>.mcpm-tmp-xxxxxxxx`, `.<name>.mcpm-bak-xxxxxxxx`); they are never user files.
 *
 * @param dir - absolute folder (missing: none).
 * @param forName - only leftovers of this file name (e.g. `requirements.txt`).
 * @returns names, sorted.
 */
export function findLeftovers(dir: string, forName?: string): string[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw err;
  }
  return names
    .filter((e) => e.isFile() && isTransientName(e.name) && (!forName || e.name.startsWith(`.${forName}.mcpm-`)))
    .map((e) => e.name)
    .sort();
}
