import { spawn } from "node:child_process";
import { CancelledError } from "../kernel/errors.js";

/**
 * Runs one child process of `bundle` (an installer, the compiler, the load gate) and collects
 * its output. An abort (Ctrl-C, SIGTERM) kills the child and rejects with a
 * {@link CancelledError}, so the caller removes its staging folder and the CLI exits 130.
 */

/** What a finished child left. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started (ENOENT, EACCES). */
  spawnError?: NodeJS.ErrnoException;
}

/** Options of {@link run}. */
export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Kills the child (SIGKILL) after this many milliseconds; default none. */
  timeoutMs?: number;
  /** Called with each complete line of stdout or stderr. */
  onLine?: (line: string) => void;
}

/**
 * Runs `cmd args` and resolves when it has exited (never rejects for a failing program).
 *
 * @throws CancelledError when `opts.signal` aborts (before or while it runs).
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  if (opts.signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let pending = "";
    let child;
    try {
      // Its own process group: an interpreter reached through a shim (pyenv's is a shell script
      // that runs the real one as its child) is stopped with everything it started.
      child = spawn(cmd, [...args], { env: opts.env, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"], windowsHide: true, detached: process.platform !== "win32" });
    } catch (err) {
      resolve({ code: null, signal: null, stdout, stderr, spawnError: err as NodeJS.ErrnoException });
      return;
    }
    const onAbort = () => killTree(child);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const timer = opts.timeoutMs ? setTimeout(() => killTree(child), opts.timeoutMs) : null;
    const lines = (text: string) => {
      if (!opts.onLine) return;
      pending += text;
      const parts = pending.split(/\r?\n/);
      pending = parts.pop() ?? "";
      for (const l of parts) opts.onLine(l);
    };
    child.stdout.setEncoding("utf8").on("data", (d: string) => ((stdout += d), lines(d)));
    child.stderr.setEncoding("utf8").on("data", (d: string) => ((stderr += d), lines(d)));
    const done = () => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (err) => {
      done();
      resolve({ code: null, signal: null, stdout, stderr, spawnError: err as NodeJS.ErrnoException });
    });
    child.on("close", (code, signal) => {
      done();
      if (opts.signal?.aborted) reject(new CancelledError());
      else resolve({ code, signal, stdout, stderr });
    });
  });
}

/** SIGKILL to a child's process group (its own, see {@link run}), else to the child. */
export function killTree(child: { pid?: number; kill(signal: NodeJS.Signals): boolean; exitCode: number | null; signalCode: NodeJS.Signals | null }): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (process.platform !== "win32" && child.pid) process.kill(-child.pid, "SIGKILL");
    else child.kill("SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}
