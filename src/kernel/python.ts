import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { CannotRunError } from "./errors.js";
import { describeFailure, lastLine, runProcess } from "./proc.js";

/**
 * The one Python finder. Two modes:
 *
 * - **A version** (`findPython({ version: "3.12" })`): the interpreter a target runs on, found
 *   by `--interpreter` (taken as given once it runs), else, asked at once and taken in this order, uv's discovery
 *   (`uv python find --system cpython@3.12`, with `uv` on PATH or `python3 -m uv`; see
 *   https://docs.astral.sh/uv/concepts/python-versions/), `python3.12` on PATH, then pyenv's
 *   installs (`$(pyenv root)/versions/3.12.*`). Never another version: when none matches it
 *   throws a {@link CannotRunError} naming the version and `uv python install 3.12`.
 * - **No version**: the default interpreter: `--interpreter`, else `$MCPM_PYTHON`, else
 *   `python3` then `python` on PATH (`python`, `py`, `python3` on Windows), the first that
 *   runs and is at least `minimum` (and has pip when asked).
 *
 * Every candidate is run once with a small script that prints its version, implementation,
 * `sys.executable` and whether pip is importable; answers are cached for the process.
 */

/** Where an interpreter was found. */
export type PythonSource = "interpreter" | "uv" | "path" | "pyenv";

/** An interpreter that ran and said what it is. */
export interface FoundPython {
  /** What to run: an absolute path (version mode) or the command as given (`python3`, `--interpreter`'s value). */
  path: string;
  /** Full version, `3.12.1`. */
  version: string;
  /** `platform.python_implementation()`: `CPython`, `PyPy`. */
  implementation: string;
  /** Its `sys.executable`. */
  executable: string;
  /** Whether `pip` is importable. */
  pip: boolean;
  source: PythonSource;
}

/** Options of {@link findPython}. */
export interface FindPythonOptions {
  /** `X.Y` or `X.Y.Z` the interpreter must report; omitted: the default interpreter. */
  version?: string;
  /** `--interpreter PATH`: used as given when it runs. */
  interpreter?: string;
  /** Environment (PATH, MCPM_PYTHON, PYENV_ROOT); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Without `version`: the oldest `X.Y` accepted (default `3.10`; null: any). */
  minimum?: string | null;
  /** Without `version`: skip interpreters without pip. */
  pip?: boolean;
}

/** One candidate that was tried and not taken. */
export interface TriedPython {
  cmd: string;
  /** Its version when it ran, else null. */
  version: string | null;
  /** Why it was not taken: `not found`, `3.9.18`, `no pip`, `exit 127: ...`. */
  reason: string;
}

/** No default interpreter would do (exit 2); callers word the message for their command. */
export class NoPythonError extends CannotRunError {
  constructor(
    message: string,
    /** Each candidate and why it was skipped. */
    readonly tried: TriedPython[],
    /** `--interpreter`, `MCPM_PYTHON` or `PATH`. */
    readonly from: string,
    readonly candidates: string[],
  ) {
    super(message);
    this.name = "NoPythonError";
  }
}

const PROBE = [
  "import sys, json, platform",
  "try:",
  "    import importlib.util as u; pip = u.find_spec('pip') is not None",
  "except Exception:",
  "    pip = False",
  "print(json.dumps({'version': '%d.%d.%d' % tuple(sys.version_info[:3]), 'implementation': platform.python_implementation(), 'executable': sys.executable, 'pip': pip}))",
].join("\n");

type Probe = { ok: true; version: string; implementation: string; executable: string; pip: boolean } | { ok: false; reason: string };

const probes = new Map<string, Promise<Probe>>();
const found = new Map<string, Promise<FoundPython>>();

/** Forgets every cached answer (tests change PATH between calls with the same key). */
export function clearPythonCache(): void {
  probes.clear();
  found.clear();
}

/** Runs an interpreter once and reads what it is (cached per command and PATH). */
export function probePython(cmd: string, env: NodeJS.ProcessEnv = process.env): Promise<Probe> {
  const key = JSON.stringify([cmd, env.PATH ?? "", env.PYENV_VERSION ?? ""]);
  let p = probes.get(key);
  if (!p) {
    p = runProcess(cmd, ["-c", PROBE], { env, timeoutMs: 30_000 }).then((r): Probe => {
      const failed = describeFailure(r, 30_000);
      if (failed) return { ok: false, reason: failed };
      try {
        const j = JSON.parse(lastLine(r.stdout)) as { version: string; implementation: string; executable: string; pip: boolean };
        if (!/^\d+\.\d+\.\d+$/.test(j.version)) throw new Error("no version");
        return { ok: true, ...j };
      } catch {
        return { ok: false, reason: "not a Python interpreter" };
      }
    });
    probes.set(key, p);
  }
  return p;
}

/** Interpreters the default mode tries, in order, and where the list comes from. */
export function pythonCandidates(explicit: string | undefined, env: NodeJS.ProcessEnv): { candidates: string[]; source: string } {
  if (explicit) return { candidates: [explicit], source: "--interpreter" };
  if (env.MCPM_PYTHON) return { candidates: [env.MCPM_PYTHON], source: "MCPM_PYTHON" };
  return { candidates: process.platform === "win32" ? ["python", "py", "python3"] : ["python3", "python"], source: "PATH" };
}

/** `3.12.1` is at least `3.10`. */
function atLeast(version: string, minimum: string): boolean {
  const [a = 0, b = 0] = version.split(".").map(Number);
  const [c = 0, d = 0] = minimum.split(".").map(Number);
  return a > c || (a === c && b >= d);
}

/** `3.12.1` matches `3.12` and `3.12.1`. */
function matches(version: string, wanted: string): boolean {
  return version === wanted || version.startsWith(`${wanted}.`);
}

/**
 * Finds a Python interpreter (see the top of this file).
 *
 * @throws CannotRunError (version mode) naming the version and the command that installs it;
 *   NoPythonError (default mode) listing what was tried; CannotRunError for an `--interpreter`
 *   that does not run.
 */
export function findPython(opts: FindPythonOptions = {}): Promise<FoundPython> {
  const env = opts.env ?? process.env;
  const key = JSON.stringify([opts.version, opts.interpreter, opts.minimum, opts.pip, env.PATH ?? "", env.MCPM_PYTHON ?? "", env.PYENV_ROOT ?? "", env.PYENV_VERSION ?? ""]);
  let p = found.get(key);
  if (!p) {
    p = opts.version === undefined ? findDefault(opts, env) : findVersion(opts.version, opts.interpreter, env);
    found.set(key, p);
  }
  return p;
}

async function findDefault(opts: FindPythonOptions, env: NodeJS.ProcessEnv): Promise<FoundPython> {
  const minimum = opts.minimum === undefined ? "3.10" : opts.minimum;
  const { candidates, source } = pythonCandidates(opts.interpreter, env);
  const tried: TriedPython[] = [];
  for (const cmd of candidates) {
    const r = await probePython(cmd, env);
    if (!r.ok) tried.push({ cmd, version: null, reason: r.reason });
    else if (minimum !== null && !atLeast(r.version, minimum)) tried.push({ cmd, version: r.version, reason: r.version });
    else if (opts.pip && !r.pip) tried.push({ cmd, version: r.version, reason: "no pip" });
    else return { path: cmd, version: r.version, implementation: r.implementation, executable: r.executable, pip: r.pip, source: source === "PATH" ? "path" : "interpreter" };
  }
  throw new NoPythonError(
    `no Python${minimum !== null ? ` ${minimum}+` : ""}${opts.pip ? " with pip" : ""} found (tried ${tried.map((t) => `${t.cmd} (${t.reason})`).join(", ")}); pass --interpreter PATH or set MCPM_PYTHON`,
    tried,
    source,
    candidates,
  );
}

async function findVersion(version: string, interpreter: string | undefined, env: NodeJS.ProcessEnv): Promise<FoundPython> {
  // A shim (pyenv's) depends on the environment it runs in: keep the interpreter it ran.
  const take = (cmd: string, r: Probe, source: PythonSource): FoundPython | null =>
    r.ok ? { path: source !== "interpreter" && path.isAbsolute(r.executable) && existsSync(r.executable) ? r.executable : cmd, version: r.version, implementation: r.implementation, executable: r.executable, pip: r.pip, source } : null;
  if (interpreter) {
    const r = await probePython(interpreter, env);
    if (!r.ok) throw new CannotRunError(`--interpreter ${interpreter} does not run as Python (${r.reason})`);
    return take(interpreter, r, "interpreter")!;
  }
  const fits = (r: Probe) => r.ok && r.implementation === "CPython" && matches(r.version, version);
  type Source = Promise<{ found: FoundPython | null; tried: string }>;

  // uv's discovery: managed installs and the system's, never a virtual environment (--system).
  const viaUv = async (): Source => {
    const uvArgs = ["python", "find", "--system", `cpython@${version}`];
    const uvRuns: Array<[string, string[]]> = [["uv", uvArgs], ...pythonCandidates(undefined, env).candidates.slice(0, 1).map((py): [string, string[]] => [py, ["-m", "uv", ...uvArgs]])];
    for (const [cmd, args] of uvRuns) {
      const r = await runProcess(cmd, args, { env: { ...env, UV_PYTHON_DOWNLOADS: "never" }, timeoutMs: 30_000 });
      const exe = lastLine(r.stdout);
      const shown = cmd === "uv" ? "uv" : `${cmd} -m uv`;
      if (r.code === 0 && exe) {
        const probe = await probePython(exe, env);
        if (fits(probe)) return { found: take(exe, probe, "uv"), tried: "" };
        return { found: null, tried: `${shown} python find (no match)` };
      }
      // uv ran and answered ("No interpreter found", or an error such as a broken shim first on
      // PATH): do not ask another uv. Only a uv that is not there makes the next one worth a try.
      if (cmd === "uv" ? !r.startError?.notFound : /No interpreter found/i.test(r.stderr)) return { found: null, tried: `${shown} python find (no match)` };
    }
    return { found: null, tried: "uv (not installed)" };
  };

  // `python3.12` on PATH: each one, as a pyenv shim of a version not selected exits 127.
  const viaPath = async (): Source => {
    const name = `python${version.split(".").slice(0, 2).join(".")}`;
    let onPath = 0;
    for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
      const exe = path.join(dir, process.platform === "win32" ? `${name}.exe` : name);
      if (!(await stat(exe).then((st) => st.isFile(), () => false))) continue;
      onPath++;
      const probe = await probePython(exe, env);
      if (fits(probe)) return { found: take(exe, probe, "path"), tried: "" };
    }
    return { found: null, tried: `${name} on PATH (${onPath ? "none runs as " + version : "none"})` };
  };

  // pyenv's installs, newest patch release first.
  const viaPyenv = async (): Source => {
    const root = await pyenvRoot(env);
    if (!root) return { found: null, tried: "pyenv (not installed)" };
    const dirs = await readdir(path.join(root, "versions")).catch(() => [] as string[]);
    const pattern = new RegExp(`^${version.replace(/\./g, "\\.")}(\\.\\d+)*$`);
    const byNewest = dirs.filter((d) => pattern.test(d));
    // semver (versions.ts) loads only to order several patch releases: this module is on every command's path.
    if (byNewest.length > 1) {
      const { byReleaseNumber } = await import("./versions.js");
      byNewest.sort((a, b) => byReleaseNumber(b, a));
    }
    for (const d of byNewest) {
      const exe = path.join(root, "versions", d, "bin", "python");
      const probe = await probePython(exe, env);
      if (fits(probe)) return { found: take(exe, probe, "pyenv"), tried: "" };
    }
    return { found: null, tried: `pyenv (${byNewest.length ? byNewest.join(", ") + " do not run" : "no " + version})`.trimEnd() };
  };

  // The three sources run at once (each is a few process starts; pyenv's shims alone take a few
  // hundred milliseconds) and are taken in their order of precedence: the answer is the same as
  // asking them one after another.
  const tried: string[] = [];
  const sources = [viaUv(), viaPath(), viaPyenv()];
  // A source left unread (an earlier one answered) must not surface as an unhandled rejection.
  for (const source of sources) source.catch(() => {});
  for (const source of sources) {
    const { found, tried: why } = await source;
    if (found) return found;
    tried.push(why);
  }
  throw new CannotRunError(`no Python ${version} found (tried ${tried.join(", ")}); install it with \`uv python install ${version}\`, or pass --interpreter PATH`);
}

/**
 * `pyenv root`, else $PYENV_ROOT, else the folder holding pyenv's `shims` folder on PATH (pyenv
 * puts `$(pyenv root)/shims` there; `pyenv root` itself fails without HOME); null without pyenv.
 */
async function pyenvRoot(env: NodeJS.ProcessEnv): Promise<string | null> {
  const r = await runProcess("pyenv", ["root"], { env, timeoutMs: 30_000 });
  const out = lastLine(r.stdout);
  if (r.code === 0 && out) return out;
  if (env.PYENV_ROOT) return env.PYENV_ROOT;
  const shims = (env.PATH ?? "").split(path.delimiter).find((d) => path.basename(d) === "shims" && /pyenv/i.test(d));
  return shims ? path.dirname(shims) : null;
}


