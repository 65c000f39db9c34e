import { existsSync } from "node:fs";
import path from "node:path";
import { CannotRunError } from "../kernel/errors.js";
import { runProcess } from "../kernel/proc.js";
import { pythonCandidates } from "../kernel/python.js";
import { PACKAGE_ROOT } from "../version.js";
import type { AnalyzerRequest, AnalyzerResponse } from "./facts.js";

/**
 * Runs the Python analyzer shipped in `python/mcpm_check/` (package.json `files`).
 *
 * Code structure is read with Python's own `ast` (a real parser, not regular expressions), so
 * `check` needs a Python 3.10+ interpreter. It is found, in order: the `--interpreter PATH`
 * option (`--python PATH`, its deprecated name), the `MCPM_PYTHON` environment variable, then
 * `python3` and `python` on `PATH` (src/kernel/python.ts). The analyzer itself refuses an older
 * Python (exit 3, "this is X.Y.Z"), so running it is the version check.
 */

/** Folder of the analyzer (a directory runnable with `python DIR`), shipped as files in the package root's `python/`. */
export const ANALYZER_DIR = path.join(PACKAGE_ROOT, "python", "mcpm_check");

/**
 * Sends one request to the analyzer and returns its facts.
 *
 * @param request - files to parse, specifiers to evaluate, pyproject files to read.
 * @param opts.python - `--interpreter` value; opts.env - environment (PATH, MCPM_PYTHON).
 * @throws CannotRunError when no usable interpreter is found, it is older than 3.10,
 *   the analyzer files are missing, or the analyzer fails or times out (60 s).
 */
export async function runAnalyzer(request: AnalyzerRequest, opts: { python?: string; env: NodeJS.ProcessEnv }): Promise<AnalyzerResponse> {
  if (!existsSync(path.join(ANALYZER_DIR, "__main__.py"))) {
    throw new CannotRunError(`the Python analyzer is missing from this installation (${ANALYZER_DIR}); reinstall create-mcp-monorepo`);
  }
  const { candidates, source } = pythonCandidates(opts.python, opts.env);
  const input = JSON.stringify(request);
  const env = { ...opts.env, PYTHONIOENCODING: "utf-8", PYTHONDONTWRITEBYTECODE: "1" };
  const tried: string[] = [];
  for (const cmd of candidates) {
    const r = await runProcess(cmd, ["-E", "-B", ANALYZER_DIR], { input, env, timeoutMs: 60_000 });
    if (r.startError) {
      tried.push(`${cmd} (${r.startError.notFound ? "not found" : r.startError.message})`);
      continue;
    }
    if (r.code === 3) {
      // Too old (the analyzer's own check). On PATH, try the next name; an explicit choice is final.
      if (source === "PATH") {
        tried.push(`${cmd} (${/this is (\S+)/.exec(r.stderr)?.[1] ?? "too old"})`);
        continue;
      }
      throw new CannotRunError(`${r.stderr.trim()} (${cmd}); pass --interpreter PATH or set MCPM_PYTHON to a Python 3.10+`);
    }
    if (r.timedOut) throw new CannotRunError(`the Python analyzer timed out after 60 s with ${cmd}`);
    if (r.code !== 0) {
      const last = r.stderr.trim().split("\n").pop() ?? "";
      // A shim that cannot find a real interpreter (pyenv: exit 127 "command not found"; Windows store alias).
      if (source === "PATH" && (r.code === 127 || /No such file|not recognized|was not found|command not found/i.test(r.stderr))) {
        tried.push(`${cmd} (${last})`);
        continue;
      }
      throw new CannotRunError(`the Python analyzer failed with ${cmd} (exit ${r.code}): ${last || "no message"}`);
    }
    try {
      return JSON.parse(r.stdout) as AnalyzerResponse;
    } catch {
      throw new CannotRunError(`the Python analyzer printed something that is not JSON (${cmd})`);
    }
  }
  throw new CannotRunError(
    `check parses server code with Python's own ast and needs Python 3.10+, but none was found (tried ${tried.join(", ")}); install Python, or pass --interpreter PATH or set MCPM_PYTHON`,
  );
}
