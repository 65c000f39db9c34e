import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { lastLine, runProcess } from "../kernel/proc.js";
import { PACKAGE_ROOT } from "../version.js";

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
 * The files are compiled in units ({@link unitOf}): the server's own files, and each
 * top-level package or module of `deps/`; each unit in a fresh interpreter
 * (python/mcpm_bundle/compile.py). marshal writes an object as a back-reference depending on its
 * reference count, which depends on what the process compiled before, so `compileall -j`
 * workers, which take files as they come free, gave different bytes from build to build
 * (measured: pycparser's `c_parser.pyc` on CPython 3.12); a unit compiled alone gives the same
 * bytes on any machine, whatever else the bundle holds, so its bytecode can be kept and reused
 * (pack.ts keys it by the unit's files and {@link pythonIdentity}). Units run side by side: as
 * many at once as the machine has CPUs (`MCPM_COMPILE_JOBS` sets the number; the bytes do not
 * depend on it).
 */

/** The compile script (shipped in package.json `files`). */
export const COMPILE_SCRIPT = path.join(PACKAGE_ROOT, "python", "mcpm_bundle", "compile.py");

/** Version of the identity below; part of every cache key that holds bytecode. */
const FORMAT = "pyc-unit-1";

/** The arguments that compile one unit of the staged tree at `root` (the unit's files go on stdin; exported for tests). */
export function compileArgs(root: string): string[] {
  return ["-S", "-B", COMPILE_SCRIPT, root];
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
 * The unit of a file of the staged tree: `deps/NAME` for a file in the top-level entry NAME of
 * `deps/` (a package folder or a module), else `.` (the server's own files and the guard).
 *
 * @param rel - POSIX path relative to the staged root.
 */
export function unitOf(rel: string): string {
  const parts = rel.split("/");
  if (parts[0] !== "deps" || parts.length < 2) return ".";
  return parts.length === 2 ? rel : `deps/${parts[1]}`;
}

/** True for a file that is compiled: a `.py` outside `__pycache__` folders. */
export function isSource(rel: string): boolean {
  return rel.endsWith(".py") && !rel.split("/").includes("__pycache__");
}

/** What the bytecode of a unit depends on besides its sources: the interpreter and the compile script. */
export interface PythonIdentity {
  /** `sys.implementation.cache_tag`, e.g. `cpython-312`: names the `.pyc` files. */
  tag: string;
  /** One string of the tag, magic number, full version, optimisation level and the compile script's SHA-256. */
  key: string;
}

/**
 * Asks `pythonExe` what its bytecode depends on.
 *
 * @throws UserError when the interpreter cannot be run or names no cache tag.
 */
export async function pythonIdentity(pythonExe: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<PythonIdentity> {
  const [tag = "", magic = "", version = ""] = (await runCompile(pythonExe, ["-S", "-B", COMPILE_SCRIPT, "--identity"], env, signal)).trim().split("\n");
  if (!/^[A-Za-z0-9_.-]+$/.test(tag)) throw new UserError(`compiling the bundle's bytecode with ${pythonExe} failed: it names no bytecode cache tag`);
  return { tag, key: JSON.stringify([FORMAT, tag, magic, version, "optimize=0", scriptDigest()]) };
}

/** Where the bytecode of the source `rel` goes: `DIR/__pycache__/NAME.TAG.pyc`. */
export function pycPath(rel: string, tag: string): string {
  const dir = path.posix.dirname(rel);
  return `${dir === "." ? "" : `${dir}/`}__pycache__/${path.posix.basename(rel, ".py")}.${tag}.pyc`;
}

/**
 * Compiles one unit of the staged tree under `root` in place, in a fresh interpreter, in the
 * order given. A file that does not compile (a data file with a `.py` name, a template) gets no
 * `.pyc`; the load gate reports the server's own syntax errors.
 *
 * @param files - the unit's sources ({@link isSource}), POSIX paths relative to `root`.
 * @throws UserError when the interpreter cannot be run or fails.
 */
export async function compileUnit(pythonExe: string, root: string, files: readonly string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  await runCompile(pythonExe, compileArgs(root), env, signal, JSON.stringify(files));
}

/** Runs the compile script with the environment that makes its bytes reproducible; its stdout. */
async function runCompile(pythonExe: string, args: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal, input?: string): Promise<string> {
  const clean: NodeJS.ProcessEnv = { ...env, PYTHONHASHSEED: "0", PYTHONDONTWRITEBYTECODE: undefined, PYTHONPATH: undefined, PYTHONPYCACHEPREFIX: undefined, PYTHONOPTIMIZE: undefined, SOURCE_DATE_EPOCH: undefined };
  const r = await runProcess(pythonExe, args, { env: clean, signal, input });
  if (r.startError) throw new UserError(`cannot run ${pythonExe} to compile the bundle's bytecode (${r.startError.code})`);
  if (r.code !== 0) throw new UserError(`compiling the bundle's bytecode with ${pythonExe} failed: ${(lastLine(r.stderr) || `exit ${r.code ?? r.signal}`).slice(0, 300)}`);
  return r.stdout;
}

/** SHA-256 of the compile script: a changed script makes new keys. */
let scriptHash: string | undefined;
function scriptDigest(): string {
  return (scriptHash ??= createHash("sha256").update(readFileSync(COMPILE_SCRIPT)).digest("hex"));
}
