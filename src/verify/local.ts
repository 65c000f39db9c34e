import { createServer } from "node:net";
import path from "node:path";
import { findNonPypiLines, requirementLines } from "../monorepo/requirements.js";
import { cacheDir } from "../kernel/cache.js";
import type { CheckedServer } from "../check/index.js";
import { missingVariables } from "./env.js";
import { connect } from "./mcp.js";
import { runProcess, startProcess } from "../kernel/proc.js";
import type { StepName, StepResult, Verdict } from "./types.js";
import { bytecodeEnv, ensureVenv, InstallError, type Venv } from "../lock/index.js";

/**
 * Verifies one server locally, the way the platform runs it: a fresh venv from its requirements
 * alone; the entry module loaded and its server object found (by `fastmcp inspect`, which loads it
 * as the platform does; the deployment checklist's local module import test runs on its own only to explain an inspect that
 * failed); `fastmcp inspect`'s tools; `fastmcp run` over streamable HTTP, then MCP `initialize` + `tools/list`
 * with the official TypeScript SDK client. Stops at the first failing step.
 */

/** What {@link verifyServer} needs about a server. */
export interface LocalServer {
  server: CheckedServer;
  /** Requirement lines (requirements.txt, else pyproject.toml dependencies) and where they came from, or null. */
  requirements: { file: string; text: string } | null;
  /** The FastMCP config file to run (`fastmcp.json`), or null to run the entry file. */
  config: string | null;
  /** Environment variables for the server (`.env.example` values, then `--env-file`). */
  vars: Record<string, string>;
}

/** Shared options of a verification run. */
export interface LocalOptions {
  basePython: string;
  pythonVersion: string;
  env: NodeJS.ProcessEnv;
  /** Seconds to wait for `fastmcp run` to answer `initialize` (default 90). */
  startTimeoutS?: number;
  /** Called as each step starts and ends. */
  onStep?: (server: string, step: StepName, result: StepResult | null) => void;
}

/** The deployment checklist's "Local Module Import Test", loading the file as FastMCP's loader does (its folder first on sys.path). */
const IMPORT_TEST = `
import importlib.util, json, os, sys, time
path, obj = sys.argv[1], sys.argv[2]
t = time.perf_counter()
# Like the fastmcp console script: the working directory is not on sys.path, the entry file's folder is.
sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
spec = importlib.util.spec_from_file_location("server_module", path)
module = importlib.util.module_from_spec(spec)
sys.modules["server_module"] = module
spec.loader.exec_module(module)
names = [obj] if obj else ["mcp", "server", "app"]
found = [n for n in names if hasattr(module, n)]
print("@@MCPM " + json.dumps({"ms": round((time.perf_counter() - t) * 1000), "found": found}))
sys.exit(0 if found else 3)
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

const tail = (s: string, n = 4000) => (s.length > n ? "…" + s.slice(-n) : s);
/**
 * The line of a failure log that says why: the last error-like line (`KeyError: …`, `✗ Failed …`,
 * `ERROR: …`), skipping warnings, else the last non-empty line.
 */
export function causeLine(s: string): string {
  const lines = s
    .split(/\r?\n/)
    .map((l) => l.replace(/^[\s│╭╰─┃]+|[\s│╮╯─┃]+$/g, "").trim())
    .filter((l) => l && !/Warning\b|warnings\.warn|tracemalloc/.test(l));
  const error = [...lines].reverse().find((l) => /(Error|Exception)\b|^✗|^ERROR|[Ff]ailed|cannot|No module named/.test(l));
  return error ?? lines.at(-1) ?? "";
}
const lastLine = causeLine;

/**
 * The environment a server process gets: only what a platform container has, the server's
 * variables, and the venv first on PATH, its bytecode in the venv ({@link bytecodeEnv}; without a
 * venv, none is written).
 */
export function processEnv(base: NodeJS.ProcessEnv, venv: Venv | null, vars: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "USERPROFILE", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL", "SYSTEMROOT", "COMSPEC", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE"];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (base[k] !== undefined) env[k] = base[k];
  const bytecode: NodeJS.ProcessEnv = venv ? bytecodeEnv(venv) : { PYTHONDONTWRITEBYTECODE: "1" };
  if (venv) {
    env.PATH = `${path.dirname(venv.python)}${path.delimiter}${env.PATH ?? ""}`;
    env.VIRTUAL_ENV = venv.dir;
  }
  return { ...env, ...vars, FASTMCP_SHOW_CLI_BANNER: "false", FASTMCP_CHECK_FOR_UPDATES: "off", NO_COLOR: "1", COLUMNS: "240", ...bytecode, PYTHONUNBUFFERED: "1" };
}

/** Runs the steps up to `inspect` (or all of them) for one server. */
export async function verifyServer(s: LocalServer, opts: LocalOptions, until: "inspect" | "all" = "all"): Promise<Verdict> {
  const name = s.server.name;
  const verdict: Verdict = { server: name, ok: false, steps: [], failed: null, startupMs: null, tools: [], missingEnv: [], venv: null };
  // `ms` in a step's result overrides the wall time of its function (a step whose work ran in another).
  const run = async (step: StepName, fn: () => Promise<{ ok: boolean; detail: string; log?: string; ms?: number }>): Promise<boolean> => {
    opts.onStep?.(name, step, null);
    const t = Date.now();
    let r: { ok: boolean; detail: string; log?: string; ms?: number };
    try {
      r = await fn();
    } catch (err) {
      r = { ok: false, detail: (err as Error).message, log: (err as InstallError).log ?? "" };
    }
    const result: StepResult = { step, ok: r.ok, ms: r.ms ?? Date.now() - t, detail: r.detail };
    verdict.steps.push(result);
    opts.onStep?.(name, step, result);
    if (!r.ok) {
      verdict.failed = { step, cause: r.detail, log: tail(r.log ?? "") };
      verdict.missingEnv = missingVariables(r.log ?? "", s.vars);
    }
    return r.ok;
  };
  const dir = s.server.dir;
  const target = s.config ?? (s.server.entryObject ? `${s.server.entryFile}:${s.server.entryObject}` : s.server.entryFile);
  const skipEnv = s.config ? ["--skip-env"] : [];
  let venv: Venv | null = null;
  let inspected: { ok: boolean; detail: string; log?: string; ms: number } | null = null;

  /** The local module import test in its own process. */
  const importTest = async (): Promise<{ ok: boolean; detail: string; log?: string }> => {
    const r = await runProcess(venv!.python, ["-c", IMPORT_TEST, path.join(dir, s.server.entryFile), s.server.entryObject ?? ""], { cwd: dir, env: processEnv(opts.env, venv, s.vars), timeoutMs: 120_000 });
    const m = /@@MCPM (.*)/.exec(r.stdout);
    const info = m ? (JSON.parse(m[1]!) as { ms: number; found: string[] }) : null;
    if (r.code === 0 && info) return { ok: true, detail: `imported in ${info.ms} ms; found ${info.found.join(", ")}` };
    if (r.code === 3) return { ok: false, detail: `no server object found (${s.server.entryObject ?? "mcp, server or app"}) in ${s.server.entryFile}`, log: r.output };
    return { ok: false, detail: r.timedOut ? "import timed out after 120 s" : lastLine(r.output) || r.startError?.message || `exit ${r.code}`, log: r.output };
  };

  /** `fastmcp inspect` of the target: the tools FastMCP registers. */
  const runInspect = async (): Promise<{ ok: boolean; detail: string; log?: string; ms: number }> => {
    const t = Date.now();
    const r = await runProcess(venv!.fastmcp, ["inspect", target, "--format", "fastmcp", ...skipEnv], { cwd: dir, env: processEnv(opts.env, venv, s.vars), timeoutMs: 180_000 });
    const ms = Date.now() - t;
    if (r.code !== 0) {
      const missing = r.startError?.notFound === true;
      return { ms, ok: false, detail: missing ? `fastmcp is not installed by ${s.requirements!.file}` : lastLine(r.output) || r.startError?.message || `exit ${r.code}`, log: r.output };
    }
    const start = r.stdout.indexOf("{");
    const data = JSON.parse(r.stdout.slice(start)) as { tools?: { name: string }[] };
    verdict.tools = (data.tools ?? []).map((t) => t.name).sort();
    return { ms, ok: true, detail: `fastmcp inspect ${target}: ${verdict.tools.length} tool${verdict.tools.length === 1 ? "" : "s"} (${verdict.tools.join(", ") || "none"})` };
  };

  const ok =
    (await run("requirements", async () => {
      if (!s.requirements) return { ok: false, detail: "no requirements.txt and no pyproject.toml dependencies: the platform has nothing to install" };
      const bad = findNonPypiLines(s.requirements.text);
      if (bad.length) return { ok: false, detail: `${s.requirements.file} line ${bad[0]!.line} \`${bad[0]!.text}\`: ${bad[0]!.message}` };
      return { ok: true, detail: `${s.requirements.file}` };
    })) &&
    (await run("install", async () => {
      const lines = requirementLines(s.requirements!.text);
      venv = await ensureVenv(opts.basePython, opts.pythonVersion, lines, cacheDir(opts.env), opts.env);
      verdict.venv = { hash: venv.hash, cached: venv.cached };
      verdict.installer = venv.installer;
      return { ok: true, detail: venv.cached ? `cached venv ${venv.hash} (${venv.installer})` : `fresh venv ${venv.hash} from ${s.requirements!.file} alone (${venv.installer})` };
    })) &&
    (await run("import", async () => {
      // `fastmcp inspect` loads the entry as FastMCP's loader does and finds the server object, which
      // is the whole import test; a separate Python start for it costs as much as the inspect. So
      // the inspect runs first, and only when it fails does the local module import test run, to say
      // whether the module itself fails to import (and why) or the inspect does.
      inspected = await runInspect();
      if (inspected.ok) return { ok: true, ms: 0, detail: `${s.server.entryFile} loaded and its server object found by fastmcp inspect (next step)` };
      const t = Date.now();
      return { ...(await importTest()), ms: Date.now() - t };
    })) &&
    (await run("inspect", async () => inspected!));
  if (!ok || until === "inspect") {
    verdict.ok = ok;
    return verdict;
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const started = Date.now();
  const proc = startProcess(venv!.fastmcp, ["run", target, "--transport", "http", "--host", "127.0.0.1", "--port", String(port), "--no-banner", ...skipEnv], { cwd: dir, env: processEnv(opts.env, venv, s.vars) });
  try {
    let listed: string[] = [];
    const served =
      (await run("serve", async () => {
        const deadline = started + (opts.startTimeoutS ?? 90) * 1000;
        let lastError = "";
        while (Date.now() < deadline) {
          if (proc.exited()) return { ok: false, detail: `fastmcp run exited before serving: ${lastLine(proc.output()) || "no output"}`, log: proc.output() };
          try {
            const session = await connect(url, 10_000);
            verdict.startupMs = Date.now() - started;
            try {
              listed = (await session.listTools()).value.map((t) => t.name).sort();
            } finally {
              await session.close().catch(() => {});
            }
            return { ok: true, detail: `streamable HTTP on ${url}: initialize completed ${verdict.startupMs} ms after start` };
          } catch (err) {
            lastError = (err as Error).message;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
        return { ok: false, detail: `no MCP initialize on ${url} within ${opts.startTimeoutS ?? 90} s (${lastError})`, log: proc.output() };
      })) &&
      (await run("tools/list", async () => {
        const missing = verdict.tools.filter((t) => !listed.includes(t));
        const extra = listed.filter((t) => !verdict.tools.includes(t));
        if (missing.length || extra.length) {
          return { ok: false, detail: `tools/list differs from fastmcp inspect: missing ${missing.join(", ") || "none"}; extra ${extra.join(", ") || "none"}`, log: proc.output() };
        }
        return { ok: true, detail: `${listed.length} tool${listed.length === 1 ? "" : "s"} over MCP, as inspect found` };
      }));
    verdict.ok = served;
  } finally {
    await proc.stop();
  }
  return verdict;
}
