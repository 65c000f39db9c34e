#!/usr/bin/env node
// Quickstart demo: scaffolds a monorepo with `--yes` (servers ops, customer, finance),
// then proves each server works on real FastMCP from PyPI: runs its pytest suite, serves it
// with `fastmcp run fastmcp.json` over streamable HTTP and lists its tools with the official
// TypeScript MCP SDK client. Then adds the docker and k8s targets (`add-target docker k8s`),
// lints server-ops' Dockerfile with hadolint, validates its k8s.yaml with kubernetes-validate
// --strict, runs the Dockerfile's CMD as the container would (its ENV, $PORT) and lists tools
// at /mcp, runs its HEALTHCHECK, and runs `check --strict` on the result. Finally it builds one
// MCPB bundle (`bundle ops`), verifies its SHA256, extracts it and serves it with uvicorn on a
// Python that has no FastMCP installed, as the MCPB Python runtime does.
// Usage: pnpm demo [dir]   (default: ./demo, or demo-2, demo-3...)
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { setupPython } from "./setup-python.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const python = setupPython();
const bin = path.dirname(python);

let target = process.argv[2];
if (!target) {
  target = "demo";
  for (let i = 2; existsSync(path.join(repo, target)); i++) target = `demo-${i}`;
}
const root = path.resolve(repo, target);
console.log(`\n$ npx create-mcp-monorepo ${path.relative(repo, root)} --yes --no-git`);
execFileSync(process.execPath, [path.join(repo, "bin", "create-mcp-monorepo.js"), root, "--yes", "--no-git"], { stdio: "inherit", env: { ...process.env, CI: "1" } });

const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, FASTMCP_SHOW_CLI_BANNER: "false", FASTMCP_CHECK_FOR_UPDATES: "off" };
delete env.PYTHONPATH;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function listToolsOverHttp(dir, command, extraEnv = {}, whileUp = async () => {}) {
  const port = await freePort();
  const [cmd, ...args] = command ?? [path.join(bin, "fastmcp"), "run", "fastmcp.json", "--skip-env", "--transport", "http", "--no-banner", "--port", String(port)];
  const proc = spawn(cmd, args, { cwd: dir, env: { ...env, ...extraEnv, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout.on("data", (d) => (log += d));
  proc.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    for (let i = 0; ; i++) {
      if (await fetch(url).then(() => true, () => false)) break;
      if (i > 300 || proc.exitCode !== null) throw new Error(`server did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const client = new Client({ name: "create-mcp-monorepo-demo", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const { tools } = await client.listTools();
    const hello = await client.callTool({ name: "hello", arguments: { name: "demo" } });
    await client.close();
    await whileUp(port);
    return { url, tools: tools.map((t) => t.name), hello: hello.content[0].text };
  } finally {
    proc.kill("SIGINT");
  }
}

let failed = 0;
for (const server of ["ops", "customer", "finance"]) {
  const dir = path.join(root, `server-${server}`);
  console.log(`\n== server-${server}`);
  try {
    const out = execFileSync(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider"], { cwd: dir, env, encoding: "utf8" });
    console.log(`pytest: ${out.trim().split("\n").pop()}`);
    const { url, tools, hello } = await listToolsOverHttp(dir);
    console.log(`fastmcp run fastmcp.json → ${url}`);
    console.log(`tools/list over HTTP: ${tools.join(", ")}`);
    console.log(`tools/call hello: ${hello}`);
  } catch (err) {
    failed++;
    console.error(`FAILED: ${err.stdout ?? ""}${err.message}`);
  }
}
console.log(failed ? `\n${failed} server(s) failed` : `\nAll 3 servers of ${path.relative(repo, root)}/ pass their tests and answer tools/list over streamable HTTP.`);

// Deployment targets: docker and k8s artefacts for every server, proven on server-ops.
const cli = (...args) => execFileSync(process.execPath, [path.join(repo, "bin", "create-mcp-monorepo.js"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "1" } });
console.log(`\n$ npx create-mcp-monorepo add-target docker k8s`);
process.stdout.write(cli("add-target", "docker", "k8s"));
try {
  // dist/ is one bundle with hashed chunks: load the Dockerfile reader from src/ (esbuild, as the benchmarks do).
  const { loadSource } = await import("../bench/lib/source.mjs");
  const { readDockerfile } = await loadSource(["check/dockerfile"]);
  const ops = path.join(root, "server-ops");
  const docker = readDockerfile(readFileSync(path.join(ops, "Dockerfile"), "utf8"));
  console.log(`\n== server-ops/Dockerfile: FROM ${docker.from.image}, USER ${docker.user}, EXPOSE ${docker.expose.join(" ")}, CMD ${JSON.stringify(docker.cmd.value)}`);
  execFileSync(path.join(bin, "hadolint"), ["--failure-threshold", "style", path.join(ops, "Dockerfile")], { stdio: "inherit" });
  console.log("hadolint: no warnings");
  const kv = execFileSync(path.join(bin, "kubernetes-validate"), ["--strict", path.join(ops, "k8s.yaml")], { encoding: "utf8" });
  console.log(`kubernetes-validate --strict (server-ops/k8s.yaml):\n${kv.trim().split("\n").map((l) => "  " + l.replace(/^INFO /, "").replace(ops + "/", "")).join("\n")}`);
  const [cmd, ...args] = docker.cmd.value;
  const hc = docker.healthcheck.command;
  const { url, tools } = await listToolsOverHttp(ops, [path.join(bin, cmd), ...args], docker.env, async (port) => {
    execFileSync(path.join(bin, hc[0]), hc.slice(1), { cwd: ops, env: { ...env, PORT: String(port) } });
    console.log(`HEALTHCHECK ${JSON.stringify(hc).slice(0, 60)}...: exit 0`);
  });
  console.log(`CMD ${JSON.stringify(docker.cmd.value)} with the Dockerfile's ENV → ${url}; tools/list: ${tools.join(", ")}`);
  console.log(`\n$ npx create-mcp-monorepo check --strict`);
  process.stdout.write(cli("check", "--strict").split("\n").slice(-2).join("\n"));
  console.log(`\nDeploy server-ops: docker build -t ops server-ops && docker run -p 8000:8000 ops   |   kubectl apply -f server-ops/k8s.yaml`);
} catch (err) {
  failed++;
  console.error(`FAILED (targets): ${err.stdout ?? ""}${err.stderr ?? ""}${err.message}`);
}

// MCPB: build one bundle, verify it, and serve it as the MCPB Python runtime does.
const temporary = [];
async function demoBundle() {
  const cli = path.join(repo, "bin", "create-mcp-monorepo.js");
  const baseEnv = { ...env, PATH: process.env.PATH.split(path.delimiter).filter((p) => p !== bin).join(path.delimiter) };
  delete baseEnv.VIRTUAL_ENV;
  // A Python without FastMCP proves the bundle carries its dependencies.
  const probe = (cand) => {
    try {
      const [version, exe] = execFileSync(cand, ["-c", "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"], { env: baseEnv, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim().split("\n");
      try {
        execFileSync(exe, ["-c", "import fastmcp"], { env: baseEnv, stdio: "ignore" });
        return null;
      } catch {
        return { version, exe };
      }
    } catch {
      return null;
    }
  };
  const want = /^python: "?([0-9.]+)"?$/m.exec(readFileSync(path.join(root, "mcp-monorepo.yaml"), "utf8"))[1];
  let runner = probe(`python${want}`) ?? probe("python3");
  let where = root;
  if (runner && runner.version !== want) {
    // The bundle's compiled wheels are for one Python: bundle a server made for the Python at hand.
    temporary.push(mkdtempSync(path.join(tmpdir(), "mcpb-demo-repo-")));
    where = path.join(temporary[0], "bundle-demo");
    console.log(`\n(no Python ${want} without FastMCP here; bundling a server made for the machine's Python ${runner.version})`);
    console.log(`$ create-mcp-monorepo ${where} --server ops --python ${runner.version} --no-git`);
    execFileSync(process.execPath, [cli, where, "--server", "ops", "--python", runner.version, "--no-git"], { stdio: "ignore", env: { ...process.env, CI: "1" } });
  }
  console.log(`\n$ npx create-mcp-monorepo bundle ops`);
  execFileSync(process.execPath, [cli, "bundle", "ops", "--interpreter", python], { cwd: where, stdio: "inherit", env: { ...process.env, CI: "1", PIP_CACHE_DIR: process.env.PIP_CACHE_DIR ?? path.join(repo, ".cache", "pip") } });
  const file = readdirSync(path.join(where, "dist")).find((f) => f.startsWith("server-ops-") && f.endsWith(".mcpb"));
  const bundle = path.join(where, "dist", file);
  console.log(`$ npx create-mcp-monorepo bundle --verify dist/${file}`);
  execFileSync(process.execPath, [cli, "bundle", "--verify", bundle], { cwd: where, stdio: "inherit" });
  if (!runner) {
    console.log("(no Python without FastMCP on PATH: serve the bundle with the generated README's commands)");
    return true;
  }
  runner = runner.exe;
  const dir = mkdtempSync(path.join(tmpdir(), "mcpb-demo-"));
  try {
    execFileSync(runner, ["-m", "zipfile", "-e", bundle, dir], { env: baseEnv });
    const port = await freePort();
    console.log(`$ PYTHONPATH=<bundle>:<bundle>/deps ${runner} -m uvicorn asgi:app --app-dir <bundle>/src --port ${port}   (this Python has no FastMCP)`);
    const proc = spawn(runner, ["-m", "uvicorn", "asgi:app", "--app-dir", path.join(dir, "src"), "--host", "127.0.0.1", "--port", String(port)], { env: { ...baseEnv, PYTHONPATH: `${dir}${path.delimiter}${dir}/deps` }, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    proc.stdout.on("data", (d) => (log += d));
    proc.stderr.on("data", (d) => (log += d));
    try {
      let health;
      for (let i = 0; !health; i++) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
        if (i > 600 || proc.exitCode !== null) throw new Error(`bundle did not start:\n${log}`);
        if (!health) await new Promise((r) => setTimeout(r, 200));
      }
      console.log(`GET /health: ${health.status} ${await health.text()}`);
      const client = new Client({ name: "create-mcp-monorepo-demo", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
      const { tools } = await client.listTools();
      const hello = await client.callTool({ name: "hello", arguments: { name: "bundle" } });
      await client.close();
      console.log(`tools/list from the bundle: ${tools.map((t) => t.name).join(", ")}\ntools/call hello: ${hello.content[0].text}`);
    } finally {
      proc.kill("SIGINT");
    }
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
try {
  await demoBundle();
} catch (err) {
  failed++;
  console.error(`FAILED (bundle): ${err.message}`);
} finally {
  for (const t of temporary) rmSync(t, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
