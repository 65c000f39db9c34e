import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { lastLine, runProcess } from "../kernel/proc.js";
import { PACKAGE_ROOT } from "../version.js";
import { cacheKey, entryPath, readEntry, writeEntry } from "./build-cache.js";

/**
 * Bytecode for the bundle, compiled by the bundle's own Python so the runtime does not compile
 * every module at each start (imports are CPU-bound; a cold start without `.pyc` files costs
 * about twice the CPU).
 *
 * Each `.pyc` is an unchecked hash-based pyc (PEP 552,
 * https://docs.python.org/3/library/py_compile.html): it holds the source's hash instead of its
 * modification time, and "unchecked" means the interpreter does not even hash the source at
 * import, so the files are the same in every build and fast to load. The file names recorded in
 * the code objects are relative to the bundle (the import system sets the real path when it
 * loads them), and `PYTHONHASHSEED=0` fixes the order of set constants.
 *
 * The files are compiled in units ({@link compileUnits}): the server's own files, and each
 * top-level package or module of `deps/`; each unit in a fresh interpreter
 * (python/mcpm_bundle/compile.py). marshal writes an object as a back-reference depending on its
 * reference count, which depends on what the process compiled before, so `compileall -j`
 * workers, which take files as they come free, gave different bytes from build to build
 * (measured: pycparser's `c_parser.pyc` on CPython 3.12); a unit compiled alone gives the same
 * bytes on any machine, whatever else the bundle holds. So a unit's bytecode is kept in the build
 * cache (build-cache.ts) under a key of its files' paths and contents, the interpreter's identity
 * (cache tag, magic number, full version) and the compile script, and a later build with the same
 * dependencies takes it from there instead of compiling. Units run side by side: as many at once
 * as the machine has CPUs (`MCPM_COMPILE_JOBS` sets the number; the bytes do not depend on it).
 */

/** The compile script (shipped in package.json `files`). */
export const COMPILE_SCRIPT = path.join(PACKAGE_ROOT, "python", "mcpm_bundle", "compile.py");

/** Version of the cache entries' layout; part of every key. */
const FORMAT = "pyc-unit-1";

/** The arguments that compile one unit (exported for tests). */
export function compileArgs(root: string, unit: string): string[] {
  return ["-S", "-B", COMPILE_SCRIPT, root, unit];
}

/**
 * How many units compile at once: `MCPM_COMPILE_JOBS` when it is a whole number from 1 (at most
 * 64), else the machine's available parallelism.
 */
export function compileJobs(env: NodeJS.ProcessEnv): number {
  const asked = /^\d+$/.test(env.MCPM_COMPILE_JOBS ?? "") ? Number(env.MCPM_COMPILE_JOBS) : 0;
  return Math.max(1, Math.min(64, asked >= 1 ? asked : availableParallelism()));
}

/**
 * The compile units of a staged tree: `.` for every `.py` outside `deps/`, and `deps/NAME` for
 * each top-level entry of `deps/` that is or holds a `.py` file; files in `__pycache__` folders
 * are not sources. Mirrors `unit_files` in compile.py.
 *
 * @param rels - POSIX paths relative to the staged root.
 * @returns unit name to its `.py` paths, sorted by code unit.
 */
export function compileUnits(rels: readonly string[]): Map<string, string[]> {
  const units = new Map<string, string[]>();
  for (const rel of rels) {
    const parts = rel.split("/");
    if (!rel.endsWith(".py") || parts.includes("__pycache__")) continue;
    const unit = parts[0] !== "deps" ? "." : parts.length === 2 ? rel : `deps/${parts[1]}`;
    if (parts[0] === "deps" && parts.length < 2) continue;
    if (!units.has(unit)) units.set(unit, []);
    units.get(unit)!.push(rel);
  }
  for (const files of units.values()) files.sort();
  return units;
}

/** What a compile did: units compiled, and units taken from the cache. */
export interface CompileResult {
  compiled: number;
  cached: number;
}

/**
 * Compiles every `.py` under `root` in place (`__pycache__/NAME.TAG.pyc`), taking units whose
 * bytecode is in the cache from there. A file that does not compile (a data file with a `.py`
 * name, a template) gets no `.pyc`; the load gate reports the server's own syntax errors.
 *
 * @param opts.cache - build cache folder; without it every unit is compiled and nothing kept.
 * @throws UserError when the interpreter cannot be run or fails.
 */
export async function compileBytecode(pythonExe: string, root: string, env: NodeJS.ProcessEnv, signal?: AbortSignal, opts: { cache?: string } = {}): Promise<CompileResult> {
  const clean: NodeJS.ProcessEnv = { ...env, PYTHONHASHSEED: "0", PYTHONDONTWRITEBYTECODE: undefined, PYTHONPATH: undefined, PYTHONPYCACHEPREFIX: undefined, PYTHONOPTIMIZE: undefined, SOURCE_DATE_EPOCH: undefined };
  const run = async (args: string[]) => {
    const r = await runProcess(pythonExe, args, { env: clean, signal });
    if (r.startError) throw new UserError(`cannot run ${pythonExe} to compile the bundle's bytecode (${r.startError.code})`);
    if (r.code !== 0) throw new UserError(`compiling the bundle's bytecode with ${pythonExe} failed: ${(lastLine(r.stderr) || `exit ${r.code ?? r.signal}`).slice(0, 300)}`);
    return r.stdout;
  };
  const [tag = "", magic = "", version = ""] = (await run(["-S", "-B", COMPILE_SCRIPT, "--identity"])).trim().split("\n");
  if (!/^[A-Za-z0-9_.-]+$/.test(tag)) throw new UserError(`compiling the bundle's bytecode with ${pythonExe} failed: it names no bytecode cache tag`);
  const identity = [FORMAT, tag, magic, version, "optimize=0", scriptDigest()];
  const units = compileUnits(await listRel(root));
  const pycOf = (rel: string) => `${path.posix.dirname(rel)}/__pycache__/${path.posix.basename(rel, ".py")}.${tag}.pyc`.replace(/^\.\//, "");

  const misses: Array<{ unit: string; files: string[]; key: string | null; bytes: number }> = [];
  let cached = 0;
  for (const [unit, files] of units) {
    let key: string | null = null;
    let bytes = 0;
    if (opts.cache) {
      const parts: Array<string | Uint8Array> = [...identity, unit];
      for (const rel of files) {
        const data = await fs.readFile(path.join(root, rel));
        bytes += data.length;
        parts.push(rel, createHash("sha256").update(data).digest());
      }
      key = cacheKey(parts);
      const hit = await readEntry(entryPath(opts.cache, "pyc", key));
      if (hit && (await restoreUnit(hit, root, new Set(files.map(pycOf))))) {
        cached++;
        continue;
      }
    }
    misses.push({ unit, files, key, bytes });
  }
  // Largest first, so the last unit to finish is a small one.
  misses.sort((a, b) => b.bytes - a.bytes || (a.unit < b.unit ? -1 : 1));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < misses.length; i = next++) {
      const m = misses[i]!;
      await run(compileArgs(root, m.unit));
      if (m.key && opts.cache) await writeEntry(entryPath(opts.cache, "pyc", m.key), await packUnit(root, m.files.map(pycOf)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(compileJobs(env), Math.max(1, misses.length)) }, worker));
  return { compiled: misses.length, cached };
}

/** SHA-256 of the compile script: a changed script makes new keys. */
let scriptHash: string | undefined;
function scriptDigest(): string {
  return (scriptHash ??= createHash("sha256").update(readFileSync(COMPILE_SCRIPT)).digest("hex"));
}

/**
 * A unit's cache payload: a JSON list of `[pyc path, size]` (4-byte length first), then the
 * files' bytes in that order. A source that did not compile has no `.pyc`, so no row.
 */
async function packUnit(root: string, pycs: string[]): Promise<Buffer[]> {
  const rows: Array<[string, number]> = [];
  const datas: Buffer[] = [];
  for (const rel of pycs) {
    const data = await fs.readFile(path.join(root, rel)).catch(() => null);
    if (!data) continue;
    rows.push([rel, data.length]);
    datas.push(data);
  }
  const head = Buffer.from(JSON.stringify(rows));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  return [len, head, ...datas];
}

/**
 * Writes a cached unit's `.pyc` files into the staged tree. False (nothing trusted) when the
 * payload does not parse or names a file the unit would not produce.
 */
async function restoreUnit(payload: Buffer, root: string, allowed: Set<string>): Promise<boolean> {
  let rows: Array<[string, number]>;
  try {
    const n = payload.readUInt32LE(0);
    rows = JSON.parse(payload.subarray(4, 4 + n).toString("utf8"));
    let at = 4 + n;
    if (!Array.isArray(rows)) return false;
    for (const r of rows) {
      if (!Array.isArray(r) || typeof r[0] !== "string" || !allowed.has(r[0]) || !Number.isInteger(r[1]) || r[1] < 0) return false;
      at += r[1];
    }
    if (at !== payload.length) return false;
  } catch {
    return false;
  }
  let at = 4 + payload.readUInt32LE(0);
  for (const [rel, size] of rows) {
    const to = path.join(root, ...rel.split("/"));
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.writeFile(to, payload.subarray(at, at + size));
    at += size;
  }
  return true;
}

/** Every regular file under `dir`, as POSIX paths relative to it. */
async function listRel(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
  }
  return out;
}
