import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { run } from "./run.js";

/**
 * Finds an interpreter of the bundle's own Python minor version: it compiles the bundle's
 * bytecode (a `.pyc` is valid for one minor version only: https://peps.python.org/pep-3147/)
 * and runs the load gate. Candidates, in order: `--interpreter`, `$MCPM_PYTHON`, `pythonX.Y`,
 * `python3` and `python` on PATH, then pyenv's versions folder (`$PYENV_ROOT`, default
 * `~/.pyenv`) read directly, since a pyenv shim of a version that is installed but not
 * selected exits 127. Each candidate is asked for its version; one that fails is skipped.
 */

const PROBE = "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.implementation.name); print(sys.executable)";

/** The interpreter found: its absolute path. */
export async function findTargetPython(version: string, opts: { explicit?: string; env: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<string | null> {
  const seen = new Set<string>();
  const tryOne = async (cand: string): Promise<string | null> => {
    if (seen.has(cand)) return null;
    seen.add(cand);
    const r = await run(cand, ["-c", PROBE], { env: opts.env, signal: opts.signal, timeoutMs: 20_000 });
    if (r.code !== 0) return null;
    const [v, impl, exe] = r.stdout.trim().split(/\r?\n/);
    return v === version && impl === "cpython" && exe ? exe : null;
  };
  const names = [opts.explicit, opts.env.MCPM_PYTHON, `python${version}`, "python3", "python"].filter((c): c is string => Boolean(c));
  for (const c of names) {
    const found = await tryOne(c);
    if (found) return found;
  }
  const pyenvRoot = opts.env.PYENV_ROOT || path.join(os.homedir(), ".pyenv");
  const versions = await fs.readdir(path.join(pyenvRoot, "versions")).catch(() => [] as string[]);
  const matching = versions.filter((v) => v === version || v.startsWith(`${version}.`)).sort().reverse();
  for (const v of matching) {
    const found = await tryOne(path.join(pyenvRoot, "versions", v, "bin", `python${version}`));
    if (found) return found;
  }
  return null;
}

/** The refusal when no interpreter of the bundle's Python exists here. */
export function noTargetPython(version: string): UserError {
  return new UserError(
    `no Python ${version} found to compile the bundle's bytecode and load-check it (tried --interpreter, $MCPM_PYTHON, python${version}, python3, python and pyenv's versions); install Python ${version}, pass --interpreter PATH to it, or skip both steps with --no-compile --no-verify`,
  );
}
