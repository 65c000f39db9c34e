import { CannotRunError } from "../kernel/errors.js";
import { findPython, probePython } from "../kernel/python.js";

/**
 * The interpreter of the bundle's own Python minor version: it compiles the bundle's bytecode
 * (a `.pyc` is valid for one minor version only: https://peps.python.org/pep-3147/) and runs the
 * load gate. `--interpreter` when it is that version, else the one Python finder's answer for
 * the version (uv's discovery, `pythonX.Y` on PATH, pyenv's installs).
 *
 * @throws CannotRunError naming the version, what was tried, and the options that skip both steps.
 */
export async function findTargetPython(version: string, opts: { explicit?: string; env: NodeJS.ProcessEnv }): Promise<string> {
  if (opts.explicit) {
    const probe = await probePython(opts.explicit, opts.env);
    if (probe.ok && probe.implementation === "CPython" && probe.version.split(".").slice(0, 2).join(".") === version) return opts.explicit;
  }
  try {
    return (await findPython({ version, env: opts.env })).path;
  } catch (err) {
    if (!(err instanceof CannotRunError)) throw err;
    throw new CannotRunError(`${err.message}; it compiles the bundle's bytecode and load-checks it (or build without both: --no-compile --no-verify)`);
  }
}
