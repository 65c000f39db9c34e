import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { lastLine, runProcess } from "../kernel/proc.js";
import { findPython, NoPythonError } from "../kernel/python.js";
import { PACKAGE_ROOT } from "../version.js";

/** Folder of the static introspection script (`python/mcpm_bundle`, shipped in package.json `files`). */
export const INTROSPECT_DIR = path.join(PACKAGE_ROOT, "python", "mcpm_bundle");

/** What the entry file declares, read with Python's `ast` (nothing imported). */
export interface ServerFacts {
  /** `version=` given to `FastMCP(...)`, or null. */
  version: string | null;
  tools: { name: string; description: string | null }[];
}

/**
 * Finds the interpreter that runs pip and the introspection: `--python`, `$MCPM_PYTHON`,
 * else `python3`/`python` on PATH (as `check` does); it must have pip.
 *
 * @throws UserError when none of the candidates runs and has pip.
 */
export async function findBuildPython(explicit: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await findPython({ interpreter: explicit, env, minimum: null, pip: true })).path;
  } catch (err) {
    if (!(err instanceof NoPythonError)) throw err;
    throw new UserError(`no Python with pip found (${err.from}: ${err.candidates.join(", ")}); bundle runs pip to vendor the dependencies: pass --python PATH`);
  }
}

/**
 * Reads the version and tools of a server's entry file.
 *
 * @throws UserError when the file does not parse as Python (or is not UTF-8 text), or the script cannot run.
 */
export async function introspectServer(pythonExe: string, entryFile: string, shown: string, env: NodeJS.ProcessEnv): Promise<ServerFacts> {
  const r = await runProcess(pythonExe, [INTROSPECT_DIR, entryFile], { env, timeoutMs: 120_000 });
  let data: (ServerFacts & { error?: string }) | null = null;
  if (r.code === 0) {
    try {
      data = JSON.parse(r.stdout) as ServerFacts & { error?: string };
    } catch {
      data = null;
    }
  }
  if (!data) {
    // Not a result: the script failed (unreadable file, interpreter trouble) or was killed.
    const why = r.timedOut ? "timed out after 120 s" : r.startError ? r.startError.code : lastLine(r.stderr) || String(r.code ?? r.signal ?? "its output is not JSON");
    throw new UserError(`cannot read ${shown} with ${pythonExe}: ${why}`);
  }
  if (data.error) throw new UserError(`${shown} is not valid Python: ${data.error}`);
  return { version: data.version, tools: data.tools };
}
