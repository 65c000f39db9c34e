import * as fs from "node:fs";
import path from "node:path";
import { isTransientName } from "../monorepo/changes.js";
import { isNeverVendored, vendorHash } from "../monorepo/vendor.js";
import type { FileFingerprint } from "./types.js";

/**
 * Reading the disk for sync: fingerprints of a vendored folder, and the transient
 * leftovers a killed write left inside it.
 */

/**
 * Lists the vendorable files under `dir` (recursively, dot-files included) with their
 * type, skipping {@link isNeverVendored} paths and transient names. Symlinks are listed,
 * never followed. Synchronous on purpose: on a warm cache a 30,000-file scan is several
 * times faster than with promise-based fs calls (see bench/README.md).
 *
 * @returns `files`: POSIX relative paths, sorted, each with `symlink` true for a symbolic link;
 *   `leftovers`: transient files of a killed write (`.<name>.mcpm-tmp-xxxxxxxx`), sorted.
 */
export function listVendoredSync(dir: string): { files: Array<{ path: string; symlink: boolean }>; leftovers: string[] } {
  const files: Array<{ path: string; symlink: boolean }> = [];
  const leftovers: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!isNeverVendored(`${r}/x`)) walk(path.join(abs, e.name), r);
      } else if (isTransientName(e.name)) {
        if (e.isFile()) leftovers.push(r);
      } else if ((e.isFile() || e.isSymbolicLink()) && !isNeverVendored(r)) {
        files.push({ path: r, symlink: e.isSymbolicLink() });
      }
    }
  };
  walk(dir, "");
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { files: files.sort((a, b) => byPath(a.path, b.path)), leftovers: leftovers.sort(byPath) };
}

function readWithMode(abs: string): { content: Buffer; mode: number } {
  const fd = fs.openSync(abs, "r");
  try {
    const st = fs.fstatSync(fd);
    const content = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = fs.readSync(fd, content, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { content: off === st.size ? content : content.subarray(0, off), mode: st.mode & 0o777 };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Fingerprints every vendorable file in a vendored folder (`server-x/src/shared/`).
 * Never-vendored junk (`__pycache__/`, `*.pyc`, `.env`, editor files) and transient
 * names are skipped. A symlink gets the fingerprint `symlink:<target>` so it never
 * equals a file. A missing folder is empty.
 *
 * @param dir - absolute vendored folder.
 * @param expected - canonical files by relative path: a file byte-equal to its canonical
 *   counterpart takes the canonical hash without being hashed again (the no-op fast path).
 * @returns `files`: POSIX path relative to `dir` → fingerprint; `leftovers`: transient files found.
 */
export function scanVendored(dir: string, expected?: Map<string, { content: Buffer; sha256: string }>): { files: Map<string, FileFingerprint>; leftovers: string[] } {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return { files: new Map(), leftovers: [] };
  const out = new Map<string, FileFingerprint>();
  const listed = listVendoredSync(dir);
  for (const entry of listed.files) {
    const abs = path.join(dir, ...entry.path.split("/"));
    if (entry.symlink) {
      out.set(entry.path, { sha256: `symlink:${fs.readlinkSync(abs)}`, mode: fs.lstatSync(abs).mode & 0o777 });
      continue;
    }
    const { content, mode } = readWithMode(abs);
    const want = expected?.get(entry.path);
    out.set(entry.path, { sha256: want && want.content.equals(content) ? want.sha256 : vendorHash(content), mode });
  }
  return { files: out, leftovers: listed.leftovers };
}
