#!/usr/bin/env node
// Quickstart demo: scaffolds a monorepo with `--yes` (servers ops, customer, finance),
// then proves each server works on real FastMCP from PyPI: runs its pytest suite, serves it
// with `fastmcp run fastmcp.json` over streamable HTTP and lists its tools with the official
// TypeScript MCP SDK client. Usage: pnpm demo [dir]   (default: ./demo, or demo-2, demo-3...)
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
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
console.log(`\n$ create-mcp-monorepo ${path.relative(repo, root)} --yes --no-git`);
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

async function listToolsOverHttp(dir) {
  const port = await freePort();
  const proc = spawn(path.join(bin, "fastmcp"), ["run", "fastmcp.json", "--skip-env", "--transport", "http", "--no-banner", "--port", String(port)], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
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
process.exitCode = failed ? 1 : 0;
