import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { cacheDir } from "../kernel/cache.js";
import { startProcess, type Started } from "../kernel/proc.js";
import { findPython } from "../kernel/python.js";
import { serverPorts } from "../monorepo/manifest.js";
import { readRequirementsFile, requirementLines } from "../monorepo/requirements.js";
import { openMonorepo } from "../monorepo/monorepo.js";
import { bytecodeEnv, ensureVenv, lockPythonVersion, type Venv } from "../lock/index.js";
import { readEnvFile, serverEnv } from "../verify/index.js";
import { listToolNames } from "./probe.js";
import { PACKAGE_ROOT } from "../version.js";

/** The gateway script (FastMCP proxies mounted under each server's name). */
export const GATEWAY_SCRIPT = path.join(PACKAGE_ROOT, "python", "mcpm_dev", "gateway.py");
/** The gateway's port unless `--gateway-port` says otherwise: just below the first server's. */
export const DEFAULT_GATEWAY_PORT = 7999;
const MCP_PATH = "/mcp";

/** One server as `dev` runs it. */
export interface DevServer {
  name: string;
  folder: string;
  dir: string;
  port: number;
  url: string;
}

/** What `dev` tells as it goes. */
export type DevEvent =
  | { type: "ready"; server: string; url: string; tools: string[]; ms: number }
  | { type: "exited"; server: string; output: string }
  | { type: "shared"; message: string };

/** Options of {@link startDev}. */
export interface DevOptions {
  start: string;
  servers: readonly string[];
  gateway?: boolean;
  gatewayPort?: number;
  interpreter?: string;
  env: NodeJS.ProcessEnv;
  /** Runs the sync core after shared/ changed (the CLI passes `sync`'s write); returns one line to show. */
  syncShared?: () => Promise<string>;
  onEvent: (event: DevEvent) => void;
}

/** A running `dev`. */
export interface DevRun {
  root: string;
  python: string;
  servers: DevServer[];
  gateway: { port: number; url: string } | null;
  /** Stops every child (SIGINT to its process group, SIGKILL after the grace) and the watchers. */
  stop(): Promise<void>;
  /** Process ids of the children's groups (each child leads its own group). */
  pids(): number[];
}

/** Asks a server for tools/list until it answers (or it exits). */
async function whenListed(url: string, alive: () => boolean): Promise<string[] | null> {
  for (;;) {
    if (!alive()) return null;
    try {
      return await listToolNames(url, 5_000);
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Starts every selected server over streamable HTTP, each with uvicorn's reload on its `src/`, in
 * its own cached venv (verify's, from its requirements.txt) on its target's Python, on its stable
 * port (mcp-monorepo.yaml `port:`, else 8000 + its index); with `gateway`, one more endpoint that
 * mounts every server under its name. A change under shared/ runs `syncShared` (which vendors it
 * into every server's src/shared/, so their reloads follow).
 *
 * @throws CannotRunError outside a monorepo, for an unknown server, or without the target's Python.
 */
export async function startDev(opts: DevOptions): Promise<DevRun> {
  const repo = await openMonorepo(opts.start);
  const selected = repo.select(opts.servers);
  const ports = serverPorts(repo.manifest);
  const python = await findPython({ version: lockPythonVersion(repo.manifest), interpreter: opts.interpreter, env: opts.env });
  const servers: DevServer[] = selected.map((s) => {
    const port = ports.get(s.name)!;
    return { name: s.name, folder: s.folder, dir: s.dir, port, url: `http://127.0.0.1:${port}${MCP_PATH}` };
  });
  const venvs = new Map<string, Venv>();
  for (const s of servers) {
    const lines = requirementLines(await readRequirementsFile(path.join(s.dir, "requirements.txt"), `${s.folder}/requirements.txt`));
    venvs.set(s.name, await ensureVenv(python.path, python.version, lines, cacheDir(opts.env), opts.env));
  }
  const children: Started[] = [];
  const watchers: FSWatcher[] = [];
  let stopping = false;
  for (const s of servers) {
    const venv = venvs.get(s.name)!;
    const vars = { ...(await serverEnv(repo.root, s.dir, {})), ...(await readEnvFile(path.join(s.dir, ".env"), false)) };
    const env = { ...opts.env, ...vars, HOST: "127.0.0.1", PORT: String(s.port), MCP_TRANSPORT: "http", VIRTUAL_ENV: venv.dir, ...bytecodeEnv(venv) };
    // uvicorn's reloader restarts the app when a .py file under src/ changes (uvicorn docs, "Settings: --reload").
    const child = startProcess(venv.python, ["-m", "uvicorn", "asgi:app", "--app-dir", "src", "--host", "127.0.0.1", "--port", String(s.port), "--reload", "--reload-dir", "src", "--log-level", "warning"], { cwd: s.dir, env });
    children.push(child);
    const started = Date.now();
    void whenListed(s.url, () => !child.exited() && !stopping).then((tools) => {
      if (tools) opts.onEvent({ type: "ready", server: s.name, url: s.url, tools, ms: Date.now() - started });
    });
    void child.child.once("exit", () => {
      if (!stopping) opts.onEvent({ type: "exited", server: s.name, output: child.output().slice(-4000) });
    });
  }
  let gateway: DevRun["gateway"] = null;
  if (opts.gateway) {
    const port = opts.gatewayPort ?? DEFAULT_GATEWAY_PORT;
    const first = venvs.get(servers[0]!.name)!;
    const child = startProcess(first.python, [GATEWAY_SCRIPT, String(port), JSON.stringify(Object.fromEntries(servers.map((s) => [s.name, s.url])))], { cwd: repo.root, env: { ...opts.env, ...bytecodeEnv(first) } });
    children.push(child);
    gateway = { port, url: `http://127.0.0.1:${port}${MCP_PATH}` };
    const url = gateway.url;
    const started = Date.now();
    void whenListed(url, () => !child.exited() && !stopping).then((tools) => {
      if (tools) opts.onEvent({ type: "ready", server: "gateway", url, tools, ms: Date.now() - started });
    });
    void child.child.once("exit", () => {
      if (!stopping) opts.onEvent({ type: "exited", server: "gateway", output: child.output().slice(-4000) });
    });
  }
  if (opts.syncShared) {
    let timer: NodeJS.Timeout | undefined;
    let running = false;
    const sync = opts.syncShared;
    const w = watch(repo.shared, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        if (running || stopping) return;
        running = true;
        try {
          opts.onEvent({ type: "shared", message: await sync() });
        } catch (err) {
          opts.onEvent({ type: "shared", message: `sync failed: ${(err as Error).message}` });
        } finally {
          running = false;
        }
      }, 300);
    });
    watchers.push(w);
  }
  return {
    root: repo.root,
    python: python.version,
    servers,
    gateway,
    pids: () => children.map((c) => c.child.pid!).filter(Boolean),
    stop: async () => {
      stopping = true;
      for (const w of watchers) w.close();
      await Promise.all(children.map((c) => c.stop(5_000)));
    },
  };
}
