import * as fs from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { isTransientName } from "../core/plan.js";
import { listVendorableFiles, sha256 } from "../core/vendor.js";
import type { FileFingerprint } from "./types.js";

/**
 * Reading the disk for sync: fingerprints of a vendored folder and the
 * transient leftovers a killed write may have left.
 */

/** Most files read at once (keeps the file-descriptor count low on 100-server monorepos). */
const CONCURRENCY = 64;

/**
 * Runs `fn` over `items` with at most `limit` calls in flight.
 *
 * @returns results in input order.
 */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Fingerprints every vendorable file in a vendored folder (`server-x/src/shared/`).
 * Never-vendored junk (`__pycache__/`, `*.pyc`, `.env`, editor files) and transient
 * names are skipped. A symlink gets the fingerprint `symlink:<target>` so it never
 * equals a file. A missing folder is empty.
 *
 * @param dir - absolute vendored folder.
 * @returns POSIX path relative to `dir` → fingerprint.
 */
export async function scanVendored(dir: string): Promise<Map<string, FileFingerprint>> {
  const st = await fs.lstat(dir).catch(() => null);
  if (!st?.isDirectory()) return new Map();
  const rels = await listVendorableFiles(dir);
  const prints = await mapLimit(rels, CONCURRENCY, async (rel) => {
    const abs = path.join(dir, ...rel.split("/"));
    const lst = await fs.lstat(abs);
    if (lst.isSymbolicLink()) return { sha256: `symlink:${await fs.readlink(abs)}`, mode: lst.mode & 0o777 };
    return { sha256: sha256(await fs.readFile(abs)), mode: lst.mode & 0o777 };
  });
  return new Map(rels.map((r, i) => [r, prints[i]!]));
}

/**
 * Lists the transient files a killed `applyChanges` left in a folder tree
 * (`.<name>.mcpm-tmp-xxxxxxxx`, `.<name>.mcpm-bak-xxxxxxxx`); they are never user files.
 *
 * @param dir - absolute folder (missing: none).
 * @param opts.deep - search subfolders too (default true).
 * @returns POSIX paths relative to `dir`, sorted.
 */
export async function findLeftovers(dir: string, opts: { deep?: boolean } = {}): Promise<string[]> {
  const st = await fs.lstat(dir).catch(() => null);
  if (!st?.isDirectory()) return [];
  const found = await glob([opts.deep === false ? ".*.mcpm-*" : "**/.*.mcpm-*"], { cwd: dir, dot: true, onlyFiles: true, followSymbolicLinks: false, expandDirectories: false });
  return found.filter((p) => isTransientName(path.posix.basename(p))).sort();
}
