import { runProcess } from "../kernel/proc.js";

/**
 * Finding and running uv (https://docs.astral.sh/uv/): `uv` on PATH, else `python3 -m uv`
 * (uv installed with pip into an interpreter: `pip install uv`).
 *
 * uv downloads a managed CPython when it finds no interpreter matching a request; every run
 * here passes the interpreter with `-p` and sets `UV_PYTHON_DOWNLOADS=never` (uv docs,
 * "Environment variables"), so a lock never fetches a Python.
 */

/** A uv that runs. */
export interface Uv {
  /** Program and leading arguments: `["uv"]` or `["python3", "-m", "uv"]`. */
  argv: string[];
  /** `0.13.9`. */
  version: string;
}

const cache = new Map<string, Promise<Uv | null>>();

/** The uv to use, or null when there is none (cached per PATH). */
export function findUv(env: NodeJS.ProcessEnv = process.env): Promise<Uv | null> {
  const key = env.PATH ?? "";
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      for (const argv of [["uv"], ["python3", "-m", "uv"], ["python", "-m", "uv"]]) {
        const r = await runProcess(argv[0]!, [...argv.slice(1), "--version"], { env, timeoutMs: 30_000 });
        const m = r.code === 0 ? /uv (\d+\.\d+\.\d+)/.exec(r.stdout) : null;
        if (m) return { argv, version: m[1]! };
      }
      return null;
    })();
    cache.set(key, p);
  }
  return p;
}

/** Runs `uv ARGS` in `cwd` with Python downloads off. */
export function runUv(uv: Uv, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }) {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), UV_PYTHON_DOWNLOADS: "never", UV_NO_PROGRESS: "1" };
  delete env.VIRTUAL_ENV; // uv would otherwise warn that an active venv is not the project's
  return runProcess(uv.argv[0]!, [...uv.argv.slice(1), ...args], { cwd: opts.cwd, env, timeoutMs: opts.timeoutMs ?? 10 * 60_000 });
}

/** The arguments of `uv export` that make requirements.txt: exact pins, no dev group, no hashes, not the project itself. */
export const EXPORT_ARGS = ["export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--no-header", "--format", "requirements-txt"] as const;

/** The last meaningful line uv printed on stderr (its `error:` line when there is one). */
export function uvError(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const err = lines.findIndex((l) => l.startsWith("error:"));
  if (err >= 0) return lines.slice(err, err + 3).filter((l) => !l.startsWith("hint:")).join(" ").replace(/^error:\s*/, "");
  return lines.at(-1) ?? "no message";
}
