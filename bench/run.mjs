#!/usr/bin/env node
// The benchmarks of issue 10, in one run: every ratio is measured against its baseline in the
// same run, with the cases interleaved (ABAB...) so machine load hits both sides alike.
//
//   1. cold start: --help and --version vs `node -e 0` and vs create-vite's --help
//   2. scaffold: create --yes (3 servers) vs create-vite react-ts; 50 servers vs `cp -r` of the same tree
//   3. add-server and sync --check in a 50-server monorepo (+ bench/sync-bench.mjs: 100 servers vs rsync)
//   4. generated server cold start to the first answered tools/list over HTTP vs a bare one-file FastMCP server
//   5. footprint: tarball, installed size and package count of a clean install, vs create-vite
//   6. peak memory (max RSS) of create --yes vs create-vite react-ts
//
// Both CLIs run as users get them: our tarball (`npm pack` of the build) and create-vite@CREATE_VITE
// from npm, each installed with `npm install --global` into its own empty prefix under bench/.work/.
// Run: `npx -y pnpm@10 bench` (builds first). Env knobs: BENCH_REPS (default 11; cold start uses
// 3× that), BENCH_ONLY=cold,scaffold,scale,server,footprint,memory,sync (default: all).
import { spawn, spawnSync, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { listTools } from "./lib/mcp-http.mjs";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WORK = path.join(REPO, "bench", ".work");
const CREATE_VITE = "9.3.0";
const REPS = Number(process.env.BENCH_REPS ?? 11);
const ONLY = new Set((process.env.BENCH_ONLY ?? "cold,scaffold,scale,server,footprint,memory,sync").split(","));
const PYTHON = path.join(REPO, ".cache", "venv", "bin", "python");
const PKG = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));

const results = [];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (ns) => Number(ns) / 1e6;
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** Wall time of one process (spawn to exit), in ms. */
function timeOnce(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  run(cmd, args, opts);
  return ms(process.hrtime.bigint() - t0);
}

/**
 * Runs the cases interleaved `reps` times; `prepare` (untimed) runs before each timed call.
 * @param {Record<string, { cmd: string, args: string[], cwd?: string, prepare?: () => void, cleanup?: () => void }>} cases
 */
function interleave(cases, reps) {
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const names = Object.keys(cases);
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const k of order) {
      const c = cases[k];
      c.prepare?.();
      times[k].push(timeOnce(c.cmd, c.args, { cwd: c.cwd, env: c.env }));
      c.cleanup?.();
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

function report(section, name, value, base, baseName, target) {
  const ratio = value / base;
  const met = target === undefined ? "" : ratio <= target ? `  target ≤ ${target}: met` : `  target ≤ ${target}: NOT met`;
  results.push({ section, name, value, base, baseName, ratio, target });
  console.log(`  ${name.padEnd(44)} ${fmt(value).padStart(8)} ms  vs ${baseName.padEnd(30)} ${fmt(base).padStart(8)} ms  = ${ratio.toFixed(2)}×${met}`);
}

const tmp = (name) => {
  const d = path.join(WORK, "tmp", name);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  return d;
};
const rm = (p) => fs.rmSync(p, { recursive: true, force: true });

// ---------------------------------------------------------------- install both CLIs
function duBytes(dir) {
  return Number(run("du", ["-sb", dir]).stdout.toString().split("\t")[0]);
}

function installTarball(tarball, prefix) {
  rm(prefix);
  fs.mkdirSync(prefix, { recursive: true });
  run("npm", ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", tarball], {
    env: { ...process.env, npm_config_cache: path.join(WORK, "npm-cache-offline"), npm_config_registry: "http://127.0.0.1:9/" },
  });
  const ls = run("npm", ["ls", "--global", "--prefix", prefix, "--all", "--parseable"]).stdout.toString().trim().split("\n");
  return { packages: ls.length - 1, installedBytes: duBytes(path.join(prefix, "lib", "node_modules")), tarballBytes: fs.statSync(tarball).size };
}

function setup() {
  fs.mkdirSync(WORK, { recursive: true });
  console.log(`packing ${PKG.name} (dist/ built by the bench script) and create-vite@${CREATE_VITE} (from npm) ...`);
  const packs = path.join(WORK, "packs");
  rm(packs);
  fs.mkdirSync(packs);
  run("npm", ["pack", "--ignore-scripts", "--pack-destination", packs], { cwd: REPO });
  run("npm", ["pack", `create-vite@${CREATE_VITE}`, "--pack-destination", packs], { cwd: packs });
  const ours = installTarball(path.join(packs, `${PKG.name}-${PKG.version}.tgz`), path.join(WORK, "ours"));
  const vite = installTarball(path.join(packs, `create-vite-${CREATE_VITE}.tgz`), path.join(WORK, "vite"));
  return {
    ours: { ...ours, bin: path.join(WORK, "ours", "bin", "create-mcp-monorepo"), mcpm: path.join(WORK, "ours", "bin", "mcp-monorepo") },
    vite: { ...vite, bin: path.join(WORK, "vite", "bin", "create-vite") },
  };
}

const node = process.execPath;
const GIT_ENV = { ...process.env, CI: "1", GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "bench@example.com", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "bench@example.com" };

// ---------------------------------------------------------------- 1. cold start
function coldStart(c) {
  console.log(`\n1. cold start (median of ${REPS * 3}, interleaved)`);
  const t = interleave(
    {
      node: { cmd: node, args: ["-e", "0"] },
      help: { cmd: c.ours.bin, args: ["--help"] },
      version: { cmd: c.ours.bin, args: ["--version"] },
      viteHelp: { cmd: c.vite.bin, args: ["--help"] },
    },
    REPS * 3,
  );
  report("cold", "create-mcp-monorepo --help", t.help, t.node, "node -e 0", 1.25);
  report("cold", "create-mcp-monorepo --version", t.version, t.node, "node -e 0", 1.25);
  report("cold", "create-vite --help", t.viteHelp, t.node, "node -e 0");
  report("cold", "create-mcp-monorepo --help", t.help, t.viteHelp, "create-vite --help");
}

// ---------------------------------------------------------------- 2. scaffold
const serverArgs = (n) => Array.from({ length: n }, (_, i) => ["--server", `srv${i + 1}=Server number ${i + 1}`]).flat();

function scaffold(c) {
  console.log(`\n2. scaffold (median of ${REPS}, interleaved; the output folder is removed between runs, untimed)`);
  const dir = tmp("scaffold");
  const out = path.join(dir, "out");
  const clean = () => rm(out);
  const t = interleave(
    {
      vite: { cmd: c.vite.bin, args: ["out", "--template", "react-ts", "--no-interactive", "--no-immediate"], cwd: dir, cleanup: clean },
      yes: { cmd: c.ours.bin, args: ["--yes", "out"], cwd: dir, env: GIT_ENV, cleanup: clean },
      yesNoGit: { cmd: c.ours.bin, args: ["--yes", "--no-git", "out"], cwd: dir, cleanup: clean },
    },
    REPS,
  );
  report("scaffold", "create --yes (3 servers, git init + commit)", t.yes, t.vite, "create-vite react-ts", 1.5);
  report("scaffold", "create --yes --no-git (3 servers)", t.yesNoGit, t.vite, "create-vite react-ts", 1.5);
  // 50 servers vs cp -r of the very tree it writes.
  const ref = path.join(dir, "ref50");
  run(c.ours.bin, ["--no-git", "ref50", ...serverArgs(50)], { cwd: dir });
  const files = run("find", [ref, "-type", "f"]).stdout.toString().trim().split("\n").length;
  const t50 = interleave(
    {
      cp: { cmd: "cp", args: ["-r", "ref50", "out"], cwd: dir, cleanup: clean },
      ours: { cmd: c.ours.bin, args: ["--no-git", "out", ...serverArgs(50)], cwd: dir, cleanup: clean },
    },
    REPS,
  );
  report("scaffold", `create, 50 servers --no-git (${files} files)`, t50.ours, t50.cp, "cp -r of the same tree", 3);
  return { dir, ref50: ref };
}

// ---------------------------------------------------------------- 3. add-server and sync at scale
function scale(c, ref50) {
  console.log(`\n3. add-server and sync --check in a 50-server monorepo (median of ${REPS}, interleaved)`);
  const dir = tmp("scale");
  const base = path.join(dir, "base");
  run("cp", ["-r", ref50, base]);
  const work = path.join(dir, "work");
  const fresh = () => {
    rm(work);
    run("cp", ["-r", base, work]);
  };
  const t = interleave(
    {
      node: { cmd: node, args: ["-e", "0"] },
      cpServer: { cmd: "cp", args: ["-r", "work/server-srv1", "work/server-copy"], cwd: dir, prepare: fresh },
      add: { cmd: c.ours.mcpm, args: ["add-server", "extra", "--yes", "--cwd", work], cwd: dir, prepare: fresh },
      sync: { cmd: c.ours.mcpm, args: ["sync", "--check", "--cwd", base], cwd: dir },
      cpTree: { cmd: "cp", args: ["-r", "base", "copy"], cwd: dir, cleanup: () => rm(path.join(dir, "copy")) },
    },
    REPS,
  );
  report("scale", "add-server in a 50-server monorepo", t.add, t.cpServer, "cp -r of one server folder");
  report("scale", "add-server in a 50-server monorepo", t.add, t.node, "node -e 0");
  report("scale", "sync --check, 50 servers (no-op)", t.sync, t.cpTree, "cp -r of the whole monorepo");
  report("scale", "sync --check, 50 servers (no-op)", t.sync, t.node, "node -e 0");
}

// ---------------------------------------------------------------- 4. generated server start-up
const BARE = `# A bare one-file FastMCP server with the same two tools as a generated server.
import sys
from typing import Any

from fastmcp import FastMCP

mcp = FastMCP(name="bare")
ITEMS = [{"id": i, "name": f"bare-item-{i}"} for i in range(1, 101)]


@mcp.tool
def hello(name: str = "world") -> str:
    """Greet someone by name."""
    return f"Hello, {name}!"


@mcp.tool
def list_items(page: int = 1, limit: int = 20) -> dict[str, Any]:
    """List example items one page at a time."""
    start = (page - 1) * limit
    return {"items": ITEMS[start : start + limit], "page": page, "has_next": start + limit < len(ITEMS)}


if __name__ == "__main__":
    mcp.run(transport="http", host="127.0.0.1", port=int(sys.argv[sys.argv.index("--port") + 1]), path="/mcp")
`;

let nextPort = 18_500;
/** Process start → first answered tools/list over streamable HTTP, in ms (checks both tools are listed). */
async function serverStart(script, cwd) {
  const port = nextPort++;
  const url = `http://127.0.0.1:${port}/mcp`;
  const t0 = process.hrtime.bigint();
  const child = spawn(PYTHON, [script, "--transport", "http", "--port", String(port)], { cwd, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, FASTMCP_SHOW_CLI_BANNER: "false" } });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
      try {
        const tools = await listTools(url);
        const t1 = process.hrtime.bigint();
        if (tools.join() !== "hello,list_items") throw new Error(`unexpected tools ${tools}`);
        return ms(t1 - t0);
      } catch (e) {
        if (e.cause?.code !== "ECONNREFUSED" && !/fetch failed/.test(String(e.message))) throw e;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  } finally {
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

async function serverCold(c) {
  console.log(`\n4. server cold start: process start to the first answered tools/list over HTTP (median of ${2 * REPS + 1}, interleaved, same working folder)`);
  if (!fs.existsSync(PYTHON)) {
    console.log("  skipped: no venv at .cache/venv (run node scripts/setup-python.mjs)");
    return;
  }
  const dir = tmp("server");
  run(c.ours.bin, ["--no-git", "gen", "--server", "ops=Operations tools"], { cwd: dir });
  fs.writeFileSync(path.join(dir, "bare.py"), BARE);
  const gen = path.join(dir, "gen", "server-ops");
  const times = { gen: [], bare: [] };
  // Both start from the server folder (the same working directory), and 2×REPS+1 times: a start
  // takes ~1.3 s idle with a spread of ±0.1 s, wider than the 5% the target allows.
  const reps = 2 * REPS + 1;
  await serverStart(path.join(dir, "bare.py"), gen); // warm the OS file cache for both
  await serverStart("src/server.py", gen);
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? ["gen", "bare"] : ["bare", "gen"];
    for (const k of order) times[k].push(k === "gen" ? await serverStart("src/server.py", gen) : await serverStart(path.join(dir, "bare.py"), gen));
  }
  report("server", "generated server (python src/server.py)", median(times.gen), median(times.bare), "bare one-file FastMCP server", 1.05);
}

// ---------------------------------------------------------------- 5. footprint
function footprint(c) {
  console.log("\n5. footprint of a clean install (npm install --global of the tarball into an empty prefix)");
  const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
  const row = (name, o, v, target, unit = kb) => {
    results.push({ section: "footprint", name, value: o, base: v, baseName: "create-vite", ratio: o / v, target });
    const met = target === undefined ? "" : o <= target ? `  target ≤ ${unit(target)}: met` : `  target ≤ ${unit(target)}: NOT met`;
    console.log(`  ${name.padEnd(20)} ours ${unit(o).padStart(9)}  create-vite ${unit(v).padStart(9)}  = ${(o / v).toFixed(2)}×${met}`);
  };
  row("tarball", c.ours.tarballBytes, c.vite.tarballBytes, 600 * 1024);
  row("installed", c.ours.installedBytes, c.vite.installedBytes, 2.5 * 1024 * 1024);
  row("packages", c.ours.packages, c.vite.packages, 1, String);
}

// ---------------------------------------------------------------- 6. peak memory
function memory(c) {
  console.log(`\n6. peak memory (max RSS, /usr/bin/time; median of ${Math.max(3, Math.floor(REPS / 2))})`);
  if (spawnSync("/usr/bin/time", ["-f", "%M", "true"]).status !== 0) {
    console.log("  skipped: GNU time (/usr/bin/time) is not installed (Debian: apt-get install time)");
    return;
  }
  const dir = tmp("memory");
  const rss = (cmd, args, env) => {
    const r = run("/usr/bin/time", ["-f", "%M", cmd, ...args], { cwd: dir, env });
    rm(path.join(dir, "out"));
    return Number(r.stderr.toString().trim().split("\n").pop());
  };
  const m = { yes: [], noGit: [], vite: [] };
  for (let i = 0; i < Math.max(3, Math.floor(REPS / 2)); i++) {
    m.vite.push(rss(c.vite.bin, ["out", "--template", "react-ts", "--no-interactive", "--no-immediate"]));
    m.yes.push(rss(c.ours.bin, ["--yes", "out"], GIT_ENV));
    m.noGit.push(rss(c.ours.bin, ["--yes", "--no-git", "out"]));
  }
  const row = (name, k, target) => {
    const o = median(m[k]);
    const v = median(m.vite);
    results.push({ section: "memory", name, value: o, base: v, baseName: "create-vite react-ts", ratio: o / v, target });
    const met = target === undefined ? "" : o / v <= target ? `  target ≤ ${target}: met` : `  target ≤ ${target}: NOT met`;
    console.log(`  ${name.padEnd(44)} ${(o / 1024).toFixed(1).padStart(6)} MB  vs create-vite react-ts ${(v / 1024).toFixed(1).padStart(6)} MB  = ${(o / v).toFixed(2)}×${met}`);
  };
  row("create --yes (3 servers)", "yes", 1.3);
  row("create --yes --no-git (3 servers)", "noGit", 1.3);
}

// ---------------------------------------------------------------- main
const load0 = os.loadavg();
console.log(`${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}  load average ${load0.map((l) => l.toFixed(1)).join(" ")}`);
const c = setup();
if (ONLY.has("cold")) coldStart(c);
let ref50 = null;
if (ONLY.has("scaffold") || ONLY.has("scale")) ref50 = scaffold(c).ref50;
if (ONLY.has("scale")) scale(c, ref50);
if (ONLY.has("server")) await serverCold(c);
if (ONLY.has("footprint")) footprint(c);
if (ONLY.has("memory")) memory(c);
console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
fs.writeFileSync(path.join(WORK, "results.json"), JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, load: [load0, os.loadavg()], results }, null, 2));
if (ONLY.has("sync")) {
  console.log("\n7. sync at scale vs rsync (bench/sync-bench.mjs)");
  execFileSync(node, [path.join(REPO, "bench", "sync-bench.mjs")], { stdio: "inherit" });
}
rm(path.join(WORK, "tmp"));
