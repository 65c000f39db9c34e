import { execFile } from "node:child_process";
import { cp, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { FASTMCP, pyEnv } from "../helpers/python.js";
import { checkJson, FIXTURES, tempDir } from "./helpers.js";

// Ground truth for rule server-object: real FastMCP 4 (`fastmcp inspect`, which loads a server the
// way `fastmcp run` does) finds a server exactly where check says there is one.

const execFileP = promisify(execFile);

/** Runs `fastmcp inspect <target>` in `cwd`; resolves with the exit code and output. */
async function inspect(cwd: string, target: string): Promise<{ code: number; output: string }> {
  try {
    const r = await execFileP(FASTMCP, ["inspect", target], { cwd, env: pyEnv({ PYTHONDONTWRITEBYTECODE: "1" }), timeout: 120_000 });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, output: (e.stdout ?? "") + (e.stderr ?? "") };
  }
}

describe("server-object agrees with FastMCP 4", () => {
  const cases: [string, string, boolean][] = [
    ["pass", "server-module-level", true],
    ["pass", "server-factory", true],
    ["fail", "server-function-wrapper", false],
    ["fail", "server-class-wrapper", false],
    ["fail", "server-main-only", false],
    ["fail", "server-async-no-run", false],
    ["fail", "server-class-instance", false],
    ["fail", "server-bad-entrypoint", false],
  ];

  it.each(cases)("%s/%s: fastmcp inspect finds a server = %s", async (kind, name, found) => {
    const dir = await tempDir();
    await cp(path.join(FIXTURES, "server-object", kind, name), path.join(dir, name), { recursive: true });
    const { json } = await checkJson(dir);
    expect(json.findings.length === 0).toBe(found);
    const target = name === "server-bad-entrypoint" ? "fastmcp.json" : "src/server.py";
    const r = await inspect(path.join(dir, name), target);
    expect(r.code === 0, r.output).toBe(found);
  });

  // Seed 002's "Option 2" (module-level `mcp = asyncio.run(create_server())`) is a ✅ example that
  // issue 5 requires check to accept, and a plain import works; but FastMCP 4.1's `fastmcp run` and
  // `fastmcp inspect` import the file inside a running event loop, where asyncio.run() raises.
  // This test records that behaviour so a FastMCP change (or a decision to flag it) is noticed.
  it("seed 002's async factory with asyncio.run: FastMCP 4's loader cannot import it, and check says so", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, "server-async", "src"), { recursive: true });
    await writeFile(path.join(dir, "server-async", "requirements.txt"), "fastmcp>=4.0,<5\n");
    await writeFile(
      path.join(dir, "server-async", "src", "server.py"),
      [
        "import asyncio",
        "",
        "from fastmcp import FastMCP",
        "",
        "",
        "async def create_server() -> FastMCP:",
        '    mcp = FastMCP(name="my-server")',
        "    await asyncio.sleep(0)  # async setup",
        "    return mcp",
        "",
        "",
        "mcp = asyncio.run(create_server())",
        "",
      ].join("\n"),
    );
    // Issue 11: check now reports it (it used to accept seed 002's pattern), with the fix FastMCP takes.
    const { json } = await checkJson(dir);
    expect(json.findings.map((f) => `${f.rule}@${f.line}`)).toEqual(["import-crash@12"]);
    expect(json.findings[0]!.fix).toContain("src/server.py:create_server");
    const r = await inspect(path.join(dir, "server-async"), "src/server.py");
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("asyncio.run() cannot be called from a running event");
  });
});
