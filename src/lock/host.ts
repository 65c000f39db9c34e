import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../kernel/errors.js";

/**
 * The two things the lock needs from the machine: running a program, and the interpreter of
 * one Python version. Everything in src/lock/ goes through this file only.
 */

/** What a finished program printed and how it ended. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the program was not found. */
  notFound: boolean;
}

/** Runs a program to completion (no shell); never rejects. */
export function runProcess(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      resolve({ code: e ? (typeof e.code === "number" ? e.code : null) : 0, stdout, stderr, notFound: e?.code === "ENOENT" });
    });
  });
}

/** An interpreter of the requested version. */
export interface FoundPython {
  path: string;
  /** `3.12.1`. */
  version: string;
  implementation: string;
}

const PROBE = "import sys, platform; print('%d.%d.%d' % sys.version_info[:3], platform.python_implementation())";

async function probe(cmd: string, env: NodeJS.ProcessEnv): Promise<FoundPython | null> {
  const r = await runProcess(cmd, ["-c", PROBE], { env, timeoutMs: 30_000 });
  const m = r.code === 0 ? /^(\d+\.\d+\.\d+) (\S+)/m.exec(r.stdout) : null;
  return m ? { path: cmd, version: m[1]!, implementation: m[2]! } : null;
}

/**
 * The interpreter of Python `version` (`3.12`): `--interpreter` as given, else `python3.12` on
 * PATH (a pyenv shim of a version not selected exits 127 and is skipped), else pyenv's
 * `versions/3.12.*` (newest first).
 *
 * @throws UserError (exit 2) naming the version and `uv python install 3.12`.
 */
export async function findPython(opts: { version: string; interpreter?: string; env?: NodeJS.ProcessEnv }): Promise<FoundPython> {
  const env = opts.env ?? process.env;
  if (opts.interpreter) {
    const p = await probe(opts.interpreter, env);
    if (!p) throw new UserError(`--interpreter ${opts.interpreter} does not run as Python`, 2);
    return p;
  }
  const fits = (p: FoundPython | null) => p !== null && (p.version === opts.version || p.version.startsWith(`${opts.version}.`));
  const name = `python${opts.version}`;
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const exe = path.join(dir, name);
    if (!(await stat(exe).then((s) => s.isFile(), () => false))) continue;
    const p = await probe(exe, env);
    if (fits(p)) return p!;
  }
  // pyenv's root: $PYENV_ROOT, `pyenv root`, or the folder above a `shims` folder on PATH (an
  // environment without HOME still finds the interpreters pyenv installed).
  const shims = (env.PATH ?? "").split(path.delimiter).find((d) => path.basename(d) === "shims" && /pyenv/i.test(d));
  const root = env.PYENV_ROOT || (await runProcess("pyenv", ["root"], { env, timeoutMs: 30_000 })).stdout.trim() || (shims ? path.dirname(shims) : "");
  if (root) {
    const dirs = (await readdir(path.join(root, "versions")).catch(() => [] as string[])).filter((d) => d === opts.version || d.startsWith(`${opts.version}.`)).sort().reverse();
    for (const d of dirs) {
      const p = await probe(path.join(root, "versions", d, "bin", "python"), env);
      if (fits(p)) return p!;
    }
  }
  throw new UserError(`no Python ${opts.version} found; install it with \`uv python install ${opts.version}\`, or pass --interpreter PATH`, 2);
}
