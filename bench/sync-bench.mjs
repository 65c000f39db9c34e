#!/usr/bin/env node
// Sync benchmark (issue 4): a synthetic monorepo of 100 servers × a 300-file shared package.
// Times a no-op sync and a one-file-changed sync, and `rsync -a --checksum` doing the
// equivalent copy over the same trees in the same run, then prints the ratios.
//
// Run: part of `npx -y pnpm@10 bench` (bench/run.mjs); alone: `npx -y pnpm@10 bench:sync`, or
// `node bench/sync-bench.mjs` after a build (the CLI rows run the built bin; the core rows
// bundle src/ modules with bench/lib/source.mjs).
// Options (env): BENCH_SERVERS (default 100), BENCH_FILES (default 300), BENCH_REPS (default 3),
// BENCH_KEEP=1 keeps the temp tree.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadSource } from "./lib/source.mjs";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(REPO, "bin", "create-mcp-monorepo.js");
const { renderManifest, serverEntry, loadManifest, renderServerRequirements, readCanonicalShared, vendoredStateOf, serializeLock, readLock, LOCK_FILE, planSync, applySync } =
  await loadSource(["monorepo/manifest", "monorepo/requirements", "monorepo/vendor", "sync/plan", "sync/apply"]);

const SERVERS = Number(process.env.BENCH_SERVERS ?? 100);
const FILES = Number(process.env.BENCH_FILES ?? 300);
const REPS = Number(process.env.BENCH_REPS ?? 3);

function ensureRsync() {
  const has = () => spawnSync("rsync", ["--version"], { stdio: "ignore" }).status === 0;
  if (has()) return true;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (isRoot && hasApt) {
    console.log("rsync is not installed; installing it with apt-get (root)...");
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    spawnSync("apt-get", ["install", "-y", "-qq", "rsync"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (has()) return true;
  }
  console.log("rsync is not installed, so the rsync comparison is skipped. Install it and re-run:");
  console.log("  Debian/Ubuntu: sudo apt-get install -y rsync   macOS: brew install rsync   Fedora: sudo dnf install rsync");
  return false;
}

/** Deterministic pseudo-random bytes (so every run builds the same trees). */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
}

function sharedFiles() {
  const files = new Map();
  files.set("__init__.py", "from shared.config import settings\n");
  files.set("requirements.txt", "httpx>=0.27\n");
  for (let i = 0; files.size < FILES + 1; i++) {
    const dir = `pkg${i % 12}${i % 3 === 0 ? `/sub${i % 5}` : ""}`;
    if (i % 50 === 7) {
      const r = prng(i);
      files.set(`${dir}/asset${i}.bin`, Buffer.from(Array.from({ length: 2048 + (i % 7) * 512 }, r)));
      continue;
    }
    const lines = 30 + (i % 90);
    const body = Array.from({ length: lines }, (_, j) => `    value_${j} = compute(${i}, ${j})  # line ${j} of module ${i}`).join("\n");
    files.set(`${dir}/mod${i}.py`, `"""Module ${i}."""\n\n\ndef run_${i}():\n${body}\n    return ${i}\n`);
  }
  return files;
}

function writeFile(abs, content) {
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
}

async function buildMonorepo(root) {
  const names = Array.from({ length: SERVERS }, (_, i) => `svc${String(i).padStart(3, "0")}`);
  const manifest = { formatVersion: 1, project: "bench", python: "3.12", repository: "https://github.com/example/bench", branch: "main", targets: ["fastmcp-cloud"], shared: "shared", servers: names.map((n) => serverEntry(n, `${n} server`)) };
  writeFile(path.join(root, "mcp-monorepo.yaml"), renderManifest(manifest));
  for (const [rel, content] of sharedFiles()) writeFile(path.join(root, "shared", rel), content);
  const canonical = await readCanonicalShared(root);
  const lock = { lockVersion: 1, servers: {} };
  for (const n of names) {
    const folder = path.join(root, `server-${n}`);
    writeFile(path.join(folder, "requirements.txt"), renderServerRequirements(`server-${n}`, "httpx>=0.27\n", ["pydantic>=2"]));
    for (const f of canonical) {
      writeFile(path.join(folder, "src", "shared", f.path), f.content);
      fs.chmodSync(path.join(folder, "src", "shared", f.path), f.mode);
    }
    lock.servers[n] = vendoredStateOf(canonical);
  }
  writeFile(path.join(root, LOCK_FILE), serializeLock(lock));
  return names;
}

/** Runs the sync core in-process (what the CLI does after start-up). */
async function coreSync(root) {
  const t0 = performance.now();
  const loaded = await loadManifest(root);
  const plan = await planSync({ root, servers: loaded.manifest.servers, lock: await readLock(root), force: false });
  if (plan.conflicts.length || plan.requirementErrors.length) throw new Error(`unexpected conflicts: ${JSON.stringify(plan.conflicts.map((c) => c.path))}`);
  const result = await applySync(root, plan);
  return { ms: performance.now() - t0, written: result.written, inSync: plan.inSync };
}

/** Runs the built CLI as a user would (includes node start-up). */
function cliSync(root) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, "sync", "--json"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`sync failed: ${r.stdout}\n${r.stderr}`);
  return { ms, written: JSON.parse(r.stdout).written };
}

/** rsync doing the same copy: canonical shared/ into every server's src/shared/ (requirements.txt is merged, not copied). */
function rsyncAll(root, names) {
  const t0 = performance.now();
  for (const n of names) {
    execFileSync("rsync", ["-a", "--checksum", "--exclude", "/requirements.txt", "shared/", `server-${n}/src/shared/`], { cwd: root });
  }
  return performance.now() - t0;
}

/** path → "mtimeMs:ino" for every file under the server folders and the lock. */
function snapshot(root, names) {
  const out = new Map();
  for (const n of names) {
    const dir = path.join(root, `server-${n}`);
    for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const abs = path.join(e.parentPath, e.name);
      const st = fs.statSync(abs);
      out.set(path.relative(root, abs), `${st.mtimeMs}:${st.ino}`);
    }
  }
  const lst = fs.statSync(path.join(root, LOCK_FILE));
  out.set(LOCK_FILE, `${lst.mtimeMs}:${lst.ino}`);
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0).padStart(7)} ms`;

const haveRsync = ensureRsync();
const root = fs.mkdtempSync(path.join(os.tmpdir(), "mcpm-bench-"));
console.log(`building ${SERVERS} servers × ${FILES}-file shared package in ${root} ...`);
const tb = performance.now();
const names = await buildMonorepo(root);
console.log(`built ${SERVERS * FILES + FILES} files in ${(performance.now() - tb).toFixed(0)} ms; ${REPS} repetitions each, medians shown`);

// Warm the page cache and check the starting point is clean.
const warm = await coreSync(root);
if (!warm.inSync) throw new Error("the synthetic monorepo should start in sync");
if (haveRsync) rsyncAll(root, names);

const res = { noopCore: [], noopCli: [], noopRsync: [], oneCore: [], oneCli: [], oneRsync: [] };
const target = path.join(root, "shared", "pkg1", "mod1.py");
let edit = 0;
const editShared = () => fs.appendFileSync(target, `# edit ${++edit}\n`);
for (let rep = 0; rep < REPS; rep++) {
  // No-op.
  const before = snapshot(root, names);
  const noop = await coreSync(root);
  if (noop.written.length !== 0) throw new Error(`no-op sync wrote ${noop.written.length} files`);
  res.noopCore.push(noop.ms);
  res.noopCli.push(cliSync(root).ms);
  const after = snapshot(root, names);
  const touched = [...after].filter(([k, v]) => before.get(k) !== v);
  if (touched.length) throw new Error(`no-op sync touched ${touched.length} files, e.g. ${touched[0][0]}`);
  if (haveRsync) res.noopRsync.push(rsyncAll(root, names));

  // One canonical file changed: sync (core), sync (CLI), rsync, each after its own edit.
  for (const kind of ["core", "cli", ...(haveRsync ? ["rsync"] : [])]) {
    editShared();
    const snap = snapshot(root, names);
    if (kind === "rsync") {
      res.oneRsync.push(rsyncAll(root, names));
      await coreSync(root); // re-adopt rsync's copies into the lock (not timed)
      continue;
    }
    const r = kind === "core" ? await coreSync(root) : cliSync(root);
    (kind === "core" ? res.oneCore : res.oneCli).push(r.ms);
    const changed = [...snapshot(root, names)].filter(([k, v]) => snap.get(k) !== v).map(([k]) => k).sort();
    const want = [...names.map((n) => `server-${n}/src/shared/pkg1/mod1.py`), LOCK_FILE].sort();
    if (JSON.stringify(changed) !== JSON.stringify(want) || r.written.length !== SERVERS + 1) {
      throw new Error(`one-file sync should write exactly one file per server plus the lock; changed ${changed.length}: ${changed.slice(0, 5).join(", ")}`);
    }
  }
}

const rows = [
  ["no-op sync (core, in-process)", median(res.noopCore), haveRsync ? median(res.noopRsync) : null],
  ["no-op sync (CLI, incl. node start-up)", median(res.noopCli), haveRsync ? median(res.noopRsync) : null],
  ["one file changed (core, in-process)", median(res.oneCore), haveRsync ? median(res.oneRsync) : null],
  ["one file changed (CLI, incl. node start-up)", median(res.oneCli), haveRsync ? median(res.oneRsync) : null],
];
console.log("");
console.log(`${"case".padEnd(46)}${"sync".padStart(10)}${"rsync".padStart(11)}  sync/rsync`);
for (const [name, s, r] of rows) console.log(`${name.padEnd(46)}${fmt(s)} ${r === null ? "        n/a" : fmt(r)}  ${r === null ? "n/a" : (s / r).toFixed(2)}`);
console.log("");
console.log(`verified: a no-op sync changed no file (mtime and inode), and a one-file change wrote exactly ${SERVERS} vendored files + ${LOCK_FILE}.`);
console.log(`rsync: ${haveRsync ? `rsync -a --checksum shared/ server-X/src/shared/ once per server (${SERVERS} runs)` : "not installed (see above)"}; node ${process.version}; ${os.cpus().length} CPUs; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
if (!process.env.BENCH_KEEP) fs.rmSync(root, { recursive: true, force: true });
else console.log(`kept ${root}`);
