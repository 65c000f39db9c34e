// `dev` on a real 3-server monorepo, judged by the official MCP TypeScript SDK client: every server
// answers initialize + tools/list on its port, an edit under one server's src/ reaches that server
// only, the gateway lists and routes every server's tools, and Ctrl-C leaves no process behind.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../../src/dev/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { firstText, withMcpClient } from "../helpers/mcp-client.js";
import { freePort, REPO_ROOT } from "../helpers/python.js";

const SERVERS = ["ops", "billing", "customer"];
const BIN = path.join(REPO_ROOT, "bin", "create-mcp-monorepo.js");
let root: string;
let dev: ChildProcess;
let stdout = "";
let stderr = "";
const urls: Record<string, string> = {};
let gatewayUrl = "";

const toolNames = (url: string) => withMcpClient(url, async (c) => (await c.listTools()).tools.map((t) => t.name).sort());

/** Every descendant of a process (by parent pid, from ps). */
function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" }).trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of rows) if (pp === p) (out.push(c!), walk(c!));
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  const parent = await tempDir("mcpm-dev-");
  const res = await runCli(["demo", "--yes", "--no-git", ...SERVERS.flatMap((s) => ["--server", s])], { cwd: parent });
  expect(res.code, res.stderr).toBe(0);
  root = path.join(parent, "demo");
  // Free ports (other test files may serve on 8000): each server's port: in the manifest.
  let manifest = await readFile(path.join(root, "mcp-monorepo.yaml"), "utf8");
  for (const s of SERVERS) {
    const port = await freePort();
    manifest = manifest.replace(`    folder: server-${s}\n`, `    folder: server-${s}\n    port: ${port}\n`);
    urls[s] = `http://127.0.0.1:${port}/mcp`;
  }
  await writeFile(path.join(root, "mcp-monorepo.yaml"), manifest);
  const gatewayPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${gatewayPort}/mcp`;
  dev = spawn(process.execPath, [BIN, "dev", "--json", "--gateway", "--gateway-port", String(gatewayPort), "--client", "vscode", "--cwd", root], { stdio: ["ignore", "pipe", "pipe"] });
  dev.stdout!.on("data", (d) => (stdout += String(d)));
  dev.stderr!.on("data", (d) => (stderr += String(d)));
  await until(async () => stdout.split("\n").filter((l) => l.startsWith("{")).length >= SERVERS.length + 1, 300_000, "every server and the gateway to answer tools/list");
}, 360_000);

afterAll(() => {
  if (dev && dev.exitCode === null) dev.kill("SIGKILL");
});

describe("dev", () => {
  it("--json prints one line per server (and the gateway) when it answers tools/list, on its stable port", () => {
    const lines = stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.server).sort()).toEqual([...SERVERS, "gateway"].sort());
    for (const l of lines.filter((x) => x.server !== "gateway")) {
      expect(l.url).toBe(urls[l.server]);
      expect(l.tools).toEqual(["hello", "list_items"]);
    }
  });

  it("every server answers initialize + tools/list with the official SDK client", async () => {
    for (const s of SERVERS) expect(await toolNames(urls[s]!)).toEqual(["hello", "list_items"]);
  });

  it("the gateway lists every tool of every server, and a namespaced call reaches the right server", async () => {
    const names = await toolNames(gatewayUrl);
    expect(names).toEqual(SERVERS.flatMap((s) => [`${s}_hello`, `${s}_list_items`]).sort());
    for (const s of ["billing", "customer"]) {
      const text = await withMcpClient(gatewayUrl, async (c) => firstText(await c.callTool({ name: `${s}_hello`, arguments: { name: "dev" } })));
      expect(text).toContain(`This is the ${s} MCP server.`);
    }
  });

  it("an edit to a tool under one server's src/ is seen by that server's next tools/list only", async () => {
    const file = path.join(root, "server-billing", "src", "server.py");
    const text = await readFile(file, "utf8");
    const edited = text.replace("    @mcp.tool\n    def hello(", '    @mcp.tool\n    def refund(order_id: str) -> str:\n        """Refund an order."""\n        return f"refunded {order_id}"\n\n    @mcp.tool\n    def hello(');
    expect(edited).not.toBe(text);
    await writeFile(file, edited);
    const billing = await until(async () => {
      const t = await toolNames(urls.billing!);
      return t.includes("refund") ? t : null;
    }, 60_000, "billing to reload");
    expect(billing).toEqual(["hello", "list_items", "refund"]);
    expect(await toolNames(urls.ops!)).toEqual(["hello", "list_items"]);
    expect(await toolNames(urls.customer!)).toEqual(["hello", "list_items"]);
  });

  it("--client vscode wrote .vscode/mcp.json with every URL and the gateway", async () => {
    const cfg = JSON.parse(await readFile(path.join(root, ".vscode", "mcp.json"), "utf8"));
    expect(cfg).toEqual({ servers: { ...Object.fromEntries(SERVERS.map((s) => [s, { type: "http", url: urls[s] }])), gateway: { type: "http", url: gatewayUrl } } });
    expect(stderr).toMatch(/^CREATE \.vscode\/mcp\.json \(vscode\)$/m);
  });

  it("a change under shared/ is synced into every server's src/shared/ (the sync core)", async () => {
    const file = path.join(root, "shared", "config.py");
    await writeFile(file, (await readFile(file, "utf8")) + "\nDEV_MARK = 1\n");
    for (const s of SERVERS) {
      await until(async () => (await readFile(path.join(root, `server-${s}`, "src", "shared", "config.py"), "utf8")).includes("DEV_MARK = 1"), 60_000, `shared/ to reach server-${s}`);
    }
    expect(stderr).toMatch(/^shared\/: synced into every server/m);
    // The servers reload from the synced copy and still answer.
    await until(async () => (await toolNames(urls.ops!)).length === 2, 30_000, "ops to answer after the sync");
  });

  it("Ctrl-C stops every child (checked by PID) and exits 130", async () => {
    const pids = descendants(dev.pid!);
    expect(pids.length).toBeGreaterThanOrEqual(SERVERS.length + 1);
    const exited = new Promise<number | null>((r) => dev.once("exit", (code) => r(code)));
    dev.kill("SIGINT");
    expect(await exited).toBe(130);
    await until(async () => pids.every((p) => !alive(p)), 10_000, "every child to end");
    expect(pids.filter(alive)).toEqual([]);
    expect(stderr).toContain("stopped every server.");
  }, 30_000);
});

describe("--client configurations", () => {
  it("VS Code and Cursor files keep the user's other entries; Claude Desktop goes through mcp-remote", () => {
    const urlsOf = { ops: "http://127.0.0.1:8000/mcp" };
    const vscode = JSON.parse(clientConfig("vscode", urlsOf, '{"servers": {"mine": {"type": "stdio", "command": "x"}}, "inputs": []}').text);
    expect(vscode).toEqual({ servers: { mine: { type: "stdio", command: "x" }, ops: { type: "http", url: "http://127.0.0.1:8000/mcp" } }, inputs: [] });
    expect(clientConfig("vscode", urlsOf, null).file).toBe(".vscode/mcp.json");
    expect(JSON.parse(clientConfig("cursor", urlsOf, null).text)).toEqual({ mcpServers: { ops: { url: "http://127.0.0.1:8000/mcp" } } });
    expect(clientConfig("cursor", urlsOf, null).file).toBe(".cursor/mcp.json");
    expect(JSON.parse(clientConfig("claude", urlsOf, null).text)).toEqual({ mcpServers: { ops: { command: "npx", args: ["-y", "mcp-remote", "http://127.0.0.1:8000/mcp"] } } });
  });
});
