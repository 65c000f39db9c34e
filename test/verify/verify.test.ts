import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { VerifyReport } from "../../src/verify/types.js";
import { cli, tempDir } from "../check/helpers.js";
import { serveHttp } from "../helpers/python.js";

// `mcp-monorepo verify` (issue 11): real venvs from each server's requirements alone (cached by
// requirements hash in the test cache folder, MCPM_CACHE_DIR from test/global-setup.ts), the real
// FastMCP from PyPI, and the official TypeScript MCP SDK client.

// Venv builds and server start-ups are slow on a busy machine: generous per-test timeouts, no timing assertions.
const SLOW = 600_000;

type VerifyJson = VerifyReport & { formatVersion: number; summary: { exitCode: number } };

async function verify(args: string[]): Promise<{ code: number; json: VerifyJson; stderr: string }> {
  const r = await cli(["verify", "--json", ...args]);
  try {
    return { code: r.code, json: JSON.parse(r.stdout) as VerifyJson, stderr: r.stderr };
  } catch {
    throw new Error(`verify --json did not print JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

const REQ = "fastmcp>=4.0,<5\n";
async function put(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
}
const server = (body: string) => `import os\nimport asyncio\n\nfrom fastmcp import FastMCP\n\n${body}\n`;

let generated: string;
beforeAll(async () => {
  generated = path.join(await tempDir(), "demo");
  const r = await cli(["create", generated, "--server", "ops", "--no-git", "--yes"].slice(1));
  expect(r.code, r.stderr).toBe(0);
}, 300_000);

describe("verify (local)", () => {
  it("passes a generated monorepo: fresh venv, import test, fastmcp inspect, streamable HTTP initialize + tools/list; start-up time; cached venv the second time", async () => {
    const first = await verify(["--cwd", generated]);
    expect(first.code, JSON.stringify(first.json, null, 2)).toBe(0);
    const [ops] = first.json.verdicts;
    expect(ops!.server).toBe("ops");
    expect(ops!.steps.map((s) => `${s.step}:${s.ok}`)).toEqual(["requirements:true", "install:true", "import:true", "inspect:true", "serve:true", "tools/list:true"]);
    expect(ops!.tools).toEqual(["hello", "list_items"]);
    // fastmcp inspect loaded the entry and found the object: no separate import process when it passes.
    expect(ops!.steps.find((s) => s.step === "import")!.detail).toBe("src/server.py loaded and its server object found by fastmcp inspect (next step)");
    expect(ops!.startupMs).toBeGreaterThan(0);
    expect(first.stderr).toContain("✔ ops serve"); // progress
    const again = await verify(["--cwd", generated]);
    expect(again.json.verdicts[0]!.venv).toEqual({ hash: ops!.venv!.hash, cached: true });
    // Bytecode goes to the venv's own prefix (PYTHONPYCACHEPREFIX), written on first import: none beside the server's sources.
    const tree = await readdir(generated, { recursive: true });
    expect(tree.filter((p) => p.split(path.sep).includes("__pycache__"))).toEqual([]);
    const prefix = path.join(process.env.MCPM_CACHE_DIR!, "verify", "venvs", ops!.venv!.hash, ".pycache");
    const compiled = (await readdir(prefix, { recursive: true })).filter((p) => p.endsWith(".pyc"));
    expect(compiled.some((p) => p.includes(`fastmcp${path.sep}server`))).toBe(true);
    expect(compiled.some((p) => p.endsWith(`server.cpython-${ops!.python!.split(" ")[1]!.split(".").slice(0, 2).join("")}.pyc`))).toBe(true);
  }, SLOW);

  it("fails each broken server at the right step, naming the cause (and --jobs runs them side by side)", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, ".git"));
    await put(dir, {
      "git-dep/requirements.txt": REQ + "internal @ git+https://github.com/example/internal.git\n",
      "git-dep/src/server.py": server('mcp = FastMCP(name="git-dep")'),
      "no-such-package/requirements.txt": REQ + "mcpm-verify-no-such-package-0c5e1==9.9.9\n",
      "no-such-package/src/server.py": server('mcp = FastMCP(name="nope")'),
      "needs-key/requirements.txt": REQ,
      "needs-key/src/server.py": server('API_KEY = os.environ["CRM_API_KEY"]\nmcp = FastMCP(name="needs-key")'),
      "loop/requirements.txt": REQ,
      "loop/src/server.py": server('async def create_server() -> FastMCP:\n    return FastMCP(name="loop")\n\n\nmcp = asyncio.run(create_server())'),
      "no-object/requirements.txt": REQ,
      "no-object/src/server.py": server('def build() -> FastMCP:\n    return FastMCP(name="no-object")'),
    });
    const { code, json } = await verify(["--cwd", dir, "--jobs", "2"]);
    expect(code).toBe(1);
    const at = Object.fromEntries(json.verdicts.map((v) => [v.server, `${v.failed?.step}: ${v.failed?.cause}`]));
    expect(at["git-dep"]).toMatch(/^requirements: .*git\+https/);
    expect(at["no-such-package"]).toMatch(/^install: pip install failed/);
    expect(json.verdicts.find((v) => v.server === "no-such-package")!.failed!.log).toContain("mcpm-verify-no-such-package-0c5e1");
    expect(at["needs-key"]).toMatch(/^import: KeyError: 'CRM_API_KEY'/);
    expect(json.verdicts.find((v) => v.server === "needs-key")!.missingEnv).toEqual(["CRM_API_KEY"]);
    expect(at["loop"]).toMatch(/^inspect: .*asyncio\.run\(\) cannot be called from a running event/);
    expect(at["no-object"]).toMatch(/^import: no server object found/);
    expect(json.summary).toMatchObject({ passed: 0, failed: 5, exitCode: 1 });

    // The missing variable from --env-file (overriding .env.example) makes that server pass.
    await writeFile(path.join(dir, "verify.env"), "CRM_API_KEY=test-key\n");
    const fixed = await verify(["--cwd", dir, "--server", "needs-key", "--env-file", path.join(dir, "verify.env")]);
    expect(fixed.code, JSON.stringify(fixed.json.verdicts[0]!.failed)).toBe(0);
  }, SLOW);

  it("human output names the failing step and shows its log; bad flags are one-line errors (exit 2)", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, ".git"));
    await put(dir, { "needs-key/requirements.txt": REQ, "needs-key/src/server.py": server('API_KEY = os.environ["CRM_API_KEY"]\nmcp = FastMCP(name="k")') });
    const r = await cli(["verify", "--cwd", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("✖ needs-key: fails at import: KeyError: 'CRM_API_KEY'");
    expect(r.stdout).toContain("missing environment variable CRM_API_KEY: not in .env.example or --env-file");
    expect(r.stdout).toContain("log of import");
    const bad = await cli(["verify", "--cwd", dir, "--jobs", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('error: --jobs must be a whole number of at least 1, got "0"');
  }, SLOW);
});

describe("verify --url (post-deployment)", () => {
  it("passes against the server served on loopback: /mcp answers, tools/list equals the local inspect, a tool call works, each under 2 s", async () => {
    const served = await serveHttp(path.join(generated, "server-ops"));
    try {
      const { code, json } = await verify(["--cwd", generated, "--url", served.url, "--server", "ops"]);
      expect(code, JSON.stringify(json.verdicts, null, 2)).toBe(0);
      const v = json.verdicts[0]!;
      expect(v.steps.map((s) => s.step)).toEqual(["answers", "initialize", "tools/list", "tools/call"]);
      expect(v.steps.find((s) => s.step === "tools/list")!.detail).toContain("exactly the tools inspect found locally");
      expect(v.steps.find((s) => s.step === "tools/call")!.detail).toMatch(/^hello\(\{\}\) returned a valid result/);
    } finally {
      await served.stop();
    }
  }, SLOW);

  it("fails naming the tool a deployed server is missing", async () => {
    const dir = await tempDir();
    await put(dir, {
      "src/server.py": server('mcp = FastMCP(name="ops")\n\n\n@mcp.tool\ndef hello(name: str = "x") -> str:\n    """Greets."""\n    return name'),
      "fastmcp.json": '{"source": {"path": "src/server.py"}}\n',
    });
    const served = await serveHttp(dir);
    try {
      const { code, json } = await verify(["--cwd", generated, "--url", served.url, "--server", "ops"]);
      expect(code).toBe(1);
      expect(json.verdicts[0]!.failed).toMatchObject({ step: "tools/list" });
      expect(json.verdicts[0]!.failed!.cause).toContain("missing list_items (fastmcp inspect found it locally)");
    } finally {
      await served.stop();
    }
  }, SLOW);
});
