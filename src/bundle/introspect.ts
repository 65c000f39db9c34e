import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { UserError } from "../core/errors.js";
import { pythonCandidates } from "../check/python.js";
import { PACKAGE_ROOT } from "../version.js";

const run = promisify(execFile);

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
 * @throws UserError when none of the candidates runs `python -m pip --version`.
 */
export async function findBuildPython(explicit: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const { candidates, source } = pythonCandidates(explicit, env);
  for (const c of candidates) {
    const ok = await run(c, ["-m", "pip", "--version"], { env, windowsHide: true }).then(() => true, () => false);
    if (ok) return c;
  }
  throw new UserError(`no Python with pip found (${source}: ${candidates.join(", ")}); bundle runs pip to vendor the dependencies: pass --python PATH`);
}

/**
 * Reads the version and tools of a server's entry file.
 *
 * @throws UserError when the file does not parse as Python.
 */
export async function introspectServer(pythonExe: string, entryFile: string, shown: string, env: NodeJS.ProcessEnv): Promise<ServerFacts> {
  const { stdout } = await run(pythonExe, [INTROSPECT_DIR, entryFile], { env, windowsHide: true });
  const data = JSON.parse(stdout) as ServerFacts & { error?: string };
  if (data.error) throw new UserError(`${shown} is not valid Python: ${data.error}`);
  return { version: data.version, tools: data.tools };
}
