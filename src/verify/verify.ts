import path from "node:path";
import { CannotRunError, UserError } from "../kernel/errors.js";
import { distinctTargetPythons } from "../monorepo/deploy-compat.js";
import { collectServer, loadWorkspace, runAnalyzer, type Workspace } from "../check/index.js";
import { findPython, NoPythonError } from "../kernel/python.js";
import { readEnvFile, serverEnv } from "./env.js";
import { verifyServer, type LocalServer } from "./local.js";
import type { StepName, StepResult, Verdict, VerifyReport } from "./types.js";
import { verifyUrl } from "./url.js";

/** Options of {@link runVerify} (the `verify` command's flags, validated). */
export interface VerifyOptions {
  /** Absolute folder to start from (walks up to the monorepo, as `check` does). */
  start: string;
  /** `--server` names or folders; empty for all. */
  servers?: string[];
  /** `--env-file` (absolute): values override `.env.example`. */
  envFile?: string;
  /**
   * `--jobs`: servers verified at once (default 1). Each server's steps stay in order; each step is a
   * CPU-bound Python start, so the command passes the number of CPUs.
   */
  jobs?: number;
  /** `--interpreter`: interpreter that creates the venvs (default: $MCPM_PYTHON, else python3/python). */
  python?: string;
  /** `--url`: check a deployed endpoint instead of local servers. */
  url?: string;
  /** `--tool` / `--args` for `--url`. */
  tool?: string;
  args?: Record<string, unknown>;
  /** `--header` values for `--url` (`Name: value`). */
  headers?: Record<string, string>;
  /** Seconds to wait for a server to answer `initialize` (default 90). */
  startTimeoutS?: number;
  env: NodeJS.ProcessEnv;
  /** Progress: called as each step starts (`result` null) and ends. */
  onStep?: (server: string, step: StepName, result: StepResult | null) => void;
}

/** The interpreter that builds venvs (3.10+) and its `X.Y.Z`. */
async function basePython(explicit: string | undefined, env: NodeJS.ProcessEnv): Promise<{ python: string; version: string; implementation: string }> {
  try {
    const found = await findPython({ interpreter: explicit, env, minimum: "3.10" });
    return { python: found.path, version: found.version, implementation: found.implementation };
  } catch (err) {
    if (!(err instanceof NoPythonError)) throw err;
    const tried = err.tried.map((t) => `${t.cmd} (${t.version ?? "not usable"})`);
    throw new CannotRunError(`verify creates venvs with Python 3.10+, but none was found (tried ${tried.join(", ")}); pass --interpreter PATH or set MCPM_PYTHON`);
  }
}

/** An interpreter verify builds venvs with: its path, `X.Y.Z` and `CPython 3.12.1`. */
interface VerifyPython {
  python: string;
  version: string;
  label: string;
}

/**
 * The interpreters to verify on: `--interpreter` alone when given; in a monorepo with
 * mcp-monorepo.yaml, each distinct Python its targets run (FastMCP Cloud 3.12, docker/k8s/mcpb the
 * manifest's `python`), never another version (an error names the missing one and
 * `uv python install`); without a manifest, the default interpreter.
 */
async function verifyPythons(ws: Workspace, explicit: string | undefined, env: NodeJS.ProcessEnv): Promise<VerifyPython[]> {
  if (explicit || !ws.manifest) {
    const base = await basePython(explicit, env);
    return [{ python: base.python, version: base.version, label: `${base.implementation} ${base.version}` }];
  }
  const out: VerifyPython[] = [];
  for (const version of distinctTargetPythons(ws.manifest.python, ws.manifest.targets)) {
    const found = await findPython({ version, env });
    out.push({ python: found.path, version: found.version, label: `${found.implementation} ${found.version}` });
  }
  return out;
}

/** Reads what each server installs and runs. */
async function localServers(ws: Workspace, python: string, envFile: Record<string, string>, env: NodeJS.ProcessEnv): Promise<LocalServer[]> {
  const data = await Promise.all(ws.servers.map((s, i) => collectServer(ws.root, s, i)));
  const needPyproject = data.filter((d) => !d.requirements && d.pyproject);
  const pyprojects = needPyproject.length
    ? (await runAnalyzer({ files: [], specs: [], pyprojects: needPyproject.map((d) => ({ id: d.folder, path: path.join(ws.root, d.pyproject!) })), runtimes: [], importNames: [] }, { python, env })).pyprojects
    : {};
  const out: LocalServer[] = [];
  for (const d of data) {
    let requirements: LocalServer["requirements"] = d.requirements ? { file: d.requirements.rel, text: d.requirements.text } : null;
    const deps = pyprojects[d.folder]?.dependencies;
    if (!requirements && deps?.length) requirements = { file: d.pyproject!, text: deps.map((x) => x.text).join("\n") };
    const config = d.fastmcpJson ? path.basename(d.fastmcpJson.rel) : null;
    out.push({ server: d.server, requirements, config, vars: await serverEnv(ws.root, d.server.dir, envFile) });
  }
  return out;
}

/**
 * The `verify` core: verifies every server (or a deployed URL) and returns the verdicts.
 *
 * @throws CannotRunError when there is no monorepo, an unknown `--server`, no usable Python,
 *   or an unreadable `--env-file`.
 */
export async function runVerify(opts: VerifyOptions): Promise<VerifyReport> {
  const envFile = opts.envFile ? await readEnvFile(opts.envFile, true).catch((e: UserError) => Promise.reject(new CannotRunError(e.message))) : {};
  if (opts.url) {
    let expected: string[] | null = null;
    let root: string | null = null;
    let version: string | null = null;
    if (opts.servers?.length) {
      if (opts.servers.length > 1) throw new CannotRunError("verify --url compares one deployed server: pass one --server");
      const ws = await loadWorkspace(opts.start, opts.servers);
      root = ws.root;
      const base = await basePython(opts.python, opts.env);
      version = base.version;
      const [local] = await localServers(ws, base.python, envFile, opts.env);
      const v = await verifyServer(local!, { basePython: base.python, pythonVersion: base.version, env: opts.env, onStep: opts.onStep }, "inspect");
      if (!v.ok) {
        return { root, python: version, verdicts: [{ ...v, server: `${v.server} (local, for --url)` }], summary: { passed: 0, failed: 1 } };
      }
      expected = v.tools;
    }
    const verdict = await verifyUrl({ url: opts.url, expected, tool: opts.tool, args: opts.args, headers: opts.headers, onStep: opts.onStep });
    return { root, python: version, verdicts: [verdict], summary: { passed: verdict.ok ? 1 : 0, failed: verdict.ok ? 0 : 1 } };
  }
  const ws = await loadWorkspace(opts.start, opts.servers ?? []);
  const pythons = await verifyPythons(ws, opts.python, opts.env);
  const servers = await localServers(ws, pythons[0]!.python, envFile, opts.env);
  // Each server on each distinct Python its targets run.
  const runs = servers.flatMap((server) => pythons.map((py) => ({ server, py })));
  const verdicts: Verdict[] = new Array(runs.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < runs.length; i = next++) {
      const { server, py } = runs[i]!;
      verdicts[i] = { ...(await verifyServer(server, { basePython: py.python, pythonVersion: py.version, env: opts.env, startTimeoutS: opts.startTimeoutS, onStep: opts.onStep })), python: py.label };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs ?? 1, runs.length)) }, worker));
  const passed = verdicts.filter((v) => v.ok).length;
  return { root: ws.root, python: pythons[0]!.version, pythons: pythons.map((p) => p.label), verdicts, summary: { passed, failed: verdicts.length - passed } };
}

/**
 * The tools FastMCP reports for each server (`fastmcp inspect` in the server's own cached
 * environment, built from its requirements alone: the first steps of a local verify).
 *
 * @returns server name → the tools, or why inspect failed (its one-line detail).
 */
export async function inspectTools(opts: { start: string; servers: string[]; python?: string; env: NodeJS.ProcessEnv }): Promise<Map<string, { ok: boolean; tools: string[]; detail: string }>> {
  const ws = await loadWorkspace(opts.start, opts.servers);
  const base = await basePython(opts.python, opts.env);
  const out = new Map<string, { ok: boolean; tools: string[]; detail: string }>();
  for (const s of await localServers(ws, base.python, {}, opts.env)) {
    const v = await verifyServer(s, { basePython: base.python, pythonVersion: base.version, env: opts.env }, "inspect");
    const failed = v.steps.find((st) => !st.ok);
    out.set(s.server.name, { ok: v.ok, tools: v.tools, detail: failed ? `${failed.step}: ${failed.detail}` : "" });
  }
  return out;
}
