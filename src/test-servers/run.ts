import { availableParallelism } from "node:os";
import path from "node:path";
import { cacheDir } from "../kernel/cache.js";
import { readTextOrNull } from "../kernel/fs.js";
import { runProcess } from "../kernel/proc.js";
import { findPython } from "../kernel/python.js";
import { openMonorepo, type MonorepoServer } from "../monorepo/monorepo.js";
import { PYPROJECT, readPyproject } from "../monorepo/pyproject.js";
import { readRequirementsFile, requirementLines } from "../monorepo/requirements.js";
import { bytecodeEnv, ensureVenv, lockPythonVersion } from "../lock/index.js";

/** Options of {@link runServerTests}. */
export interface TestOptions {
  /** Absolute folder to start from (walks up to the monorepo). */
  start: string;
  /** Server names (or folders); empty for all. */
  servers: readonly string[];
  /** Suites run at once (default: the number of servers, at most the CPU count). */
  jobs?: number;
  /** `--interpreter`: the Python to test on (default: the manifest's `python`, found by the one finder). */
  interpreter?: string;
  env: NodeJS.ProcessEnv;
  /** Called as each server's suite ends. */
  onResult?: (result: ServerTestResult) => void;
}

/** One server's suite. */
export interface ServerTestResult {
  server: string;
  folder: string;
  ok: boolean;
  /** pytest's exit code (null: it did not run, e.g. its environment could not be installed). */
  exitCode: number | null;
  ms: number;
  /** Test ids pytest reported as failed or in error (`tests/test_tools.py::test_hello`). */
  failed: string[];
  /** The last part of pytest's (or the installer's) output, for a failed suite; empty when it passed. */
  output: string;
}

/** What `test` found. */
export interface TestReport {
  root: string;
  /** The Python the suites ran on, `3.12.1`. */
  python: string;
  results: ServerTestResult[];
  summary: { passed: number; failed: number };
}

/** pytest's exit code when it collected no test (pytest docs, "Exit codes"). */
const PYTEST_NO_TESTS = 5;
const OUTPUT_TAIL = 8_000;

/** The test ids of pytest's short summary (`FAILED tests/x.py::t - msg`, `ERROR tests/x.py`). */
export function failedTests(output: string): string[] {
  const ids: string[] = [];
  for (const m of output.matchAll(/^(?:FAILED|ERROR) (\S+)/gm)) if (!ids.includes(m[1]!)) ids.push(m[1]!);
  return ids;
}

async function testOne(server: MonorepoServer, python: { path: string; version: string }, env: NodeJS.ProcessEnv): Promise<ServerTestResult> {
  const started = Date.now();
  const base = { server: server.name, folder: server.folder };
  // What deploys (requirements.txt, exported from uv.lock) plus the `dev` dependency group of
  // pyproject.toml (PEP 735), or requirements-dev.txt in servers made before the uv layout.
  const runtime = requirementLines(await readRequirementsFile(path.join(server.dir, "requirements.txt"), `${server.folder}/requirements.txt`));
  const pyproject = await readTextOrNull(path.join(server.dir, PYPROJECT));
  let dev = requirementLines(await readRequirementsFile(path.join(server.dir, "requirements-dev.txt"), `${server.folder}/requirements-dev.txt`));
  if (pyproject !== null) {
    try {
      dev = [...dev, ...(readPyproject(pyproject).groups.dev ?? [])];
    } catch {
      // Not valid TOML: `check` reports it; the suite runs with pytest alone.
    }
  }
  const lines = [...runtime, ...(dev.some((l) => /^pytest\b/i.test(l)) ? dev : [...dev, "pytest>=8"])];
  let venv;
  try {
    venv = await ensureVenv(python.path, python.version, lines, cacheDir(env), env);
  } catch (err) {
    const log = (err as { log?: string }).log ?? "";
    return { ...base, ok: false, exitCode: null, ms: Date.now() - started, failed: [], output: `${(err as Error).message}\n${log}`.slice(-OUTPUT_TAIL) };
  }
  const bin = path.dirname(venv.python);
  // -p no:cacheprovider: the run leaves no .pytest_cache in the server folder; -rfE: the short summary of failures and errors.
  const r = await runProcess(venv.python, ["-m", "pytest", "-q", "-rfE", "--color=no", "-p", "no:cacheprovider"], {
    cwd: server.dir,
    env: { ...env, VIRTUAL_ENV: venv.dir, PATH: `${bin}${path.delimiter}${env.PATH ?? ""}`, ...bytecodeEnv(venv) },
    timeoutMs: 30 * 60_000,
  });
  const output = r.output || r.startError?.message || "";
  const ok = r.code === 0;
  const failed = failedTests(output);
  const note = r.code === PYTEST_NO_TESTS ? "pytest collected no tests\n" : "";
  return { ...base, ok, exitCode: r.code, ms: Date.now() - started, failed, output: ok ? "" : (note + output).slice(-OUTPUT_TAIL) };
}

/**
 * Runs each selected server's own pytest suite in its own environment (a cached venv built from its
 * requirements.txt and its pyproject.toml's dev group, as `verify` builds them) on its target's Python,
 * several at once.
 *
 * @throws CannotRunError outside a monorepo, for an unknown server name, or when no interpreter
 *   of the manifest's Python version exists.
 */
export async function runServerTests(opts: TestOptions): Promise<TestReport> {
  const repo = await openMonorepo(opts.start);
  const servers = repo.select(opts.servers);
  // The Python of the first target (FastMCP Cloud: 3.12; docker, k8s, mcpb: the manifest's), the one
  // the lock resolves with; the finder's error names the version and how to install it.
  const python = await findPython({ version: lockPythonVersion(repo.manifest), interpreter: opts.interpreter, env: opts.env });
  const jobs = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), servers.length));
  const results: ServerTestResult[] = new Array(servers.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < servers.length; i = next++) {
      results[i] = await testOne(servers[i]!, python, opts.env);
      opts.onResult?.(results[i]!);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  const passed = results.filter((r) => r.ok).length;
  return { root: repo.root, python: python.version, results, summary: { passed, failed: results.length - passed } };
}
