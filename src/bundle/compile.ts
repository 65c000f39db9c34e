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
 * The files are compiled in {@link COMPILE_PARTS} fresh interpreters, each taking a fixed share
 * of the sorted file list (python/mcpm_bundle/compile.py): marshal writes an object as a
 * back-reference depending on its reference count, which depends on what the process compiled
 * before, so `compileall -j` workers, which take files as they come free, gave different bytes
 * from build to build (measured: pycparser's `c_parser.pyc` on CPython 3.12). A fixed partition
 * gives the same bytes on any machine, and the shares run side by side: as many at once as the
 * machine has CPUs, at most {@link COMPILE_PARTS} (`MCPM_COMPILE_JOBS` sets the number; the bytes
 * do not depend on it).
 */

/** The compile script (shipped in package.json `files`). */
export const COMPILE_SCRIPT = path.join(PACKAGE_ROOT, "python", "mcpm_bundle", "compile.py");

/** Shares of the file list, each compiled by its own interpreter (fixed: the bytes must not depend on the machine). */
export const COMPILE_PARTS = 4;

/** The arguments of one share (exported for tests). */
export function compileArgs(root: string, index: number): string[] {
  return ["-S", "-B", COMPILE_SCRIPT, root, String(index), String(COMPILE_PARTS)];
}

/**
 * How many shares compile at once: `MCPM_COMPILE_JOBS` when it is a whole number from 1, else
 * the machine's available parallelism; never more than {@link COMPILE_PARTS}.
 */
export function compileJobs(env: NodeJS.ProcessEnv): number {
  const asked = /^\d+$/.test(env.MCPM_COMPILE_JOBS ?? "") ? Number(env.MCPM_COMPILE_JOBS) : 0;
  return Math.max(1, Math.min(COMPILE_PARTS, asked >= 1 ? asked : availableParallelism()));
}

/**
 * Compiles every `.py` under `root` in place (`__pycache__/NAME.cpython-XY.pyc`).
 * A file that does not compile (a data file with a `.py` name, a template) gets no `.pyc`; the
 * load gate reports the server's own syntax errors.
 *
 * @throws UserError when the interpreter cannot be run or fails.
 */
export async function compileBytecode(pythonExe: string, root: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  const clean: NodeJS.ProcessEnv = { ...env, PYTHONHASHSEED: "0", PYTHONDONTWRITEBYTECODE: undefined, PYTHONPATH: undefined, PYTHONPYCACHEPREFIX: undefined, PYTHONOPTIMIZE: undefined, SOURCE_DATE_EPOCH: undefined };
  const runs: Awaited<ReturnType<typeof runProcess>>[] = new Array(COMPILE_PARTS);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < COMPILE_PARTS; i = next++) runs[i] = await runProcess(pythonExe, compileArgs(root, i), { env: clean, signal });
  };
  await Promise.all(Array.from({ length: compileJobs(env) }, worker));
  for (const r of runs) {
    if (r.startError) throw new UserError(`cannot run ${pythonExe} to compile the bundle's bytecode (${r.startError.code})`);
    if (r.code !== 0) throw new UserError(`compiling the bundle's bytecode with ${pythonExe} failed: ${(lastLine(r.stderr) || `exit ${r.code ?? r.signal}`).slice(0, 300)}`);
  }
}
