// Fault injection for the built CLI: spawn it, time it, SIGKILL it at a chosen moment.
// Used by test/sync/kill-safety.test.ts (per write phase) and test/robust/faults.test.ts (every command).
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT } from "./python.js";

/** The bin shim over dist/ (build first: `ensureBuilt()` in test/sync/build.ts). */
export const BIN = path.join(REPO_ROOT, "bin", "create-mcp-monorepo.js");

/**
 * A sign that a run reached some point: an entry whose name contains `mark` appears in `dir`
 * (a temp file, a staging folder, the busy marker). Lets a kill be placed relative to the
 * start of the writes, so node's start-up time, which varies a lot, does not decide where it lands.
 */
export interface Anchor {
  dir: string;
  mark: string;
  /** Look for `mark` one level down instead, inside the entries of `dir` whose name contains `within` (a staging folder whose name holds a pid). */
  within?: string;
}

/** Outcome of one spawned run. */
export interface BinRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved. */
  output: string;
  stdout: string;
  stderr: string;
  /** Wall-clock ms from spawn to exit. */
  ms: number;
  /** True when it was killed for running longer than `timeoutMs`. */
  timedOut: boolean;
}

/** How {@link runBin} runs: a time bound, and (when the tests run as root) another user, so permissions bite. */
export interface RunOptions {
  timeoutMs?: number;
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
}

function spawnBin(args: string[], cwd: string, opts: RunOptions) {
  return spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", ...opts.env }, uid: opts.uid, gid: opts.gid });
}

/**
 * Runs the CLI to the end (or `opts.timeoutMs`, default 120 s, then SIGKILL and `timedOut`).
 *
 * @param args - argv after the program name.
 * @param cwd - working folder.
 * @param opts - time bound, uid/gid, extra environment.
 */
export function runBin(args: string[], cwd: string, opts: RunOptions = {}): Promise<BinRun> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawnBin(args, cwd, opts);
    let output = "";
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, timeoutMs);
    p.stdout.on("data", (d) => {
      output += d;
      stdout += d;
    });
    p.stderr.on("data", (d) => {
      output += d;
      stderr += d;
    });
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, stdout, stderr, ms: Date.now() - t0, timedOut });
    });
  });
}

async function seen(a: Anchor): Promise<boolean> {
  const names = await fs.readdir(a.dir).catch(() => [] as string[]);
  if (a.within === undefined) return names.some((n) => n.includes(a.mark));
  for (const n of names.filter((x) => x.includes(a.within!))) {
    if ((await fs.readdir(path.join(a.dir, n)).catch(() => [] as string[])).some((m) => m.includes(a.mark))) return true;
  }
  return false;
}

const tick = () => new Promise((r) => setTimeout(r, 1));

/**
 * Spawns the CLI and SIGKILLs it `delayMs` after spawn, or, with `anchor`, `delayMs` after the
 * anchor was first seen (polled every ~1 ms). A run that ends first is not killed.
 *
 * @returns `killed`: the signal landed; `anchored`: the anchor was seen before the kill.
 */
export function killAfter(args: string[], cwd: string, delayMs: number, anchor?: Anchor, env?: NodeJS.ProcessEnv): Promise<{ killed: boolean; anchored: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, stdio: "ignore", env: { ...process.env, NO_COLOR: "1", ...env } });
    let exited = false;
    let anchored = false;
    const arm = () => setTimeout(() => p.kill("SIGKILL"), delayMs);
    if (!anchor) arm();
    else {
      void (async () => {
        while (!exited) {
          if (await seen(anchor)) {
            anchored = true;
            arm();
            return;
          }
          await tick();
        }
      })();
    }
    p.on("exit", (code, signal) => {
      exited = true;
      resolve({ killed: signal === "SIGKILL", anchored, code });
    });
  });
}

/**
 * Times one full run: ms from spawn until each anchor was first seen (0: never seen by the
 * 1 ms poll) and until exit.
 */
export async function timeRun<K extends string>(args: string[], cwd: string, anchors: Record<K, Anchor>, env?: NodeJS.ProcessEnv): Promise<Record<K | "exit", number> & { run: BinRun }> {
  const t0 = Date.now();
  const times = { exit: 0 } as Record<K | "exit", number>;
  const keys = Object.keys(anchors) as K[];
  for (const k of keys) times[k] = 0;
  let run: BinRun | undefined;
  const done = runBin(args, cwd, { env }).then((r) => {
    run = r;
    times.exit = r.ms;
  });
  while (!run) {
    for (const k of keys) if (!times[k] && (await seen(anchors[k]))) times[k] = Date.now() - t0;
    await tick();
  }
  await done;
  return { ...times, run };
}
