import { UserError } from "../kernel/errors.js";
import { lastLine, runProcess } from "../kernel/proc.js";

/**
 * Bytecode for the bundle, compiled by the bundle's own Python so the runtime does not compile
 * every module at each start (imports are CPU-bound; a cold start without `.pyc` files costs
 * about twice the CPU).
 *
 * `python -m compileall --invalidation-mode unchecked-hash` (PEP 552,
 * https://docs.python.org/3/library/compileall.html): a hash-based `.pyc` holds the source's
 * hash instead of its modification time, and "unchecked" means the interpreter does not even
 * hash the source at import, so the files are the same in every build and fast to load.
 * `-s <bundle>` strips the staging path from the file names recorded in the code objects
 * (the import system sets the real path when it loads them), `PYTHONHASHSEED=0` fixes the
 * order of set constants, and one process compiles every file in the same (sorted) order: marshal
 * writes an object as a back-reference only when its reference count is above one, which depends
 * on what the process compiled before, so parallel workers (`-j`) gave different bytes from build
 * to build (measured: pycparser's `c_parser.pyc` on CPython 3.12). Two builds give the same bytes.
 */

/** The compileall arguments for a folder (exported for tests). */
export function compileArgs(root: string): string[] {
  return ["-s", "-m", "compileall", "-q", "-f", "--invalidation-mode", "unchecked-hash", "-s", root, root];
}

/**
 * Compiles every `.py` under `root` in place (`__pycache__/NAME.cpython-XY.pyc`).
 * A file that does not compile (a data file with a `.py` name, a template) gets no `.pyc`; the
 * load gate reports the server's own syntax errors.
 *
 * @throws UserError when the interpreter cannot be run or stops for another reason.
 */
export async function compileBytecode(pythonExe: string, root: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  const clean: NodeJS.ProcessEnv = { ...env, PYTHONHASHSEED: "0", PYTHONDONTWRITEBYTECODE: undefined, PYTHONPATH: undefined, PYTHONPYCACHEPREFIX: undefined, PYTHONOPTIMIZE: undefined, SOURCE_DATE_EPOCH: undefined };
  const r = await runProcess(pythonExe, compileArgs(root), { env: clean, signal });
  if (r.startError) throw new UserError(`cannot run ${pythonExe} to compile the bundle's bytecode (${r.startError.code})`);
  // compileall exits 1 when some file did not compile; anything else is a failure of its own.
  if (r.code !== 0 && r.code !== 1) {
    const last = (lastLine(r.stderr) || `exit ${r.code ?? r.signal}`).slice(0, 300);
    throw new UserError(`compiling the bundle's bytecode with ${pythonExe} failed: ${last}`);
  }
}
