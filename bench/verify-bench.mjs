#!/usr/bin/env node
// `verify` of the 3-server demo, uv vs the pip fallback, in the same run (and `check`'s
// dependency resolution with each, from an empty check cache):
//   cold = empty venv cache (MCPM_CACHE_DIR fresh), warm package cache (uv's and pip's own caches
//          filled by an untimed run first); warm = the same venv cache again.
// Usage (from the repository root, after `node scripts/build.mjs` and `node scripts/setup-python.mjs`):
//   node bench/verify-bench.mjs            BENCH_REPS=3 for a median of 3 (default 1)
// uv comes from the test venv (.cache/tools-bin, as the tests use it); MCPM_INSTALLER=pip asks
// verify for pip. Figures go to stdout and bench/.work/verify-results.json.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const work = path.join(root, "bench", ".work", "verify");
const bin = path.join(root, "bin", "create-mcp-monorepo.js");
const reps = Number(process.env.BENCH_REPS ?? 1);
const env = { ...process.env, PATH: `${path.join(root, ".cache", "tools-bin")}${path.delimiter}${process.env.PATH}`, NO_COLOR: "1" };
delete env.MCPM_PYTHON;
delete env.MCPM_NO_LOCK;

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const cli = (args, extra = {}) => spawnSync(process.execPath, [bin, ...args], { cwd: work, env: { ...env, ...extra }, encoding: "utf8", maxBuffer: 1 << 26 });

// The demo, locked (so uv and pip install the very same pins).
const made = cli(["demo", "--yes", "--no-git"]);
if (made.status !== 0) throw new Error(`create failed:\n${made.stdout}\n${made.stderr}`);
const demo = path.join(work, "demo");

function verify(installer, cache) {
  const t = process.hrtime.bigint();
  const r = cli(["verify", "--json", "--cwd", demo], { MCPM_CACHE_DIR: cache, MCPM_INSTALLER: installer });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`verify printed no JSON (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  }
  if (r.status !== 0) throw new Error(`verify failed with ${installer}: ${JSON.stringify(json.verdicts.map((v) => v.failed))}`);
  // Only the builds: with --jobs > 1 a server whose venv another one is building waits, and its install step counts the wait.
  const install = json.verdicts.filter((v) => v.venv && !v.venv.cached).reduce((n, v) => n + (v.steps.find((x) => x.step === "install")?.ms ?? 0), 0) / 1000;
  return { s, install, python: json.pythons, by: [...new Set(json.verdicts.map((v) => v.installer))] };
}

// Untimed: fills uv's and pip's own package caches for these pins.
for (const inst of ["uv", "pip"]) verify(inst, mkdtempSync(path.join(work, `prime-${inst}-`)));

// check's dependency resolution, cold: an empty check cache, the installers' own caches warm.
function check(installer, cache) {
  const t = process.hrtime.bigint();
  const r = cli(["check", "--json", "--cwd", demo], { MCPM_CACHE_DIR: cache, MCPM_INSTALLER: installer });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  const json = JSON.parse(r.stdout);
  if (json.metadata !== installer) throw new Error(`check resolved with ${json.metadata}, not ${installer}`);
  return s;
}
for (const inst of ["uv", "pip"]) check(inst, mkdtempSync(path.join(work, `check-prime-${inst}-`)));

const runs = { uv: { cold: [], warm: [], check: [] }, pip: { cold: [], warm: [], check: [] } };
const order = [];
for (let i = 0; i < reps; i++) order.push(...(i % 2 ? ["pip", "uv"] : ["uv", "pip"]));
let python = null;
for (const inst of order) {
  const cache = mkdtempSync(path.join(work, `cache-${inst}-`)); // empty venv cache
  const cold = verify(inst, cache);
  const warm = verify(inst, cache);
  python = cold.python;
  const checked = check(inst, mkdtempSync(path.join(work, `check-${inst}-`)));
  runs[inst].cold.push(cold);
  runs[inst].warm.push(warm);
  runs[inst].check.push({ s: checked });
  process.stderr.write(`${inst}: cold ${cold.s.toFixed(1)} s (install ${cold.install.toFixed(1)} s, ${cold.by}), warm ${warm.s.toFixed(1)} s; check cold ${checked.toFixed(1)} s\n`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (inst, kind, key = "s") => median(runs[inst][kind].map((r) => r[key]));
const result = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  loadavg: loadavg().map((x) => Number(x.toFixed(2))),
  reps,
  python,
  uv: execFileSync("uv", ["--version"], { env, encoding: "utf8" }).trim(),
  figures: {
    uvCold: m("uv", "cold"),
    uvWarm: m("uv", "warm"),
    pipCold: m("pip", "cold"),
    pipWarm: m("pip", "warm"),
    uvColdInstall: m("uv", "cold", "install"),
    pipColdInstall: m("pip", "cold", "install"),
    uvCheck: m("uv", "check"),
    pipCheck: m("pip", "check"),
  },
};
result.figures.coldRatio = result.figures.uvCold / result.figures.pipCold;
result.figures.coldInstallRatio = result.figures.uvColdInstall / result.figures.pipColdInstall;
writeFileSync(path.join(root, "bench", ".work", "verify-results.json"), JSON.stringify(result, null, 2) + "\n");
const f = result.figures;
console.log(`verify of the 3-server demo on ${python} (${result.uv}; ${result.cpus} CPUs, load ${result.loadavg.join(" ")}; median of ${reps})`);
console.log(`| case | uv | pip fallback | uv / pip | target |`);
console.log(`| --- | ---: | ---: | ---: | --- |`);
console.log(`| cold (empty venv cache, warm package cache) | ${f.uvCold.toFixed(1)} s | ${f.pipCold.toFixed(1)} s | ${f.coldRatio.toFixed(2)}× | ≤ 20 s and ≤ 0.25× |`);
console.log(`| of which the install steps | ${f.uvColdInstall.toFixed(1)} s | ${f.pipColdInstall.toFixed(1)} s | ${f.coldInstallRatio.toFixed(2)}× | |`);
console.log(`| warm (venvs cached) | ${f.uvWarm.toFixed(1)} s | ${f.pipWarm.toFixed(1)} s | | ≤ 12 s |`);
console.log(`| \`check\`, empty check cache (dependency resolution) | ${f.uvCheck.toFixed(1)} s | ${f.pipCheck.toFixed(1)} s | ${(f.uvCheck / f.pipCheck).toFixed(2)}× | |`);
