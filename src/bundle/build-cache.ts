import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import path from "node:path";

/**
 * The build cache of `bundle`: bytecode of dependency packages and deflated zip entries, kept
 * between builds under the user cache folder (`<cacheDir>/bundle/`, see kernel/cache.ts) so a
 * build does not compile and deflate the same files again.
 *
 * Content-addressed: an entry's name is a SHA-256 of everything its bytes depend on, so an entry
 * is either the right one or missing; it is never updated. Each entry is one file: an 8-byte
 * magic, the payload, and the SHA-256 of both (32 bytes). A file that is short, has another
 * magic or whose digest does not match (a torn write, a disk error, an edit) reads as missing,
 * and the caller rebuilds it and writes it again. Writes go to a temporary file in the same folder
 * and are renamed into place, so a reader never sees a partial entry; two builds writing the same
 * entry at once write the same bytes, and the last rename wins. The cache is an optimisation
 * only: an entry that cannot be written is skipped.
 */

const MAGIC = Buffer.from("MCPMBC1\n");
const DIGEST = 32;

/** Where one entry lives: `<dir>/<kind>/<first two hex digits>/<key>`. */
export function entryPath(dir: string, kind: string, key: string): string {
  return path.join(dir, kind, key.slice(0, 2), key);
}

/** SHA-256 (lower-case hex) of the given parts, each length-prefixed so they cannot run together. */
export function cacheKey(parts: ReadonlyArray<string | Uint8Array>): string {
  const h = createHash("sha256");
  for (const p of parts) {
    const b = typeof p === "string" ? Buffer.from(p) : p;
    const len = Buffer.alloc(8);
    len.writeUInt32LE(b.length >>> 0, 0);
    len.writeUInt32LE(Math.floor(b.length / 2 ** 32), 4);
    h.update(len).update(b);
  }
  return h.digest("hex");
}

/**
 * The payload of an entry, or null when it is missing, unreadable or damaged (see above).
 *
 * @param file - from {@link entryPath}.
 */
export async function readEntry(file: string): Promise<Buffer | null> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    return null;
  }
  if (bytes.length < MAGIC.length + DIGEST || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const body = bytes.subarray(0, bytes.length - DIGEST);
  if (!createHash("sha256").update(body).digest().equals(bytes.subarray(bytes.length - DIGEST))) return null;
  return bytes.subarray(MAGIC.length, bytes.length - DIGEST);
}

/**
 * Stores `payload` as the entry `file`: written to a temporary file beside it, then renamed.
 * Never throws: a cache that cannot be written only makes the next build slower.
 *
 * @param payload - chunks written one after the other.
 */
export async function writeEntry(file: string, payload: ReadonlyArray<Uint8Array>): Promise<void> {
  const tmp = `${file}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const h = createHash("sha256").update(MAGIC);
    for (const p of payload) h.update(p);
    await fs.writeFile(tmp, Buffer.concat([MAGIC, ...payload, h.digest()]));
    await fs.rename(tmp, file);
  } catch {
    await fs.rm(tmp, { force: true }).catch(() => {});
  }
}
