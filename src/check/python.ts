import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { PACKAGE_ROOT } from "../version.js";
import type { AnalyzerRequest, AnalyzerResponse } from "./facts.js";

/**
 * Runs the Python analyzer shipped in `python/mcpm_check/` (package.json `files`).
 *
 * Code structure is read with Python's own `ast` (issue 5: a real parser, not regular
 * expressions), so `check` needs a Python 3.10+ interpreter. It is found, in order: the
 * `--interpreter PATH` option (`--python PATH`, its deprecated name), the `MCPM_PYTHON` environment variable, then `python3` and
 * `python` on `PATH`.
 */

/** Folder of the analyzer (a directory runnable with `python DIR`), shipped as files in the package root's `python/`. */
export const ANALYZER_DIR = path.join(PACKAGE_ROOT, "python", "mcpm_check");

/** Exit code `check` uses when it cannot run (issue 5). */
export const CANNOT_RUN = 2;

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: NodeJS.ErrnoException;
}

function runProcess(cmd: string, args: string[], input: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Spawned> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let child;
    try {
      child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    } catch (err) {
      resolve({ code: null, stdout, stderr, spawnError: err as NodeJS.ErrnoException });
      return;
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr, spawnError: err as NodeJS.ErrnoException });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

/**
 * Interpreters to try, in order.
 *
 * @param explicit - the `--interpreter` option, if given (then it is the only candidate).
 * @param env - environment (`MCPM_PYTHON`).
 */
export function pythonCandidates(explicit: string | undefined, env: NodeJS.ProcessEnv): { candidates: string[]; source: string } {
  if (explicit) return { candidates: [explicit], source: "--interpreter" };
  if (env.MCPM_PYTHON) return { candidates: [env.MCPM_PYTHON], source: "MCPM_PYTHON" };
  return { candidates: process.platform === "win32" ? ["python", "py", "python3"] : ["python3", "python"], source: "PATH" };
}

/**
 * Sends one request to the analyzer and returns its facts.
 *
 * @param request - files to parse, specifiers to evaluate, pyproject files to read.
 * @param opts.python - `--interpreter` value; opts.env - environment (PATH, MCPM_PYTHON).
 * @throws UserError (exit code 2) when no usable interpreter is found, it is older than 3.10,
 *   the analyzer files are missing, or the analyzer fails or times out (60 s).
 */
export async function runAnalyzer(request: AnalyzerRequest, opts: { python?: string; env: NodeJS.ProcessEnv }): Promise<AnalyzerResponse> {
  if (!existsSync(path.join(ANALYZER_DIR, "__main__.py"))) {
    throw new UserError(`the Python analyzer is missing from this installation (${ANALYZER_DIR}); reinstall create-mcp-monorepo`, CANNOT_RUN);
  }
  const { candidates, source } = pythonCandidates(opts.python, opts.env);
  const input = JSON.stringify(request);
  const env = { ...opts.env, PYTHONIOENCODING: "utf-8", PYTHONDONTWRITEBYTECODE: "1" };
  const tried: string[] = [];
  for (const cmd of candidates) {
    const r = await runProcess(cmd, ["-E", "-B", ANALYZER_DIR], input, env, 60_000);
    if (r.spawnError) {
      tried.push(`${cmd} (${r.spawnError.code === "ENOENT" ? "not found" : r.spawnError.message})`);
      continue;
    }
    if (r.code === 3) {
      // Too old (the analyzer's own check). On PATH, try the next name; an explicit choice is final.
      if (source === "PATH") {
        tried.push(`${cmd} (${/this is (\S+)/.exec(r.stderr)?.[1] ?? "too old"})`);
        continue;
      }
      throw new UserError(`${r.stderr.trim()} (${cmd}); pass --interpreter PATH or set MCPM_PYTHON to a Python 3.10+`, CANNOT_RUN);
    }
    if (r.code !== 0) {
      const last = r.stderr.trim().split("\n").pop() ?? "";
      // A shim that cannot find a real interpreter (pyenv: exit 127 "command not found"; Windows store alias).
      if (source === "PATH" && (r.code === 127 || /No such file|not recognized|was not found|command not found/i.test(r.stderr))) {
        tried.push(`${cmd} (${last})`);
        continue;
      }
      throw new UserError(`the Python analyzer failed with ${cmd} (exit ${r.code}): ${last || "no message"}`, CANNOT_RUN);
    }
    try {
      return JSON.parse(r.stdout) as AnalyzerResponse;
    } catch {
      throw new UserError(`the Python analyzer printed something that is not JSON (${cmd})`, CANNOT_RUN);
    }
  }
  throw new UserError(
    `check parses server code with Python's own ast and needs Python 3.10+, but none was found (tried ${tried.join(", ")}); install Python, or pass --interpreter PATH or set MCPM_PYTHON`,
    CANNOT_RUN,
  );
}
