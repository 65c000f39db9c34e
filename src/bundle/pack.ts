import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CancelledError, UserError } from "../kernel/errors.js";
import { cacheKey, entryPath, readEntry, writeEntry } from "./build-cache.js";
import { compileJobs, compileUnit, isSource, pycPath, pythonIdentity, unitOf } from "./compile.js";
import { deflateContent, type Deflated } from "./zip.js";

/**
 * The staged tree made ready for the zip: bytecode compiled, every file deflated, unit by unit
 * ({@link unitOf}: the server's own files, and each top-level package or module of `deps/`).
 *
 * A unit's result, its files and `.pyc` files deflated as the zip stores them plus the `.pyc`
 * bytes themselves, is kept in the build cache (build-cache.ts) under a key of the unit's file
 * paths and contents (SHA-256), the interpreter's identity ({@link pythonIdentity}) or "no
 * bytecode", and zlib's version. A later build whose unit has the same files takes it from there:
 * no interpreter started, nothing deflated; its `.pyc` files are written into the staged tree, so
 * the load check imports them as the runtime will. A unit's bytes do not depend on the rest of the
 * bundle (compile.ts), so a bundle is the same byte for byte whether its units came from the cache
 * or not.
 */

/** Version of the unit entries' layout; part of every key. */
const FORMAT = "bundle-unit-1";
/** Files of one unit read and deflated at once. */
const BATCH = 32;

/** One file of the zip, deflated. */
export interface PackedEntry {
  name: string;
  deflated: Deflated;
}

/** What {@link packTree} did. */
export interface PackResult {
  entries: PackedEntry[];
  /** Units built (compiled when they hold sources, deflated). */
  built: number;
  /** Units taken from the cache. */
  cached: number;
}

/**
 * Compiles (when `python` is given) and deflates the files `rels` of the staged tree at `root`.
 *
 * @param opts.rels - POSIX paths relative to `root`: what the zip holds besides bytecode.
 * @param opts.python - the bundle's interpreter, or null for a bundle without bytecode.
 * @param opts.cache - build cache folder; without it every unit is built and nothing kept.
 * @returns one entry per file of `rels` and per `.pyc` compiled (a source that does not compile
 *   has none).
 * @throws UserError when the interpreter cannot be run or fails, or a file cannot be read;
 *   CancelledError when `signal` aborts.
 */
export async function packTree(opts: { root: string; rels: readonly string[]; python: string | null; env: NodeJS.ProcessEnv; signal?: AbortSignal; cache?: string }): Promise<PackResult> {
  const { root, signal, cache } = opts;
  const identity = opts.python ? await pythonIdentity(opts.python, opts.env, signal) : null;
  const base = [FORMAT, process.versions.zlib ?? "", identity?.key ?? "no bytecode"];
  const units = new Map<string, string[]>();
  for (const rel of opts.rels) {
    const unit = unitOf(rel);
    if (!units.has(unit)) units.set(unit, []);
    units.get(unit)!.push(rel);
  }
  const entries: PackedEntry[] = [];
  const misses: Array<{ unit: string; rels: string[]; pycs: string[]; key: string | null; weight: number }> = [];
  let cached = 0;
  for (const unit of [...units.keys()].sort()) {
    cancelled(signal);
    const rels = units.get(unit)!.sort();
    const pycs = identity ? rels.filter(isSource).map((r) => pycPath(r, identity.tag)) : [];
    let key: string | null = null;
    let weight = rels.length;
    if (cache) {
      const parts: Array<string | Uint8Array> = [...base, unit];
      weight = 0;
      for (const rel of rels) {
        const data = readStaged(root, rel, false)!;
        weight += data.length;
        parts.push(rel, createHash("sha256").update(data).digest());
      }
      key = cacheKey(parts);
      const hit = await readEntry(entryPath(cache, "unit", key));
      const restored = hit ? restoreUnit(hit, root, rels, new Set(pycs)) : null;
      if (restored) {
        entries.push(...restored);
        cached++;
        continue;
      }
    }
    misses.push({ unit, rels, pycs, key, weight });
  }
  // Largest first, so the last unit to finish is a small one.
  misses.sort((a, b) => b.weight - a.weight || (a.unit < b.unit ? -1 : 1));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < misses.length; i = next++) {
      const m = misses[i]!;
      if (m.pycs.length) await compileUnit(opts.python!, root, m.unit, opts.env, signal);
      cancelled(signal);
      const rows = await deflateFiles(root, m.rels, m.pycs);
      entries.push(...rows.map(({ name, deflated }) => ({ name, deflated })));
      if (m.key && cache) await writeEntry(entryPath(cache, "unit", m.key), serialize(rows));
    }
  };
  await Promise.all(Array.from({ length: Math.min(compileJobs(opts.env), Math.max(1, misses.length)) }, worker));
  return { entries, built: misses.length, cached };
}

/** A unit's file, deflated, with its own bytes when it is bytecode (written back on a cache hit). */
interface Row extends PackedEntry {
  raw: Buffer | null;
}

/** Reads and deflates a unit's files and the `.pyc` files its compile wrote (a missing one is skipped). */
async function deflateFiles(root: string, rels: string[], pycs: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  const names = [...rels, ...pycs.filter((p) => !rels.includes(p))];
  for (let i = 0; i < names.length; i += BATCH) {
    const batch = await Promise.all(
      names.slice(i, i + BATCH).map(async (name, j) => {
        const isPyc = i + j >= rels.length;
        const content = readStaged(root, name, isPyc);
        if (!content) return null;
        return { name, deflated: await deflateContent(name, content), raw: isPyc ? content : null };
      }),
    );
    for (const r of batch) if (r) rows.push(r);
  }
  return rows;
}

/**
 * A unit's cache payload: a 4-byte length, a JSON list of `[name, size, crc, deflated length,
 * raw length]`, then for each row its deflated bytes and its raw bytes (bytecode only).
 */
function serialize(rows: Row[]): Uint8Array[] {
  const head = Buffer.from(JSON.stringify(rows.map((r) => [r.name, r.deflated.size, r.deflated.crc, r.deflated.data.length, r.raw?.length ?? 0])));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  const out: Uint8Array[] = [len, head];
  for (const r of rows) {
    out.push(r.deflated.data);
    if (r.raw) out.push(r.raw);
  }
  return out;
}

/**
 * The entries of a cached unit, its `.pyc` files written into the staged tree; null (nothing
 * trusted, nothing written) when the payload does not parse, misses one of `rels`, or names a
 * file that is neither one of `rels` nor one of `pycs`.
 */
function restoreUnit(payload: Buffer, root: string, rels: string[], pycs: Set<string>): PackedEntry[] | null {
  type Head = [string, number, number, number, number];
  let head: Head[];
  let at: number;
  try {
    const n = payload.readUInt32LE(0);
    head = JSON.parse(payload.subarray(4, 4 + n).toString("utf8"));
    at = 4 + n;
  } catch {
    return null;
  }
  if (!Array.isArray(head)) return null;
  const want = new Set(rels);
  const seen = new Set<string>();
  let total = at;
  for (const r of head) {
    if (!Array.isArray(r) || r.length !== 5 || typeof r[0] !== "string" || !r.slice(1).every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0)) return null;
    if (seen.has(r[0]) || !(want.has(r[0]) || pycs.has(r[0])) || (r[4] > 0) !== (!want.has(r[0]) && pycs.has(r[0]))) return null;
    seen.add(r[0]);
    total += r[3] + r[4];
  }
  if (total !== payload.length || rels.some((r) => !seen.has(r))) return null;
  const entries: PackedEntry[] = [];
  const made = new Set<string>();
  for (const [name, size, crc, dlen, rlen] of head) {
    entries.push({ name, deflated: { crc, size, data: payload.subarray(at, at + dlen) } });
    at += dlen;
    if (rlen) {
      const to = path.join(root, ...name.split("/"));
      const dir = path.dirname(to);
      if (!made.has(dir)) mkdirSync(dir, { recursive: true });
      made.add(dir);
      writeFileSync(to, payload.subarray(at, at + rlen));
      at += rlen;
    }
  }
  return entries;
}

/**
 * A file of the staged tree; null for a missing one when `optional` (a source that did not compile).
 *
 * @throws UserError naming the file when it cannot be read.
 */
function readStaged(root: string, rel: string, optional: boolean): Buffer | null {
  try {
    return readFileSync(path.join(root, ...rel.split("/")));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (optional && code === "ENOENT") return null;
    throw new UserError(`cannot read ${rel} of the staged bundle (${code ?? (err as Error).message})`);
  }
}

/** Throws a CancelledError once the build was aborted. */
function cancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
