import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { throwIfCancelled, UserError } from "../kernel/errors.js";
import { cacheKey, entryPath, readEntry, writeEntry } from "./build-cache.js";
import { compileJobs, compileUnit, isSource, pycPath, pythonIdentity, unitOf } from "./compile.js";
import { deflateContent, type Deflated } from "./zip.js";

/**
 * The staged tree made ready for the zip: bytecode compiled, every file deflated, unit by unit
 * ({@link unitOf}: the server's own files, and each top-level package or module of `deps/`).
 *
 * A unit's result, its files and `.pyc` files deflated as the zip stores them, is kept in the
 * build cache (build-cache.ts) under a key of the unit's file paths and contents (SHA-256), the
 * interpreter's identity ({@link pythonIdentity}) or "no bytecode", and zlib's version. A later
 * build whose unit has the same files takes it from there: no interpreter started, nothing
 * deflated, no `.pyc` file written (creating thousands of small files costs more than the load
 * check saves by importing them). A unit's bytes do not depend on the rest of the bundle
 * (compile.ts), so a bundle is the same byte for byte whether its units came from the cache or not.
 */

/** Version of the unit entries' layout; part of every key. */
const FORMAT = "bundle-unit-2";
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
    throwIfCancelled(signal);
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
      const restored = hit ? restoreUnit(hit, rels, new Set(pycs)) : null;
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
      if (m.pycs.length) await compileUnit(opts.python!, root, m.rels.filter(isSource), opts.env, signal);
      throwIfCancelled(signal);
      const rows = await deflateFiles(root, m.rels, m.pycs);
      entries.push(...rows);
      if (m.key && cache) await writeEntry(entryPath(cache, "unit", m.key), serialize(rows));
    }
  };
  await Promise.all(Array.from({ length: Math.min(compileJobs(opts.env), Math.max(1, misses.length)) }, worker));
  return { entries, built: misses.length, cached };
}

/** Reads and deflates a unit's files and the `.pyc` files its compile wrote (a missing one is skipped). */
async function deflateFiles(root: string, rels: string[], pycs: string[]): Promise<PackedEntry[]> {
  const rows: PackedEntry[] = [];
  const names = [...rels, ...pycs.filter((p) => !rels.includes(p))];
  for (let i = 0; i < names.length; i += BATCH) {
    const batch = await Promise.all(
      names.slice(i, i + BATCH).map(async (name, j) => {
        const content = readStaged(root, name, i + j >= rels.length);
        return content ? { name, deflated: await deflateContent(name, content) } : null;
      }),
    );
    for (const r of batch) if (r) rows.push(r);
  }
  return rows;
}

/** A unit's cache payload: a 4-byte length, a JSON list of `[name, size, crc, deflated length]`, then the deflated bytes in that order. */
function serialize(rows: PackedEntry[]): Uint8Array[] {
  const head = Buffer.from(JSON.stringify(rows.map((r) => [r.name, r.deflated.size, r.deflated.crc, r.deflated.data.length])));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  return [len, head, ...rows.map((r) => r.deflated.data)];
}

/**
 * The entries of a cached unit; null (nothing trusted) when the payload does not parse, misses
 * one of `rels`, or names a file that is neither one of `rels` nor one of `pycs`.
 */
export function restoreUnit(payload: Buffer, rels: readonly string[], pycs: ReadonlySet<string>): PackedEntry[] | null {
  let head: unknown;
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
  const entries: PackedEntry[] = [];
  for (const r of head as unknown[]) {
    if (!Array.isArray(r) || r.length !== 4 || typeof r[0] !== "string" || !r.slice(1).every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0)) return null;
    const [name, size, crc, dlen] = r as [string, number, number, number];
    if (seen.has(name) || !(want.has(name) || pycs.has(name)) || at + dlen > payload.length) return null;
    seen.add(name);
    entries.push({ name, deflated: { crc, size, data: payload.subarray(at, at + dlen) } });
    at += dlen;
  }
  if (at !== payload.length || rels.some((r) => !seen.has(r))) return null;
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

