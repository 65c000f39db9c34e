#!/usr/bin/env node
// `dev` start-up on the 3-server demo against its baseline, in the same run:
//   dev      = `mcp-monorepo dev --json` spawned → every server has answered initialize + tools/list
//              (dev prints one JSON line per server when it does); venvs already cached.
//   baseline = the same three servers started by hand, in parallel, from the same venv, the way
//              dev starts each one but without the reloader and without the CLI:
//              `python -m uvicorn asgi:app --app-dir src --port P` → all three answer tools/list.
// Usage (from the repository root, after `node scripts/build.mjs` and `node scripts/setup-python.mjs`):
//   node bench/dev-bench.mjs            BENCH_REPS=5 for a median of 5 (default 3)
// Figures go to stdout and bench/.work/dev-results.json.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { listTools } from "./lib/mcp-http.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const work = path.join(root, "bench", ".work", "dev");
const bin = path.join(root, "bin", "create-mcp-monorepo.js");
const reps = Number(process.env.BENCH_REPS ?? 3);
const cache = path.join(work, "cache");
const env = { ...process.env, PATH: `${path.join(root, ".cache", "tools-bin")}${path.delimiter}${process.env.PATH}`, NO_COLOR: "1", MCPM_CACHE_DIR: cache, FASTMCP_SHOW_CLI_BANNER: "false" };
delete env.MCPM_PYTHON;

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const made = spawnSync(process.execPath, [bin, "demo", "--yes", "--no-git"], { cwd: work, env, encoding: "utf8" });
if (made.status !== 0) throw new Error(`create failed:\n${made.stdout}\n${made.stderr}`);
const demo = path.join(work, "demo");
const servers = readdirSync(demo).filter((d) => d.startsWith("server-"));

const ms = (ns) => Number(ns) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (n) => new Promise((r) => setTimeout(r, n));

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.on("exit", r));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One `dev --json` start: ms from spawn until every server printed its ready line. */
async function devStart() {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [bin, "dev", "--json", "--cwd", demo], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  try {
    return await new Promise((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        const ready = out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
        if (ready.length >= servers.length) resolve({ ms: ms(process.hrtime.bigint() - t0), ready });
      });
      child.on("exit", (code) => reject(new Error(`dev exited ${code} before every server answered:\n${out}\n${err}`)));
    });
  } finally {
    await stop(child);
  }
}

/** Polls initialize + tools/list until the server answers with at least one tool. */
async function answered(url, child) {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server on ${url} exited`);
    try {
      if ((await listTools(url)).length > 0) return;
      throw new Error(`no tools from ${url}`);
    } catch (e) {
      if (e.cause?.code !== "ECONNREFUSED" && !/fetch failed/.test(String(e.message))) throw e;
      await sleep(5);
    }
  }
}

let nextPort = 18_700;
/** The baseline: the three servers by hand, in parallel, from dev's venv python; ms until all answered. */
async function baselineStart(python) {
  const t0 = process.hrtime.bigint();
  const children = servers.map((s) => {
    const port = nextPort++;
    const child = spawn(python, ["-m", "uvicorn", "asgi:app", "--app-dir", "src", "--host", "127.0.0.1", "--port", String(port), "--log-level", "warning"], { cwd: path.join(demo, s), env, stdio: ["ignore", "ignore", "ignore"] });
    return { child, url: `http://127.0.0.1:${port}/mcp` };
  });
  try {
    await Promise.all(children.map((c) => answered(c.url, c.child)));
    return ms(process.hrtime.bigint() - t0);
  } finally {
    await Promise.all(children.map((c) => stop(c.child)));
  }
}

/** dev's venv (cached under MCPM_CACHE_DIR by the untimed first run): the one holding FastMCP. */
function devVenvPython() {
  const found = [];
  const walk = (dir, depth) => {
    if (depth > 4 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const py = path.join(dir, e.name, "bin", "python");
      if (existsSync(path.join(dir, e.name, "pyvenv.cfg")) && existsSync(py)) found.push(py);
      else walk(path.join(dir, e.name), depth + 1);
    }
  };
  walk(cache, 0);
  if (found.length !== 1) throw new Error(`expected one venv under ${cache}, found ${found.length}`);
  return found[0];
}

// Untimed: builds and caches the venv (the three demo servers share their requirements).
const first = await devStart();
const python = devVenvPython();
const version = spawnSync(python, ["-c", "import sys, fastmcp; print(sys.version.split()[0], fastmcp.__version__)"], { encoding: "utf8" }).stdout.trim();

const runs = { dev: [], baseline: [] };
for (let i = 0; i < reps; i++) {
  for (const which of i % 2 ? ["baseline", "dev"] : ["dev", "baseline"]) {
    runs[which].push(which === "dev" ? (await devStart()).ms : await baselineStart(python));
  }
}
const dev = median(runs.dev);
const base = median(runs.baseline);
const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, load: loadavg().map((l) => l.toFixed(1)) },
  node: process.version,
  python: version,
  servers,
  firstRunIncludingVenvMs: Math.round(first.ms),
  runs,
  medianMs: { dev: Math.round(dev), baseline: Math.round(base) },
  ratio: Number((dev / base).toFixed(2)),
  overheadMs: Math.round(dev - base),
};
writeFileSync(path.join(root, "bench", ".work", "dev-results.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(`dev start-up, ${servers.length} servers (${servers.join(", ")}) on CPython/FastMCP ${version}; ${reps} interleaved runs, ${cpus().length} CPUs, load ${result.machine.load.join(" ")}`);
console.log(`  first dev run (builds the venv):            ${(first.ms / 1000).toFixed(1)} s`);
console.log(`  dev --json until every server answered:     median ${(dev / 1000).toFixed(2)} s  (${runs.dev.map((x) => (x / 1000).toFixed(2)).join(", ")})`);
console.log(`  by hand, uvicorn in parallel (baseline):    median ${(base / 1000).toFixed(2)} s  (${runs.baseline.map((x) => (x / 1000).toFixed(2)).join(", ")})`);
console.log(`  dev / baseline: ${result.ratio}×  (dev's own cost: ${(result.overheadMs / 1000).toFixed(2)} s)`);
