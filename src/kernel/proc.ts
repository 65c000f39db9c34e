import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { CancelledError } from "./errors.js";

/**
 * The one way this program runs another program (git, Python, pip, fastmcp).
 *
 * - The command is an argv (no shell): `runProcess("git", ["status", "--porcelain"])`.
 * - A child runs in its own process group on POSIX (`detached`, so `setsid(2)`) unless
 *   `group: false`: a timeout, an abort or Ctrl-C then stops the child and everything it
 *   started (pip's build backends, the server `fastmcp run` spawns), with `kill(-pgid)`.
 * - Ctrl-C (SIGINT) and SIGTERM sent to this process while children run are passed on to
 *   their groups (a child in its own group does not get the terminal's SIGINT); this process
 *   then ends by the same signal, as it would without children, unless another handler (a
 *   prompt's spinner) is listening, in which case the waiting call rejects with
 *   {@link CancelledError}.
 * - A program that does not exist is a result (`startError.notFound`), not an exception;
 *   {@link describeFailure} turns any failed result into one line.
 */

/** Options of {@link runProcess} and {@link startProcess}. */
export interface ProcOptions {
  /** Working directory (default: this process's). */
  cwd?: string;
  /** Full environment of the child (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Text written to the child's stdin, which is then closed; without it stdin is `/dev/null`. */
  input?: string;
  /** The child's group is killed with SIGKILL after this long; the result says `timedOut`. */
  timeoutMs?: number;
  /** Aborting it stops the child (SIGTERM, SIGKILL after {@link ProcOptions.graceMs}); the call rejects with {@link CancelledError}. */
  signal?: AbortSignal;
  /** Milliseconds between the polite signal and SIGKILL when stopping (default 2000). */
  graceMs?: number;
  /** Run in a process group of its own (POSIX; default true). `false` keeps the terminal's session (e.g. for a GPG pinentry of `git commit`). */
  group?: boolean;
  /** Characters kept of stdout; more is dropped from the end and `truncated` set (default 64 MiB). */
  maxOutput?: number;
  /** Called with each complete line of stdout and stderr as it arrives (progress). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

/** Why a child did not start. */
export interface StartError {
  /** The program was not found (ENOENT for the command, while `cwd` exists). */
  notFound: boolean;
  /** Node's error code (`ENOENT`, `EACCES`, `ERR_INVALID_ARG_VALUE` for a NUL byte in an argument, ...). */
  code: string;
  message: string;
}

/** What {@link runProcess} returns (it never rejects, except with {@link CancelledError}). */
export interface ProcResult {
  /** Exit code, or null when the child was killed by a signal or never started. */
  code: number | null;
  /** The signal that ended the child, if any. */
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last {@link ProcOptions.maxOutput} characters of stderr. */
  stderr: string;
  /** stdout and stderr interleaved as they arrived (last {@link ProcOptions.maxOutput} characters). */
  output: string;
  /** True when stdout or the tail buffers dropped text over the cap. */
  truncated: boolean;
  timedOut: boolean;
  /** Set when the child never ran. */
  startError: StartError | null;
  /** Wall time in milliseconds. */
  ms: number;
}

const DEFAULT_MAX = 64 * 1024 * 1024;
const POSIX = process.platform !== "win32";

/** Children that are running, so a signal to this process reaches them. */
const live = new Set<Live>();

interface Live {
  child: ChildProcess;
  group: boolean;
  exited: Promise<void>;
  cancel: (signal: NodeJS.Signals) => void;
}

/**
 * Sends `signal` to a child's process group (POSIX, when it has one) or to the child itself.
 * Does nothing once the child has exited.
 */
export function killTree(child: ChildProcess, signal: NodeJS.Signals, group = POSIX): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (group && POSIX && child.pid) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    child.kill(signal);
  }
}

let forwarding: ((signal: NodeJS.Signals) => void) | null = null;
/** Set once this process is about to end by a signal: waiting calls then never settle. */
let ending = false;

/** Passes SIGINT/SIGTERM on to every live child, then ends this process by that signal when no one else listens. */
function installForwarding(): void {
  if (forwarding) return;
  forwarding = (signal: NodeJS.Signals) => {
    const children = [...live];
    for (const l of children) l.cancel(signal);
    const others = process.listenerCount(signal) - 1;
    if (others > 0) return; // e.g. a spinner's handler: the waiting calls reject with CancelledError
    ending = true;
    uninstallForwarding(); // a second Ctrl-C ends this process at once
    void Promise.race([Promise.all(children.map((l) => l.exited)), new Promise((r) => setTimeout(r, 2_000).unref())]).then(() => {
      for (const l of children) killTree(l.child, "SIGKILL", l.group);
      process.kill(process.pid, signal);
    });
  };
  process.on("SIGINT", forwarding);
  process.on("SIGTERM", forwarding);
}

function uninstallForwarding(): void {
  if (!forwarding) return;
  process.removeListener("SIGINT", forwarding);
  process.removeListener("SIGTERM", forwarding);
  forwarding = null;
}

/** Keeps the last `max` characters of a growing text. */
function tail(text: string, max: number): string {
  return text.length > max ? text.slice(text.length - max) : text;
}

/**
 * Runs a program to completion and captures what it prints.
 *
 * @param cmd - the program (a name looked up on the child's PATH, or a path).
 * @param args - its arguments, passed as they are (no shell).
 * @returns the result; a program that cannot start is `startError`, a timeout `timedOut`.
 * @throws CancelledError when `opts.signal` is aborted or Ctrl-C/SIGTERM stops the child.
 */
export function runProcess(cmd: string, args: readonly string[], opts: ProcOptions = {}): Promise<ProcResult> {
  const started = Date.now();
  const max = opts.maxOutput ?? DEFAULT_MAX;
  const group = (opts.group ?? true) && POSIX;
  return new Promise<ProcResult>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let output = "";
    let truncated = false;
    let timedOut = false;
    let cancelled = false;
    const result = (code: number | null, signal: NodeJS.Signals | null, startError: StartError | null): ProcResult => ({
      code,
      signal,
      stdout,
      stderr,
      output,
      truncated,
      timedOut,
      startError,
      ms: Date.now() - started,
    });
    if (opts.signal?.aborted) {
      reject(new CancelledError());
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: [opts.input !== undefined ? "pipe" : "ignore", "pipe", "pipe"],
        detached: group,
        windowsHide: true,
      });
    } catch (err) {
      // spawn throws (rather than emitting "error") for arguments it cannot pass, e.g. a NUL byte.
      resolve(result(null, null, startError(err, opts.cwd)));
      return;
    }
    let settled = false;
    let exitResolve!: () => void;
    const exited = new Promise<void>((r) => (exitResolve = r));
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (signal: NodeJS.Signals) => {
      killTree(child, signal, group);
      if (signal !== "SIGKILL") killTimer ??= setTimeout(() => killTree(child, "SIGKILL", group), opts.graceMs ?? 2_000);
    };
    const entry: Live = {
      child,
      group,
      exited,
      cancel: (signal) => {
        cancelled = true;
        stop(signal);
      },
    };
    live.add(entry);
    installForwarding();
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => ((timedOut = true), stop("SIGKILL")), opts.timeoutMs) : undefined;
    const onAbort = () => entry.cancel("SIGTERM");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (code: number | null, signal: NodeJS.Signals | null, err: StartError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener("abort", onAbort);
      live.delete(entry);
      if (live.size === 0) uninstallForwarding();
      exitResolve();
      if (ending) return; // this process ends by the signal; nothing may run after it
      if (cancelled) reject(new CancelledError());
      else resolve(result(code, signal, err));
    };
    const lines = { stdout: "", stderr: "" };
    const onData = (stream: "stdout" | "stderr") => (d: string) => {
      if (stream === "stdout") {
        if (stdout.length + d.length > max) {
          truncated = true;
          stdout += d.slice(0, Math.max(0, max - stdout.length));
        } else stdout += d;
      } else {
        stderr += d;
        if (stderr.length > max) ((stderr = tail(stderr, max)), (truncated = true));
      }
      output += d;
      if (output.length > max) ((output = tail(output, max)), (truncated = true));
      if (opts.onLine) {
        const parts = (lines[stream] + d).split(/\r?\n/);
        lines[stream] = parts.pop() ?? "";
        for (const l of parts) opts.onLine(l, stream);
      }
    };
    child.stdout!.setEncoding("utf8").on("data", onData("stdout"));
    child.stderr!.setEncoding("utf8").on("data", onData("stderr"));
    if (child.stdin) {
      child.stdin.on("error", () => {}); // a child that exits without reading its input
      child.stdin.end(opts.input);
    }
    child.on("error", (err) => finish(null, null, startError(err, opts.cwd)));
    child.on("close", (code, signal) => {
      if (opts.onLine) for (const s of ["stdout", "stderr"] as const) if (lines[s]) opts.onLine(lines[s], s);
      finish(code, signal, null);
    });
  });
}

function startError(err: unknown, cwd: string | undefined): StartError {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === "string" ? e.code : "EUNKNOWN";
  // Node reports a missing cwd as ENOENT of the command too.
  const notFound = code === "ENOENT" && (cwd === undefined || existsSync(cwd));
  return { notFound, code, message: String(e?.message ?? err) };
}

/**
 * One line saying why a run failed, for an error message: `not found`, `timed out after 60 s`,
 * `killed by SIGKILL`, `exit 1: <the last line it printed on stderr>`, or null when it exited 0.
 */
export function describeFailure(r: ProcResult, timeoutMs?: number): string | null {
  if (r.startError) return r.startError.notFound ? "not found" : r.startError.code === "ENOENT" ? `${r.startError.message} (the working folder does not exist)` : r.startError.message;
  if (r.timedOut) return timeoutMs !== undefined ? `timed out after ${Math.round(timeoutMs / 1000)} s` : "timed out";
  if (r.code === 0) return null;
  if (r.code === null) return `killed by ${r.signal ?? "a signal"}`;
  const last = lastLine(r.stderr) || lastLine(r.stdout);
  return `exit ${r.code}${last ? `: ${last}` : ""}`;
}

/** The last non-empty line of a text, trimmed ("" when none). */
export function lastLine(text: string): string {
  return text.trim().split(/\r?\n/).filter((l) => l.trim()).at(-1)?.trim() ?? "";
}

/** A started long-running process (see {@link startProcess}). */
export interface Started {
  child: ChildProcess;
  /** Output (stdout and stderr interleaved) so far. */
  output: () => string;
  /** True once the process has exited (or failed to start). */
  exited: () => boolean;
  /** SIGINT to its group, then SIGKILL after `graceMs` (default 5000); resolves when it has exited. */
  stop: (graceMs?: number) => Promise<void>;
}

/**
 * Starts a long-running process (a server) in its own process group and collects its output.
 * Ctrl-C and SIGTERM to this process reach it as for {@link runProcess}.
 */
export function startProcess(cmd: string, args: readonly string[], opts: ProcOptions = {}): Started {
  const group = (opts.group ?? true) && POSIX;
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"], detached: group, windowsHide: true });
  let out = "";
  let done = false;
  const max = opts.maxOutput ?? DEFAULT_MAX;
  const onData = (d: string) => {
    out += d;
    if (out.length > max) out = tail(out, max);
  };
  child.stdout!.setEncoding("utf8").on("data", onData);
  child.stderr!.setEncoding("utf8").on("data", onData);
  const exit = new Promise<void>((resolve) => {
    const end = () => {
      done = true;
      live.delete(entry);
      if (live.size === 0) uninstallForwarding();
      resolve();
    };
    child.on("exit", end);
    child.on("error", (e) => {
      out += String(e);
      end();
    });
  });
  const entry: Live = { child, group, exited: exit, cancel: (signal) => killTree(child, signal, group) };
  live.add(entry);
  installForwarding();
  return {
    child,
    output: () => out,
    exited: () => done,
    stop: async (graceMs = 5_000) => {
      if (done) return;
      killTree(child, "SIGINT", group);
      const timer = setTimeout(() => killTree(child, "SIGKILL", group), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}
