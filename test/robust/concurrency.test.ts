// Two or more processes at once on one monorepo: the busy marker lets one writer in at a time (or
// any number of readers), and every update of a command that reports success is still there after
// the others ran. Local files only: nothing here starts a server or reaches the network.
//
// The stress test runs ROUNDS rounds of add-server + add-target + sync at once through the built bin
// (each retried when the marker refuses it); MCPM_SLOW=1 runs 50 rounds, the normal tier 12.
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { createMonorepo } from "../../src/scaffold/create.js";
import { runBin } from "../helpers/faults.js";
import { REPO_ROOT } from "../helpers/python.js";
import { tempDir } from "../helpers/cli.js";
import { ensureBuilt } from "../sync/build.js";
import { SLOW } from "./harness.js";
import { deadPid } from "../helpers/pid.js";

const ROUNDS = Number(process.env.MCPM_CONCURRENCY_ROUNDS ?? (SLOW ? 50 : 12));

/** Checks a trace of `enter|leave w|r pid` lines: returns the lines where a holder entered while a writer (or, for a writer, anyone) was inside. */
function overlaps(log: string): string[] {
  const writers = new Set<string>();
  const readers = new Set<string>();
  const bad: string[] = [];
  for (const line of log.split("\n").filter(Boolean)) {
    const [event, kind, pid] = line.split(" ");
    const inside = kind === "w" ? writers : readers;
    if (event === "enter") {
      if (writers.size > 0 || (kind === "w" && readers.size > 0)) bad.push(`${line} while inside: ${[...writers].map((p) => `w ${p}`).concat([...readers].map((p) => `r ${p}`)).join(", ")}`);
      inside.add(pid!);
    } else inside.delete(pid!);
  }
  return bad;
}

describe("the busy marker, raced by processes that take it at once", () => {
  let script: string;
  beforeAll(async () => {
    // The marker module on its own, run by plain node processes.
    const dir = await tempDir("mcpm-race-");
    await build({ entryPoints: [path.join(REPO_ROOT, "src", "monorepo", "busy.ts")], bundle: true, platform: "node", format: "esm", outfile: path.join(dir, "busy.mjs"), logLevel: "silent" });
    script = path.join(dir, "racer.mjs");
    await fs.writeFile(
      script,
      `import { appendFileSync } from "node:fs";
import * as busy from "./busy.mjs";
const [root, kind, times, holdMs] = process.argv.slice(2);
const log = process.env.RACE_LOG;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let entered = 0, refused = 0;
for (let i = 0; i < Number(times); i++) {
  let release;
  try {
    release = kind === "r" ? await busy.acquireShared(root, "bundle") : await busy.acquireBusy(root, "sync");
  } catch (err) {
    if (!/is changing this monorepo|is reading this monorepo/.test(err.message)) throw err;
    refused++;
    await sleep(Math.random() * 3);
    continue;
  }
  appendFileSync(log, "enter " + kind + " " + process.pid + "\\n");
  await sleep(Number(holdMs) * Math.random());
  appendFileSync(log, "leave " + kind + " " + process.pid + "\\n");
  await release();
  entered++;
  await sleep(Math.random() * 3);
}
console.log(JSON.stringify({ entered, refused }));
`,
    );
  }, 60_000);

  async function race(root: string, kinds: string[], times: number, holdMs: number, log: string): Promise<Array<{ entered: number; refused: number }>> {
    return Promise.all(
      kinds.map(
        (kind) =>
          new Promise<{ entered: number; refused: number }>((resolve, reject) => {
            const p = spawn(process.execPath, [script, root, kind, String(times), String(holdMs)], { env: { ...process.env, RACE_LOG: log, MCPM_BUSY_TRACE: "" } });
            let out = "";
            let err = "";
            p.stdout.on("data", (d) => (out += d));
            p.stderr.on("data", (d) => (err += d));
            p.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as { entered: number; refused: number }) : reject(new Error(err))));
          }),
      ),
    );
  }

  it("four writers taking and releasing it 40 times each: never two inside, the marker never seen torn", async () => {
    const root = await tempDir("mcpm-race-root-");
    const log = path.join(root, "..", `${path.basename(root)}.log`);
    const results = await race(root, ["w", "w", "w", "w"], 40, 2, log);
    expect(overlaps(await fs.readFile(log, "utf8"))).toEqual([]);
    expect(results.reduce((n, r) => n + r.entered, 0)).toBeGreaterThan(0);
    expect(await fs.readdir(root)).toEqual([]);
    await fs.rm(root, { recursive: true, force: true });
  }, 120_000);

  it("a stale marker (its process killed) raced by four writers: at most one takes it over at a time", async () => {
    const dead = { pid: await deadPid() };
    let entered = 0;
    for (let round = 0; round < 8; round++) {
      const root = await tempDir("mcpm-race-stale-");
      const log = path.join(root, "..", `${path.basename(root)}.log`);
      await fs.writeFile(path.join(root, ".mcp-monorepo.busy"), JSON.stringify({ pid: dead.pid, command: "add-server" }) + "\n");
      const results = await race(root, ["w", "w", "w", "w"], 1, 30, log);
      expect(overlaps(await fs.readFile(log, "utf8").catch(() => "")), `round ${round}`).toEqual([]);
      entered += results.reduce((n, r) => n + r.entered, 0);
      expect(await fs.readdir(root)).toEqual([]);
    }
    expect(entered).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it("two readers and two writers: readers share it, a writer is alone", async () => {
    const root = await tempDir("mcpm-race-rw-");
    const log = path.join(root, "..", `${path.basename(root)}.log`);
    const results = await race(root, ["r", "w", "r", "w"], 40, 2, log);
    const trace = await fs.readFile(log, "utf8");
    expect(overlaps(trace)).toEqual([]);
    expect(results[0]!.entered + results[2]!.entered).toBeGreaterThan(0);
    expect(await fs.readdir(root)).toEqual([]);
  }, 120_000);
});

describe(`add-server + add-target + sync at once through the built bin (${ROUNDS} rounds)`, () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 300_000);

  it("0 lost updates and 0 rounds with two processes inside the marker together", async () => {
    const template = path.join(await tempDir("mcpm-stress-"), "repo");
    await createMonorepo({ targetDir: template, project: "repo", servers: [{ name: "ops", description: "Ops." }], python: "3.12", git: false, repository: "example/repo", branch: "main", targets: ["fastmcp-cloud"] });
    const figures = { rounds: 0, lost: 0, together: 0, refusals: 0, ms: 0 };
    const problems: string[] = [];
    const t0 = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      const root = path.join(path.dirname(template), `round-${round}`);
      await fs.cp(template, root, { recursive: true });
      // A change of the canonical shared code, so sync has work (and takes the marker).
      await fs.appendFile(path.join(root, "shared", "config.py"), `# round ${round}\n`);
      const log = path.join(path.dirname(template), `round-${round}.log`);
      const env = { MCPM_BUSY_TRACE: log };
      const name = `s${round}`;
      // Each command is retried while the marker refuses it (another one is inside).
      const runRetried = async (argv: string[]) => {
        for (let attempt = 0; ; attempt++) {
          const r = await runBin(argv, root, { env, timeoutMs: 60_000 });
          if (r.code === 0) return r;
          if (attempt < 40 && /is changing this monorepo|is reading this monorepo/.test(r.stderr)) {
            figures.refusals++;
            await new Promise((res) => setTimeout(res, 10 + Math.random() * 60));
            continue;
          }
          problems.push(`round ${round}: ${argv.join(" ")} exited ${r.code}: ${r.stderr.slice(0, 300)}`);
          return r;
        }
      };
      await Promise.all([runRetried(["add-server", name, "--yes"]), runRetried(["add-target", "docker"]), runRetried(["sync"])]);
      const manifest = await fs.readFile(path.join(root, "mcp-monorepo.yaml"), "utf8");
      const lock = JSON.parse(await fs.readFile(path.join(root, "mcp-monorepo.lock.json"), "utf8")) as { servers: Record<string, unknown> };
      const lost: string[] = [];
      if (!new RegExp(`^\\s+- name: ${name}$`, "m").test(manifest)) lost.push(`server ${name} missing from the manifest`);
      if (!/^targets:\n(?:\s+- .*\n)*\s+- docker$/m.test(manifest)) lost.push("docker missing from targets:");
      for (const s of ["ops", name]) if (!lock.servers[s]) lost.push(`lock entry of ${s} missing`);
      for (const s of ["server-ops", `server-${name}`]) {
        if (!(await fs.stat(path.join(root, s, "Dockerfile")).then(() => true, () => false))) lost.push(`${s}/Dockerfile missing`);
      }
      const vendored = await fs.readFile(path.join(root, `server-${name}`, "src", "shared", "config.py"), "utf8").catch(() => "");
      if (!vendored.includes(`# round ${round}`)) lost.push(`server-${name}/src/shared/config.py is not the round's shared code`);
      const check = await runBin(["sync", "--check"], root, { timeoutMs: 60_000 });
      if (check.code !== 0) lost.push(`sync --check exited ${check.code}: ${check.stdout.slice(0, 200)}`);
      const leftovers = (await fs.readdir(root)).filter((e) => e.includes(".mcpm-") || e.startsWith(".mcp-monorepo.busy"));
      if (leftovers.length) lost.push(`left behind: ${leftovers.join(", ")}`);
      const together = overlaps(await fs.readFile(log, "utf8"));
      const entries = (await fs.readFile(log, "utf8")).split("\n").filter((l) => l.startsWith("enter w")).length;
      if (entries < 3) problems.push(`round ${round}: only ${entries} writers entered the marker`);
      if (lost.length) {
        figures.lost++;
        problems.push(`round ${round}: ${lost.join("; ")}`);
      }
      if (together.length) {
        figures.together++;
        problems.push(`round ${round}: inside together: ${together.join("; ")}`);
      }
      figures.rounds++;
      await fs.rm(root, { recursive: true, force: true });
    }
    figures.ms = Date.now() - t0;
    await fs.rm(path.dirname(template), { recursive: true, force: true });
    console.log(`concurrency: ${JSON.stringify(figures)}`);
    expect(problems).toEqual([]);
    expect(figures).toMatchObject({ rounds: ROUNDS, lost: 0, together: 0 });
  }, 600_000);
});
