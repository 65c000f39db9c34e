import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import path from "node:path";
import { CancelledError, UserError } from "../kernel/errors.js";

/**
 * A reproducible zip: the same entries give the same bytes, whoever builds it and whenever.
 * `yazl` writes the archive; what would vary is pinned: entries sorted by path (byte order),
 * every timestamp the ZIP epoch 1980-01-01 00:00 in DOS format only (`forceDosTimestamp`:
 * no extended-timestamp field, which would hold a time-zone dependent Unix time), every mode
 * `-rw-r--r--`, no directory entries, a fixed deflate level per entry (Node's zlib: 6, but 1 for
 * bytecode), no comment. `@anthropic-ai/mcpb pack` stores real modification times, so its output
 * differs per build.
 *
 * Bytecode is about half of the entries; deflating it at level 1 instead of 6 made the `ops`
 * bundle (6,698 entries, 3,074 `.pyc`) 2.7% larger and its write 16% cheaper in CPU (6.8 s
 * against 8.1 s); storing `.pyc` uncompressed saved 30% but made the bundle 61% larger.
 */

/** Deflate level of an entry: fixed by its name, so the same entries give the same bytes. */
export function deflateLevel(name: string): number {
  return name.endsWith(".pyc") ? 1 : 6;
}

/** One entry: its path inside the zip and either a file on disk or bytes. */
export type ZipEntry = { name: string; file: string } | { name: string; data: Buffer };

/** Fixed DOS timestamp of every entry; built with local-time fields because yazl reads them so. */
const EPOCH = () => new Date(1980, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;

/**
 * Writes `entries` to `out` as a reproducible zip.
 *
 * @param entries - names must be unique POSIX paths without a leading `/`.
 * @param opts.signal - aborts the write (the partial file is the caller's to remove).
 * @returns the file's size in bytes and its SHA-256 (lower-case hex).
 * @throws UserError, one line, when a file cannot be read or changes size while it is read
 *   (yazl's `error` event), or the output cannot be written ("no space left on DIR");
 *   CancelledError when `signal` aborts.
 */
export async function writeReproducibleZip(entries: ZipEntry[], out: string, opts: { signal?: AbortSignal } = {}): Promise<{ size: number; sha256: string }> {
  // yazl is CommonJS: bundled by esbuild, its exports arrive on `default` (Node's own ESM
  // loader also offers them as named exports); take whichever is there.
  const yazl = await import("yazl");
  const ZipFile = yazl.default?.ZipFile ?? yazl.ZipFile;
  const zip = new ZipFile();
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const base = { mtime: EPOCH(), mode: FILE_MODE, compress: true, forceDosTimestamp: true };
  for (const e of sorted) {
    const options = { ...base, compressionLevel: deflateLevel(e.name) };
    if ("file" in e) zip.addFile(e.file, e.name, options); // opened lazily, one at a time
    else zip.addBuffer(e.data, e.name, options);
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
  const size = (await fs.stat(out)).size;
  return { size, sha256: await sha256File(out) };
}

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
