// Safety (issue 4): a sync killed at any moment leaves every file old or new, never torn,
// and a re-run converges with no false conflicts and nothing lost.
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTransientName } from "../../src/monorepo/changes.js";
import { LOCK_FILE } from "../../src/monorepo/vendor.js";
import { killAfter, runBin, timeRun, type Anchor } from "../helpers/faults.js";
import { ensureBuilt } from "./build.js";
import { makeFixture, readTree, writeTree, type Tree } from "./fixture.js";

const SERVERS = ["alpha", "beta", "gamma"];
const ITERATIONS = 30;
/** Every CONVERGE_EVERY-th killed tree is then synced to the end and checked. */
const CONVERGE_EVERY = 6;

function content(name: string, version: number): string {
  const body = Array.from({ length: 40 }, (_, i) => `    # ${name} v${version} line ${i} ${"x".repeat(20)}`).join("\n");
  return `def f_${name.replace(/\W/g, "_")}():\n${body}\n    return ${version}\n`;
}

function sharedTree(version: 1 | 2): Tree {
  const tree: Tree = {
    "__init__.py": `VERSION = ${version}\n`,
    "requirements.txt": version === 1 ? "httpx>=0.27\n" : "httpx>=0.28\nanyio>=4\n",
    // The shared-settings block of every .env.example changes too (issue 13 item 8).
    ".env.example": version === 1 ? "# shared\nLOG_LEVEL=INFO\n" : "# shared\nLOG_LEVEL=DEBUG\nNEW_SETTING=1\n",
  };
  for (let i = 0; i < 80; i++) {
    if (version === 2 && i < 10) continue; // removed in v2
    tree[`pkg${i % 6}/mod${i}.py`] = content(`mod${i}`, version);
  }
  if (version === 2) for (let i = 0; i < 15; i++) tree[`added/new${i}.py`] = content(`new${i}`, 2);
  tree["data/blob.bin"] = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * (version === 1 ? 7 : 11)) % 256));
  return tree;
}

let template: string;
let oldFiles: Map<string, Buffer>; // vendored path (relative to src/shared) -> v1 bytes
let newFiles: Map<string, Buffer>;
let oldTexts: Map<string, Buffer>; // root-relative lock / requirements / .env.example -> old bytes
let newTexts: Map<string, Buffer>;
const work: string[] = [];

function runSync(cwd: string): Promise<{ code: number | null; stdout: string; ms: number }> {
  return runBin(["sync"], cwd).then((r) => ({ code: r.code, stdout: r.output, ms: r.ms }));
}

/** The first folder sync stages files in (plan order: first server, paths sorted). */
const FIRST_DIR = path.join("server-alpha", "src", "shared");

/** A phase of the write, recognised by the temporary names `applyChanges` makes in the first folder. */
type Phase = "staging" | "commit";
/** First temp file = staging began; first backup (`.mcpm-bak-`) = renames into place began. */
const MARK: Record<Phase, string> = { staging: ".mcpm-tmp-", commit: ".mcpm-bak-" };
const anchorOf = (cwd: string, phase: Phase): Anchor => ({ dir: path.join(cwd, FIRST_DIR), mark: MARK[phase] });

/** Spawns a sync and SIGKILLs it `delayMs` after `phase` begins. */
function killDuring(cwd: string, phase: Phase, delayMs: number): Promise<{ killed: boolean }> {
  return killAfter(["sync"], cwd, delayMs, anchorOf(cwd, phase));
}

/** Runs a sync on `cwd` and returns when each phase was first seen and when it exited (ms from spawn). */
async function timePhases(cwd: string): Promise<Record<Phase | "exit", number>> {
  const { staging, commit, exit } = await timeRun(["sync"], cwd, { staging: anchorOf(cwd, "staging"), commit: anchorOf(cwd, "commit") });
  return { staging, commit, exit };
}

/** Asserts every managed file is byte-equal to its old or its new version; returns how many are new. */
async function assertOldOrNew(root: string): Promise<{ newCount: number; total: number; leftovers: number }> {
  let newCount = 0;
  let total = 0;
  let leftovers = 0;
  for (const s of SERVERS) {
    const dir = path.join(root, `server-${s}`, "src", "shared");
    const disk = await readTree(dir);
    for (const [rel, bytes] of disk) {
      if (isTransientName(path.posix.basename(rel))) {
        leftovers++;
        continue;
      }
      if (rel === "NOTES.md") {
        expect(bytes.toString(), "unmanaged file kept").toBe("mine, not sync's\n");
        continue;
      }
      const o = oldFiles.get(rel);
      const n = newFiles.get(rel);
      const isOld = o?.equals(bytes) ?? false;
      const isNew = n?.equals(bytes) ?? false;
      expect(isOld || isNew, `server-${s}/src/shared/${rel} is neither old nor new (torn?)`).toBe(true);
      total++;
      if (isNew && !isOld) newCount++;
    }
    for (const rel of new Set([...oldFiles.keys()].filter((k) => newFiles.has(k)))) {
      // Present in both versions: must never be missing.
      expect(disk.has(rel), `server-${s}/src/shared/${rel} went missing`).toBe(true);
    }
    for (const req of [`server-${s}/requirements.txt`, `server-${s}/.env.example`]) {
      const reqNow = await fs.readFile(path.join(root, req));
      expect(reqNow.equals(oldTexts.get(req)!) || reqNow.equals(newTexts.get(req)!), `${req} torn`).toBe(true);
    }
    for (const e of await fs.readdir(path.join(root, `server-${s}`))) if (isTransientName(e)) leftovers++;
  }
  const envNow = await fs.readFile(path.join(root, ".env.example"));
  expect(envNow.equals(oldTexts.get(".env.example")!) || envNow.equals(newTexts.get(".env.example")!), ".env.example torn").toBe(true);
  const lockNow = await fs.readFile(path.join(root, LOCK_FILE));
  expect(lockNow.equals(oldTexts.get(LOCK_FILE)!) || lockNow.equals(newTexts.get(LOCK_FILE)!), "lock torn").toBe(true);
  for (const e of await fs.readdir(root)) if (isTransientName(e)) leftovers++;
  return { newCount, total, leftovers };
}

/** A plain re-run finishes the job with no false conflicts, nothing lost, and then is a no-op. */
async function assertConverges(root: string, thenNoop: boolean): Promise<void> {
  const done = await runSync(root);
  expect(done.code, done.stdout).toBe(0);
  expect(done.stdout).not.toContain("CONFLICT");
  for (const s of SERVERS) {
    const disk = await readTree(path.join(root, `server-${s}`, "src", "shared"));
    if (s === "beta") expect(disk.get("NOTES.md")?.toString()).toBe("mine, not sync's\n");
    disk.delete("NOTES.md");
    expect([...disk.keys()].sort()).toEqual([...newFiles.keys()].sort());
    for (const [rel, bytes] of disk) expect(bytes.equals(newFiles.get(rel)!), rel).toBe(true);
    expect((await fs.readFile(path.join(root, `server-${s}/requirements.txt`))).equals(newTexts.get(`server-${s}/requirements.txt`)!)).toBe(true);
    expect((await fs.readFile(path.join(root, `server-${s}/.env.example`))).equals(newTexts.get(`server-${s}/.env.example`)!)).toBe(true);
  }
  expect((await fs.readFile(path.join(root, ".env.example"))).equals(newTexts.get(".env.example")!)).toBe(true);
  expect((await fs.readFile(path.join(root, LOCK_FILE))).equals(newTexts.get(LOCK_FILE)!)).toBe(true);
  if (!thenNoop) return;
  const again = await runSync(root);
  expect(again.stdout).toContain("already in sync (1 unmanaged file left alone)");
}

/** The root-relative files sync rewrites as a whole (lock, requirements, .env.example). */
function managedTexts(): string[] {
  return [LOCK_FILE, ".env.example", ...SERVERS.flatMap((s) => [`server-${s}/requirements.txt`, `server-${s}/.env.example`])];
}

beforeAll(async () => {
  await ensureBuilt();
  const f = await makeFixture({ servers: SERVERS, shared: sharedTree(1) });
  template = f.root;
  await writeTree(template, { "server-beta/src/shared/NOTES.md": "mine, not sync's\n" });
  oldFiles = await readTree(path.join(template, "shared"));
  oldFiles.delete("requirements.txt");
  oldFiles.delete(".env.example");
  oldTexts = new Map();
  for (const rel of managedTexts()) oldTexts.set(rel, await fs.readFile(path.join(template, rel)));
  // Canonical moves to v2: every file changed, 10 removed, 15 added, requirements changed.
  await fs.rm(path.join(template, "shared"), { recursive: true });
  await writeTree(path.join(template, "shared"), sharedTree(2));
  newFiles = await readTree(path.join(template, "shared"));
  newFiles.delete("requirements.txt");
  newFiles.delete(".env.example");
  // The expected end state: one uninterrupted run on a copy.
  const ref = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-kill-ref-"));
  work.push(ref);
  await fs.cp(template, ref, { recursive: true });
  const r = await runSync(ref);
  expect(r.code, r.stdout).toBe(0);
  newTexts = new Map();
  for (const rel of managedTexts()) newTexts.set(rel, await fs.readFile(path.join(ref, rel)));
  for (const rel of managedTexts().filter((r) => r !== LOCK_FILE)) expect(newTexts.get(rel)!.equals(oldTexts.get(rel)!), `${rel} changes`).toBe(false);
}, 180_000);

afterAll(async () => {
  for (const d of [template, ...work]) if (d) await fs.rm(d, { recursive: true, force: true });
});

describe("sync killed at random points", () => {
  it(`leaves every file old or new over ${ITERATIONS} kills, and a re-run converges`, async () => {
    const started = Date.now();
    // How long each write phase takes here, to spread the kills over it.
    const probe = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-kill-probe-"));
    work.push(probe);
    await fs.cp(template, probe, { recursive: true });
    let t = await timePhases(probe);
    for (let attempt = 0; attempt < 2 && !(t.staging && t.commit); attempt++) {
      // A busy machine can hide a phase from the 1 ms poll; measure again on a fresh copy.
      await fs.rm(probe, { recursive: true, force: true });
      await fs.cp(template, probe, { recursive: true });
      t = await timePhases(probe);
    }
    expect(t.staging && t.commit, `the probe saw both write phases: ${JSON.stringify(t)}`).toBeGreaterThan(0);
    const span: Record<Phase, number> = { staging: Math.max(10, t.commit - t.staging), commit: Math.max(10, t.exit - t.commit) };

    const stats = { killed: 0, beforeAnyCommit: 0, mixed: 0, complete: 0, leftovers: 0 };
    // Two lanes in parallel (each its own monorepo copy) keep the test well under a minute.
    const lane = async (laneNo: number) => {
      for (let i = laneNo; i < ITERATIONS; i += 2) {
        // Each kill starts from the old state, so every run has the whole job to do.
        const root = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-kill-"));
        await fs.cp(template, root, { recursive: true });
        // Even runs die while staging temp files, odd runs while renaming them into place.
        const phase: Phase = i % 2 === 0 ? "staging" : "commit";
        // The renames are the first part of the commit span (backups are removed and the summary
        // printed after them), so commit-phase delays are biased towards its start.
        const u = Math.random();
        const r = await killDuring(root, phase, Math.floor((phase === "commit" ? u * u : u) * span[phase] * 1.1));
        if (r.killed) stats.killed++;
        const seen = await assertOldOrNew(root);
        stats.leftovers += seen.leftovers;
        if (seen.newCount === 0) stats.beforeAnyCommit++;
        else if (seen.newCount < seen.total) stats.mixed++;
        else stats.complete++;
        if (i % CONVERGE_EVERY === CONVERGE_EVERY - 1 || i === laneNo) await assertConverges(root, i === laneNo);
        await fs.rm(root, { recursive: true, force: true });
      }
    };
    await Promise.all([lane(0), lane(1)]);
    console.log(`kill-safety: phases ${JSON.stringify(t)} ms; ${ITERATIONS} runs: ${JSON.stringify(stats)}; ${Date.now() - started} ms`);
    // The kills must have landed while sync was writing, or the test proves little.
    expect(stats.killed).toBeGreaterThan(ITERATIONS / 3);
    expect(stats.mixed + stats.leftovers).toBeGreaterThan(0);
}, 180_000);
});
