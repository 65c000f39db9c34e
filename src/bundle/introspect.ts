import { execFile, type ExecFileOptions } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { UserError } from "../kernel/errors.js";
import { pythonCandidates } from "../check/python.js";
import { PACKAGE_ROOT } from "../version.js";

const execFileP = promisify(execFile);
/** execFile as a promise that also rejects (rather than throws) for arguments it cannot pass, e.g. a NUL byte in a path. */
const run = async (file: string, args: string[], opts: ExecFileOptions) => execFileP(file, args, { ...opts, encoding: "utf8" });

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
 * @throws UserError when the file does not parse as Python (or is not UTF-8 text), or the script cannot run.
 */
export async function introspectServer(pythonExe: string, entryFile: string, shown: string, env: NodeJS.ProcessEnv): Promise<ServerFacts> {
  let data: ServerFacts & { error?: string };
  try {
    const { stdout } = await run(pythonExe, [INTROSPECT_DIR, entryFile], { env, windowsHide: true, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    data = JSON.parse(stdout) as ServerFacts & { error?: string };
  } catch (err) {
    // Not a result: the script failed (unreadable file, interpreter trouble) or was killed.
    const e = err as { stderr?: string; code?: string | number; killed?: boolean; message: string };
    const last = (e.stderr ?? "").trim().split(/\r?\n/).filter(Boolean).at(-1);
    throw new UserError(`cannot read ${shown} with ${pythonExe}: ${e.killed ? "timed out after 120 s" : last ?? String(e.code ?? e.message)}`);
  }
  if (data.error) throw new UserError(`${shown} is not valid Python: ${data.error}`);
  return { version: data.version, tools: data.tools };
}
