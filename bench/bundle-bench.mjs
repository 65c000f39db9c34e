#!/usr/bin/env node
// Bundle benchmark: one generated server (`ops`), built and served by the real tools.
//
// 1. `bundle` wall time with uv installing the dependencies vs with pip (`--installer uv|pip`),
//    the whole command as users run it (load check and bytecode included), and the install step
//    alone (the same `uv pip install --target` / `pip install --target` the command runs). Caches
//    warm (one untimed build each first: uv's, pip's and bundle's own build cache, in a folder of
//    this run), runs interleaved (uv pip, pip uv, ...), medians. Then the uv build with an empty
//    build cache (a fresh folder each run).
// 2. CPU time of importing the served app (`import asgi` with `--app-dir src`, as uvicorn does):
//    from the extracted bundle (bytecode, unchecked-hash), from the same bundle built with
//    --no-compile, and from the same server in a venv whose packages and sources have bytecode
//    (`uv pip install --compile-bytecode`, one untimed import first). CPU = user + system time of
//    the import, read with time.process_time() inside the process; medians of interleaved runs.
//
// Run: `npx -y pnpm@10 bench:bundle` (builds first), or `node bench/bundle-bench.mjs` after a build.
// Needs the test venv (`node scripts/setup-python.mjs`: it has uv) and a Python of the bundle's
// version (default: python3's). Options (env): BENCH_REPS (default 5 imports, 3 builds),
// BENCH_KEEP=1 keeps the temp tree. Figures go to bench/.work/bundle-results.json.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(REPO, "bin", "create-mcp-monorepo.js");
const VENV_BIN = path.join(REPO, ".cache", "venv", "bin");
const UV = path.join(VENV_BIN, "uv");
const REPS = Number(process.env.BENCH_REPS ?? 5);
const BUILD_REPS = Number(process.env.BENCH_BUILD_REPS ?? 3);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (s) => `${s.toFixed(2)} s`;

if (!fs.existsSync(UV)) {
  console.log(`no uv at ${UV}: run \`node scripts/setup-python.mjs\` first`);
  process.exit(2);
}
const info = execFileSync("python3", ["-c", "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" }).trim().split("\n");
const [PY, VERSION] = info;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "mcpm-bundle-bench-"));
// bundle's build cache (bytecode and deflated files per package) of this run only: warmed by the
// untimed builds, empty for the cold-cache builds.
const env = { ...process.env, MCPM_UV: UV, UV_PYTHON_DOWNLOADS: "never", MCPM_CACHE_DIR: path.join(work, "mcpm-cache") };
const cli = (args, cwd, extra = {}) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...env, ...extra }, encoding: "utf8", maxBuffer: 64 << 20 });
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}`);
  return secs;
};
const timed = (cmd, args, opts) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
};

try {
  console.log(`bundle bench: Python ${VERSION} (${PY}), uv ${execFileSync(UV, ["--version"], { encoding: "utf8" }).trim()}, load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  cli(["demo", "--server", "ops=Ops tools", "--python", VERSION, "--target", "mcpb", "--no-git"], work);
  const root = path.join(work, "demo");
  const reqs = path.join(root, "server-ops", "requirements.txt");

  // 1. Builds. Warm both caches first (untimed).
  for (const installer of ["uv", "pip"]) cli(["bundle", "--out", `warm-${installer}`, "--installer", installer, "--interpreter", PY], root);
  const build = { uv: [], pip: [] };
  const install = { uv: [], pip: [] };
  for (let i = 0; i < BUILD_REPS; i++) {
    for (const installer of i % 2 ? ["pip", "uv"] : ["uv", "pip"]) {
      build[installer].push(cli(["bundle", "--out", `out-${installer}-${i}`, "--installer", installer, "--interpreter", PY], root));
      const target = path.join(work, `t-${installer}-${i}`);
      install[installer].push(
        installer === "uv"
          ? timed(UV, ["pip", "install", "--target", target, "--python-platform", "x86_64-manylinux_2_28", "--python-version", VERSION, "--only-binary", ":all:", "--python", PY, "-q", "-r", reqs], { env })
          : timed(PY, ["-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile", "--target", target, "--python-version", VERSION, "--implementation", "cp", "--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux2014_x86_64", "-r", reqs], { env }),
      );
      fs.rmSync(target, { recursive: true, force: true });
    }
  }

  // 1b. The uv build with an empty build cache (what the first build of a set of dependencies costs).
  const cold = [];
  for (let i = 0; i < BUILD_REPS; i++) cold.push(cli(["bundle", "--out", `out-cold-${i}`, "--installer", "uv", "--interpreter", PY], root, { MCPM_CACHE_DIR: path.join(work, `mcpm-cache-cold-${i}`) }));

  // 2. Import CPU. The bundle with and without bytecode, extracted; a venv with bytecode.
  const bundleFile = fs.readdirSync(path.join(root, "out-uv-0")).find((f) => f.endsWith(".mcpb"));
  cli(["bundle", "--out", "out-nocompile", "--no-compile", "--interpreter", PY], root);
  const extract = (file, dir) => execFileSync(PY, ["-m", "zipfile", "-e", file, dir]);
  const withPyc = path.join(work, "x-pyc");
  const noPyc = path.join(work, "x-nopyc");
  extract(path.join(root, "out-uv-0", bundleFile), withPyc);
  extract(path.join(root, "out-nocompile", bundleFile), noPyc);
  const venv = path.join(work, "venv");
  execFileSync(UV, ["venv", "-q", "-p", PY, venv], { env });
  execFileSync(UV, ["pip", "install", "-q", "--compile-bytecode", "-r", reqs], { env: { ...env, VIRTUAL_ENV: venv } });
  const probe = "import sys, time; t = time.process_time(); import asgi; print(time.process_time() - t)";
  const base = { ...process.env, FASTMCP_SHOW_CLI_BANNER: "false", FASTMCP_CHECK_FOR_UPDATES: "off" };
  delete base.PYTHONPATH;
  delete base.VIRTUAL_ENV;
  const cases = {
    bundle: () => [PY, ["-c", probe], { cwd: path.join(withPyc, "src"), env: { ...base, PYTHONPATH: `${path.join(withPyc, "src")}:${withPyc}:${withPyc}/deps`, PYTHONDONTWRITEBYTECODE: "1" } }],
    "bundle --no-compile": () => [PY, ["-c", probe], { cwd: path.join(noPyc, "src"), env: { ...base, PYTHONPATH: `${path.join(noPyc, "src")}:${noPyc}:${noPyc}/deps`, PYTHONDONTWRITEBYTECODE: "1" } }],
    venv: () => [path.join(venv, "bin", "python"), ["-c", probe], { cwd: path.join(root, "server-ops", "src"), env: { ...base, PYTHONPATH: path.join(root, "server-ops", "src") } }],
  };
  // One untimed import in the venv writes the server's own bytecode (what a deployed venv has).
  {
    const [cmd, args, opts] = cases.venv();
    execFileSync(cmd, args, opts);
  }
  const cpu = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const order = Object.keys(cases);
  for (let i = 0; i < REPS; i++) {
    for (const k of i % 2 ? [...order].reverse() : order) {
      const [cmd, args, opts] = cases[k]();
      cpu[k].push(Number(execFileSync(cmd, args, { ...opts, encoding: "utf8" }).trim().split("\n").at(-1)));
    }
  }

  const m = (xs) => median(xs);
  const results = {
    when: new Date().toISOString(),
    load: os.loadavg(),
    python: VERSION,
    build: { uv: m(build.uv), pip: m(build.pip), ratio: m(build.uv) / m(build.pip), runs: build },
    coldCache: { uv: m(cold), ratio: m(cold) / m(build.pip), runs: cold },
    install: { uv: m(install.uv), pip: m(install.pip), ratio: m(install.uv) / m(install.pip), runs: install },
    importCpu: { bundle: m(cpu.bundle), noCompile: m(cpu["bundle --no-compile"]), venv: m(cpu.venv), ratio: m(cpu.bundle) / m(cpu.venv), ratioNoCompile: m(cpu["bundle --no-compile"]) / m(cpu.venv), runs: cpu },
  };
  console.log("");
  console.log(`| case | uv / bundle | pip / venv | ratio | target |`);
  console.log(`|------|-----:|-----:|-----:|-----:|`);
  console.log(`| \`bundle\` (whole command, median of ${BUILD_REPS}) | ${fmt(results.build.uv)} | ${fmt(results.build.pip)} | ${results.build.ratio.toFixed(2)}× | ≤ 0.3× |`);
  console.log(`| \`bundle\` with uv, empty build cache, vs pip warm (median of ${BUILD_REPS}) | ${fmt(results.coldCache.uv)} | ${fmt(results.build.pip)} | ${results.coldCache.ratio.toFixed(2)}× | |`);
  console.log(`| install step alone (median of ${BUILD_REPS}) | ${fmt(results.install.uv)} | ${fmt(results.install.pip)} | ${results.install.ratio.toFixed(2)}× | |`);
  console.log(`| import CPU of the served app, bundle with bytecode vs venv (median of ${REPS}) | ${fmt(results.importCpu.bundle)} | ${fmt(results.importCpu.venv)} | ${results.importCpu.ratio.toFixed(2)}× | ≤ 1.15× |`);
  console.log(`| import CPU, bundle --no-compile vs venv | ${fmt(results.importCpu.noCompile)} | ${fmt(results.importCpu.venv)} | ${results.importCpu.ratioNoCompile.toFixed(2)}× | (before) |`);
  fs.mkdirSync(path.join(REPO, "bench", ".work"), { recursive: true });
  fs.writeFileSync(path.join(REPO, "bench", ".work", "bundle-results.json"), JSON.stringify(results, null, 2) + "\n");
} finally {
  if (!process.env.BENCH_KEEP) fs.rmSync(work, { recursive: true, force: true });
}
