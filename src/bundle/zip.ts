import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import path from "node:path";
import zlib from "node:zlib";
import { promisify } from "node:util";
import type { ZipInputFile } from "fflate";
import { CancelledError, throwIfCancelled, UserError } from "../kernel/errors.js";

/**
 * A reproducible zip: the same entries give the same bytes, whoever builds it and whenever.
 * What would vary is pinned: entries sorted by path (byte order), every timestamp the ZIP epoch
 * 1980-01-01 00:00 in DOS format only (no extended-timestamp field, which would hold a time-zone
 * dependent Unix time), every mode `-rw-r--r--` (made by Unix), no directory entries, a fixed
 * deflate level per entry (Node's zlib: 6, but 1 for bytecode), no comment; the deflated bytes
 * also depend on zlib's version (`process.versions.zlib`). `@anthropic-ai/mcpb pack` stores real
 * modification times, so its output differs per build.
 *
 * Bytecode is about half of the entries; deflating it at level 1 instead of 6 made the `ops`
 * bundle (6,698 entries, 3,074 `.pyc`) 2.7% larger and its write with yazl 16% cheaper in CPU
 * (6.8 s against 8.1 s); storing `.pyc` uncompressed saved 30% but made the bundle 61% larger.
 * Entries can come already deflated (pack.ts keeps them in the build cache), which yazl cannot
 * take; fflate's `Zip` takes any deflated stream with its CRC and sizes.
 */

/** Deflate level of an entry: fixed by its name, so the same entries give the same bytes. */
export function deflateLevel(name: string): number {
  return name.endsWith(".pyc") ? 1 : 6;
}

/** One entry: its path inside the zip and a file on disk, bytes, or bytes already deflated by {@link deflateContent}. */
export type ZipEntry = { name: string; file: string } | { name: string; data: Buffer } | { name: string; deflated: Deflated };

/** An entry's content deflated at {@link deflateLevel} of its name: CRC-32 and size of the content, and the raw deflate bytes. */
export interface Deflated {
  crc: number;
  size: number;
  data: Uint8Array;
}

const deflateRaw = promisify(zlib.deflateRaw);

/**
 * Deflates the content of the entry `name` as the zip stores it (on Node's thread pool).
 *
 * @returns what a `{ name, deflated }` entry holds; the same bytes for the same content, name
 *   level and zlib version.
 */
export async function deflateContent(name: string, content: Buffer): Promise<Deflated> {
  return { crc: crc32(content), size: content.length, data: await deflateRaw(content, { level: deflateLevel(name) }) };
}

/** Fixed DOS timestamp of every entry; built with local-time fields because fflate and yazl read them so. */
const EPOCH = () => new Date(1980, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;

/**
 * Writes `entries` to `out` as a reproducible zip.
 *
 * Each entry is read whole, deflated on Node's thread pool (a few at once, written in order;
 * an entry given already deflated is copied), and added to the archive by fflate's streaming
 * `Zip` as deflated data (local header, data, data descriptor; the central directory at the end).
 * An archive past the classic zip limits (more than 65,535 entries, 4 GiB, a file over 2 GiB) is
 * written by yazl instead, with zip64 records.
 *
 * @param entries - names must be unique POSIX paths without a leading `/`.
 * @param opts.signal - aborts the write (the partial file is the caller's to remove).
 * @returns the file's size in bytes and its SHA-256 (lower-case hex).
 * @throws UserError, one line, when a file cannot be read or changes size while it is read,
 *   or the output cannot be written ("no space left on DIR"); CancelledError when `signal` aborts.
 */
export async function writeReproducibleZip(entries: ZipEntry[], out: string, opts: { signal?: AbortSignal } = {}): Promise<{ size: number; sha256: string }> {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const written = sorted.length > MAX_ENTRIES ? false : await writeWithFflate(sorted, out, opts);
  if (!written) await writeWithYazl(sorted, out, opts);
  const size = (await fs.stat(out)).size;
  return { size, sha256: await sha256File(out) };
}

/** Most entries a zip without zip64 records can count. */
const MAX_ENTRIES = 0xffff;
/** Largest offset or size a zip without zip64 records can hold. */
const MAX_OFFSET = 0xfffffffe;
/** Entries read and deflated ahead of the one being written. */
const AHEAD = 16;

/** Thrown inside writeWithFflate when the archive needs zip64 records. */
class NeedsZip64 extends Error {}

/** Reads and deflates one entry (a deflated one as it is). */
async function deflateEntry(e: ZipEntry): Promise<Deflated> {
  if ("deflated" in e) return e.deflated;
  try {
    return await deflateContent(e.name, "file" in e ? await fs.readFile(e.file) : e.data);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_FS_FILE_TOO_LARGE") throw new NeedsZip64();
    throw err;
  }
}

/**
 * Writes sorted entries with fflate. False when the archive needs zip64 (the caller writes it
 * with yazl); throws what {@link writeReproducibleZip} throws.
 */
async function writeWithFflate(sorted: ZipEntry[], out: string, opts: { signal?: AbortSignal }): Promise<boolean> {
  const { Zip } = await import("fflate");
  const chunks: Array<Uint8Array<ArrayBufferLike>> = [];
  let held = 0;
  let failure: unknown = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure ??= err;
    else {
      chunks.push(chunk);
      held += chunk.length;
    }
  });
  let fh: fs.FileHandle | null = null;
  let offset = 0;
  // Writes what fflate gave, in pieces of at least 1 MiB (each entry is a few small chunks).
  const flush = async (all: boolean) => {
    if (failure) throw failure;
    if (!all && held < 1 << 20) return;
    const buf = Buffer.concat(chunks);
    chunks.length = 0;
    held = 0;
    for (let at = 0; at < buf.length; ) at += (await fh!.write(buf, at, buf.length - at)).bytesWritten;
    offset += buf.length;
    if (offset > MAX_OFFSET) throw new NeedsZip64();
  };
  const pending: Promise<Deflated>[] = [];
  let queued = 0;
  const fill = () => {
    while (pending.length < AHEAD && queued < sorted.length) {
      const p = deflateEntry(sorted[queued++]!);
      p.catch(() => {}); // awaited in order below; a later failure must not go unhandled meanwhile
      pending.push(p);
    }
  };
  try {
    fh = await fs.open(out, "w");
    fill();
    for (const e of sorted) {
      throwIfCancelled(opts.signal);
      const d = await pending.shift()!;
      fill();
      if (d.size > MAX_OFFSET || d.data.length > MAX_OFFSET) throw new NeedsZip64();
      const file: ZipInputFile = { filename: e.name, size: d.size, crc: d.crc, compression: 8, mtime: EPOCH(), attrs: FILE_MODE * 0x10000, os: 3 };
      zip.add(file);
      // fflate types its chunks as ArrayBuffer-backed; a Buffer from zlib or readFile is.
      file.ondata!(null, d.data as Uint8Array<ArrayBuffer>, true);
      await flush(false);
    }
    zip.end();
    await flush(true);
    await fh.close();
    fh = null;
    return true;
  } catch (err) {
    await Promise.allSettled(pending);
    if (err instanceof NeedsZip64) return false;
    throw zipError(err, out);
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** Writes sorted entries with yazl (zip64 when needed). */
async function writeWithYazl(sorted: ZipEntry[], out: string, opts: { signal?: AbortSignal }): Promise<void> {
  // yazl is CommonJS: bundled by esbuild, its exports arrive on `default` (Node's own ESM
  // loader also offers them as named exports); take whichever is there.
  const yazl = await import("yazl");
  const ZipFile = yazl.default?.ZipFile ?? yazl.ZipFile;
  const zip = new ZipFile();
  const base = { mtime: EPOCH(), mode: FILE_MODE, compress: true, forceDosTimestamp: true };
  for (const e of sorted) {
    const options = { ...base, compressionLevel: deflateLevel(e.name) };
    if ("file" in e) zip.addFile(e.file, e.name, options); // opened lazily, one at a time
    else zip.addBuffer("data" in e ? e.data : zlib.inflateRawSync(e.deflated.data), e.name, options);
  }
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const sink = createWriteStream(out);
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      opts.signal?.removeEventListener("abort", onAbort);
      zip.outputStream.unpipe(sink);
      sink.destroy();
      reject(zipError(err, out));
    };
    const onAbort = () => fail(new CancelledError());
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    // yazl reports a file it cannot read, or one whose size changed since it was queued, on the ZipFile itself.
    (zip as unknown as NodeJS.EventEmitter).on("error", fail);
    zip.outputStream.on("error", fail).pipe(sink).on("error", fail).on("close", () => {
      opts.signal?.removeEventListener("abort", onAbort);
      if (!failed) resolve();
    });
  });
}


/** CRC-32 (the zip one) of `data`: Node's zlib.crc32 where there is one (Node 20.15+), else a table. */
function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  const table = (CRC_TABLE ??= Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  }));
  let c = 0xffffffff;
  for (const b of data) c = table[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
let CRC_TABLE: number[] | undefined;

/** One line for a failed zip write. */
function zipError(err: unknown, out: string): Error {
  if (err instanceof UserError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code === "ENOSPC") return new UserError(`no space left on ${path.dirname(path.dirname(out))} while writing the bundle; free some space and run bundle again`);
  if (e.code === "EDQUOT") return new UserError(`disk quota exceeded on ${path.dirname(path.dirname(out))} while writing the bundle`);
  if (/unexpected number of bytes/.test(e.message ?? "")) return new UserError(`a file changed while the bundle was written (${e.message}); run bundle again`);
  return new UserError(`cannot write the bundle ${path.basename(out)}: ${e.code ?? e.message}`);
}

/** SHA-256 of a file, lower-case hex (streamed). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
