// End to end (issue 4): create a monorepo with the built CLI, change shared/config.py
// (a new function a server's new tool uses), run `sync`, then the server's pytest and a
// real HTTP tools/call under `fastmcp run` show the new behaviour.
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstText, withMcpClient } from "../helpers/mcp-client.js";
import { runTool, serveHttp } from "../helpers/python.js";
import { ensureBuilt } from "./build.js";

const execFileP = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, "..", "..");
const BIN = path.join(REPO, "bin", "create-mcp-monorepo.js");

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", CI: "1" } });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const NEW_FUNCTION = `

def shout(text: str) -> str:
    """Upper-case \`\`text\`\` and add an exclamation mark (added after create, vendored by sync)."""
    return f"{text.upper()}!"
`;

const NEW_TOOL = `
    @mcp.tool
    def shout_tool(text: str) -> str:
        """Shout the text back (uses shared.config.shout)."""
        return shout(text)

    return mcp
`;

const NEW_TEST = `"""Checks the tool that uses the function sync vendored from shared/config.py."""

import asyncio

from fastmcp import Client

from server import mcp


async def _call() -> str:
    async with Client(mcp) as client:
        return (await client.call_tool("shout_tool", {"text": "sync works"})).data


def test_shout_tool_uses_the_synced_shared_function() -> None:
    assert asyncio.run(_call()) == "SYNC WORKS!"
`;

let tmp: string;
let root: string;

beforeAll(async () => {
  await ensureBuilt();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-sync-e2e-"));
  root = path.join(tmp, "demo");
  const r = await cli(tmp, root, "--yes", "--no-git");
  expect(r.code, r.stdout + r.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe("sync end to end on a generated monorepo", () => {
  it("is clean right after create (what CI's `sync --check` runs)", async () => {
    const r = await cli(root, "sync", "--check");
    expect(r.stdout.trim()).toBe("already in sync");
    expect(r.code).toBe(0);
  });

  it("is still clean after add-server (it writes the new server's vendored copy and lock entry)", async () => {
    const add = await cli(root, "add-server", "billing", "--yes", "--allow-dirty");
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const r = await cli(root, "sync", "--check");
    expect(r.stdout.trim()).toBe("already in sync");
    expect(r.code).toBe(0);
  });

  it("a shared/config.py change reaches the server's tests and a real HTTP tools/call", async () => {
    const manifest = await fs.readFile(path.join(root, "mcp-monorepo.yaml"), "utf8");
    const folder = /folder: (server-[a-z0-9-]+)/.exec(manifest)![1]!;
    const serverDir = path.join(root, folder);
    await fs.appendFile(path.join(root, "shared", "config.py"), NEW_FUNCTION);
    const serverPy = path.join(serverDir, "src", "server.py");
    let src = await fs.readFile(serverPy, "utf8");
    expect(src).toContain("\n    return mcp\n");
    src = src.replace(/\nfrom fastmcp import FastMCP\n/, "\nfrom fastmcp import FastMCP\n\nfrom shared.config import shout\n").replace("\n    return mcp\n", NEW_TOOL);
    await fs.writeFile(serverPy, src);
    await fs.writeFile(path.join(serverDir, "tests", "test_shout.py"), NEW_TEST);

    // Before sync the vendored copy lacks the function, so CI's check fails.
    const stale = await cli(root, "sync", "--check");
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain(`UPDATE    ${folder}/src/shared/config.py`);

    // ...and the server cannot even import: its vendored shared/config.py has no shout().
    await expect(runTool("python", ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_shout.py"], serverDir)).rejects.toThrow(/cannot import name 'shout'/);

    const r = await cli(root, "sync");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`UPDATE    ${folder}/src/shared/config.py`);
    expect(r.stdout).toMatch(/synced: \d+ files written, 0 deleted, \d+ servers updated/);
    expect(await fs.readFile(path.join(serverDir, "src", "shared", "config.py"), "utf8")).toContain("def shout(");
    expect((await cli(root, "sync", "--check")).code).toBe(0);

    const tests = await runTool("python", ["-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"], serverDir);
    expect(tests.stdout).toMatch(/\d+ passed/);
    expect(tests.stdout).toContain("PASSED tests/test_shout.py::test_shout_tool_uses_the_synced_shared_function");
    expect(tests.stdout).not.toMatch(/failed|error/);

    const served = await serveHttp(serverDir);
    try {
      const text = await withMcpClient(served.url, async (client) => {
        const tools = await client.listTools();
        expect(tools.tools.map((t) => t.name)).toContain("shout_tool");
        return firstText(await client.callTool({ name: "shout_tool", arguments: { text: "over http" } }));
      });
      expect(text).toBe("OVER HTTP!");
    } finally {
      await served.stop();
    }
    // Python wrote __pycache__ into src/shared/: still in sync, nothing unmanaged.
    const after = await cli(root, "sync", "--check");
    expect(after.stdout.trim()).toBe("already in sync");
  }, 240_000);
});
