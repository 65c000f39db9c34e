import { spawn, type ChildProcess } from "node:child_process";

/**
 * Child processes for `verify`: run to completion with a timeout, or start a long-running
 * server in its own process group so stopping it also stops what it spawned.
 */

/** Result of {@link runCommand}. */
export interface RunResult {
  code: number | null;
  /** stdout + stderr interleaved as they arrived. */
  output: string;
  stdout: string;
  ms: number;
  timedOut: boolean;
}

/**
 * Runs a command to completion.
 *
 * @param timeoutMs - the process group is killed (SIGKILL) after this long; `timedOut` is then true.
 */
export function runCommand(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = "";
    let stdout = "";
    let timedOut = false;
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: process.platform !== "win32", windowsHide: true });
    } catch (e) {
      // spawn throws (rather than emitting "error") for arguments it cannot pass, e.g. a NUL byte in a path.
      resolve({ code: null, output: String(e), stdout, ms: Date.now() - started, timedOut });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child, "SIGKILL");
    }, opts.timeoutMs);
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      output += d;
      stdout += d;
    });
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: null, output: output + String(e), stdout, ms: Date.now() - started, timedOut });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, stdout, ms: Date.now() - started, timedOut });
    });
  });
}

/** Sends a signal to a child's process group (POSIX) or the child itself (Windows). */
export function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (process.platform !== "win32" && child.pid) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    child.kill(signal);
  }
}

/** A started server process. */
export interface Started {
  child: ChildProcess;
  /** Output so far. */
  output: () => string;
  /** True once the process has exited. */
  exited: () => boolean;
  /** SIGINT, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop: (graceMs?: number) => Promise<void>;
}

/** Starts a long-running process (its own process group) and collects its output. */
export function startProcess(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Started {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: process.platform !== "win32", windowsHide: true });
  let out = "";
  let done = false;
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exit = new Promise<void>((resolve) => {
    child.on("exit", () => {
      done = true;
      resolve();
    });
    child.on("error", (e) => {
      out += String(e);
      done = true;
      resolve();
    });
  });
  return {
    child,
    output: () => out,
    exited: () => done,
    stop: async (graceMs = 5_000) => {
      if (done) return;
      killTree(child, "SIGINT");
      const timer = setTimeout(() => killTree(child, "SIGKILL"), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}
