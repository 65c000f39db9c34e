import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

/** Repository root. */
export const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..");
/** The cached test venv made by scripts/setup-python.mjs (vitest global setup). */
export const VENV = process.env.MCPM_TEST_VENV ?? path.join(REPO_ROOT, ".cache", "venv");
export const VENV_BIN = path.join(VENV, process.platform === "win32" ? "Scripts" : "bin");
export const PYTHON = path.join(VENV_BIN, "python");
export const FASTMCP = path.join(VENV_BIN, "fastmcp");

/** Environment for running generated servers: the venv first on PATH, no stray PYTHONPATH, no banner noise. */
export function pyEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${VENV_BIN}${path.delimiter}${process.env.PATH ?? ""}`, VIRTUAL_ENV: VENV, ...extra };
  delete env.PYTHONPATH;
  env.FASTMCP_SHOW_CLI_BANNER = "false";
  env.FASTMCP_CHECK_FOR_UPDATES = "off";
  env.NO_COLOR = "1";
  return env;
}

/** Runs a venv tool (python, fastmcp, pytest...) in `cwd`; resolves with stdout/stderr, rejects on non-zero exit with both in the message. */
export async function runTool(tool: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  const bin = path.isAbsolute(tool) ? tool : path.join(VENV_BIN, tool);
  try {
    return await execFileP(bin, args, { cwd, env: pyEnv(extraEnv), maxBuffer: 32 * 1024 * 1024, timeout: 180_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${tool} ${args.join(" ")} failed in ${cwd}: ${e.message}\n--- stdout\n${e.stdout ?? ""}\n--- stderr\n${e.stderr ?? ""}`);
  }
}

/** A free TCP port on 127.0.0.1 (asks the OS for one). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A running `fastmcp run` process serving streamable HTTP on loopback. */
export interface ServedServer {
  url: string;
  port: number;
  proc: ChildProcess;
  /** Everything the process printed so far. */
  output: () => string;
  /** Sends SIGINT, waits for exit (SIGKILL after `graceMs`), resolves with the exit code/signal. */
  stop: (graceMs?: number) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** How {@link serveHttp} starts a server. */
export interface ServeOptions {
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  portVia?: "arg" | "env";
  timeoutMs?: number;
}

/**
 * Starts `fastmcp run fastmcp.json --skip-env --transport http --port P` from a
 * server folder (fastmcp.json resolves `source.path` against the cwd: CONTRACT.md)
 * and waits until the HTTP endpoint accepts connections.
 *
 * @param serverDir - absolute `server-<name>` folder.
 * @param opts.command - program to start (default: the venv's `fastmcp`).
 * @param opts.args - replaces the default `fastmcp run` arguments.
 * @param opts.portVia - `arg` (default): `--port P` is appended; `env`: `PORT=P` is set instead.
 * @throws if the process exits or does not listen within `timeoutMs` (default 60 s).
 */
export async function serveHttp(serverDir: string, opts: ServeOptions = {}): Promise<ServedServer> {
  const port = await freePort();
  const base = opts.args ?? ["run", "fastmcp.json", "--skip-env", "--transport", "http", "--no-banner", "--host", "127.0.0.1"];
  const args = opts.portVia === "env" ? base : [...base, "--port", String(port)];
  const env = opts.portVia === "env" ? { ...opts.env, PORT: String(port) } : opts.env;
  const proc = spawn(opts.command ?? FASTMCP, args, { cwd: serverDir, env: pyEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}/mcp`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    if (exitedEarly) throw new Error(`fastmcp run exited before listening in ${serverDir}:\n${out}`);
    const ok = await fetch(url, { method: "GET", headers: { accept: "text/event-stream" } }).then(() => true, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`fastmcp run did not listen on ${url} in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    proc,
    output: () => out,
    stop: async (graceMs = 10_000) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGINT");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
