import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancelledError } from "../../src/kernel/errors.js";
import { describeFailure, runProcess, startProcess } from "../../src/kernel/proc.js";
import { REPO_ROOT } from "../helpers/python.js";

// The process runner against real child processes (node -e scripts).

const NODE = process.execPath;

/** A child that starts a grandchild, prints both PIDs and waits forever (so does the grandchild). */
const FAMILY = `
const { spawn } = require("node:child_process");
const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
console.log("pids " + process.pid + " " + g.pid);
setInterval(() => {}, 1000);
`;

/** True while `pid` is a live process (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Waits (bounded) until none of `pids` is alive; returns those still alive. */
async function gone(pids: number[], ms = 10_000): Promise<number[]> {
  const until = Date.now() + ms;
  while (Date.now() < until && pids.some(alive)) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}

function pidsFrom(line: string): number[] | null {
  const m = /^pids (\d+) (\d+)$/.exec(line.trim());
  return m ? [Number(m[1]), Number(m[2])] : null;
}

describe("runProcess", () => {
  it("returns the exit code, stdout and stderr (apart and interleaved)", async () => {
    const r = await runProcess(NODE, ["-e", "process.stdout.write('out\\n'); console.error('boom: bad input'); process.exit(3)"]);
    expect(r.code).toBe(3);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toBe("boom: bad input\n");
    expect(r.output).toContain("out\n");
    expect(r.output).toContain("boom: bad input\n");
    expect(r.startError).toBeNull();
    expect(describeFailure(r)).toBe("exit 3: boom: bad input");
    const ok = await runProcess(NODE, ["-e", "process.exit(0)"]);
    expect(ok.code).toBe(0);
    expect(describeFailure(ok)).toBeNull();
  });

  it("writes input to stdin and closes it; runs in cwd with env", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mcpm-proc-"));
    try {
      const r = await runProcess(NODE, ["-e", "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(s.toUpperCase(), process.cwd(), process.env.MCPM_X))"], {
        input: "hello",
        cwd: dir,
        env: { ...process.env, MCPM_X: "x1" },
      });
      expect(r.stdout.trim()).toBe(`HELLO ${dir} x1`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a program that does not exist is a 'not found' result, not an exception", async () => {
    const r = await runProcess("mcpm-no-such-program", ["x"]);
    expect(r.startError).toMatchObject({ notFound: true, code: "ENOENT" });
    expect(r.code).toBeNull();
    expect(describeFailure(r)).toBe("not found");
    // A missing working folder is reported as ENOENT by Node too: it is not "not found".
    const cwd = await runProcess(NODE, ["-e", "0"], { cwd: "/nonexistent/mcpm-folder" });
    expect(cwd.startError).toMatchObject({ notFound: false, code: "ENOENT" });
    expect(describeFailure(cwd)).toContain("the working folder does not exist");
    // spawn throws for an argument it cannot pass (a NUL byte): a result too.
    const nul = await runProcess(NODE, ["-e", "0\0"]);
    expect(nul.startError?.notFound).toBe(false);
    expect(nul.startError?.code).toBe("ERR_INVALID_ARG_VALUE");
  });

  it("kills the child and what it started after the timeout", async () => {
    let pids: number[] = [];
    const r = await runProcess(NODE, ["-e", FAMILY], { timeoutMs: 1_500, onLine: (l) => (pids = pidsFrom(l) ?? pids) });
    expect(r.timedOut).toBe(true);
    expect(r.code).toBeNull();
    expect(r.signal).toBe("SIGKILL");
    expect(describeFailure(r, 1_500)).toBe("timed out after 2 s");
    expect(pids).toHaveLength(2);
    expect(await gone(pids)).toEqual([]);
  });

  it("an abort signal stops the child's process group and rejects with CancelledError", async () => {
    const ac = new AbortController();
    let pids: number[] = [];
    const run = runProcess(NODE, ["-e", FAMILY], {
      signal: ac.signal,
      onLine: (l) => {
        pids = pidsFrom(l) ?? pids;
        if (pids.length) ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(pids).toHaveLength(2);
    expect(await gone(pids)).toEqual([]);
    await expect(runProcess(NODE, ["-e", "0"], { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  it("streams lines as they arrive, the last unterminated one included", async () => {
    const lines: string[] = [];
    const r = await runProcess(NODE, ["-e", "process.stdout.write('a\\r\\nb\\n'); process.stderr.write('e1\\n'); process.stdout.write('tail')"], { onLine: (l, s) => lines.push(`${s}:${l}`) });
    expect(r.code).toBe(0);
    expect(lines.filter((l) => l.startsWith("stdout:"))).toEqual(["stdout:a", "stdout:b", "stdout:tail"]);
    expect(lines).toContain("stderr:e1");
  });

  it("keeps at most maxOutput characters (stdout's head, stderr's tail) and says so", async () => {
    const r = await runProcess(NODE, ["-e", "process.stdout.write('x'.repeat(5000) + 'END'); process.stderr.write('y'.repeat(5000) + 'LAST')"], { maxOutput: 1000 });
    expect(r.truncated).toBe(true);
    expect(r.stdout).toBe("x".repeat(1000));
    expect(r.stderr).toHaveLength(1000);
    expect(r.stderr.endsWith("LAST")).toBe(true);
    expect(r.output.length).toBeLessThanOrEqual(1000);
  });
});

describe("startProcess", () => {
  it("stop() ends the process group of a long-running child", async () => {
    const p = startProcess(NODE, ["-e", FAMILY]);
    const until = Date.now() + 10_000;
    while (!pidsFrom(p.output()) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const pids = pidsFrom(p.output())!;
    expect(pids).toHaveLength(2);
    expect(p.exited()).toBe(false);
    await p.stop(2_000);
    expect(p.exited()).toBe(true);
    expect(await gone(pids)).toEqual([]);
  });
});

describe("Ctrl-C and SIGTERM reach the children", () => {
  let dir = "";
  let script = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mcpm-proc-signal-"));
    script = path.join(dir, "parent.mjs");
    // A CLI-like parent: runs FAMILY through the runner (own process group) and prints the PIDs.
    await build({
      stdin: {
        contents: `import { runProcess } from "./src/kernel/proc.ts";
          const r = await runProcess(process.execPath, ["-e", ${JSON.stringify(FAMILY)}], { onLine: (l) => console.log(l) });
          console.log("child ended " + r.code);`,
        resolveDir: REPO_ROOT,
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: script,
      logLevel: "silent",
    });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} to this process stops the child and its children, then ends this process by ${signal}`, async () => {
      const parent = spawn(NODE, [script], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      const pids = await new Promise<number[]>((resolve, reject) => {
        parent.stdout.setEncoding("utf8").on("data", (d: string) => {
          out += d;
          const p = out.split("\n").map(pidsFrom).find(Boolean);
          if (p) resolve(p);
        });
        parent.on("exit", () => reject(new Error(`parent exited early: ${out}`)));
      });
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => parent.on("exit", (code, sig) => resolve({ code, signal: sig })));
      // The child runs in its own process group, so a terminal's Ctrl-C would not reach it by itself.
      parent.kill(signal);
      expect(await ended).toEqual({ code: null, signal });
      expect(out).not.toContain("child ended");
      expect(await gone(pids)).toEqual([]);
    });
  }
});
