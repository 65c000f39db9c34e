// End-to-end (issue 3): a server added to a monorepo made by `create` passes the same checks as the
// originals on real FastMCP, and the monorepo as a whole still does (pytest, fastmcp inspect, HTTP via the TS SDK).
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectGeneratedToolsOverHttp, GENERATED_TOOLS, inspectServer } from "../helpers/generated-server.js";
import { runTool } from "../helpers/python.js";
import { runCli } from "../helpers/cli.js";
import { addServerCli, DEFAULT_NAMES, makeMonorepo, read } from "./fixture.js";

const ALL = [...DEFAULT_NAMES, "billing-ops"];
let root: string;
let added: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  root = await makeMonorepo();
  // From a subfolder of the monorepo: the root is found by walking up.
  added = await addServerCli(path.join(root, "shared"), "billing-ops", "--description", 'Billing "ops": invoices & refunds');
});

describe("add-server on a monorepo made by create", () => {
  it("reports what it wrote and the next steps", () => {
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toBe("");
    expect(added.stdout).toContain("CREATE    ../server-billing-ops/src/server.py");
    expect(added.stdout).toContain("UPDATE    ../mcp-monorepo.yaml");
    expect(added.stdout).toContain('Added server "billing-ops" in ../server-billing-ops/: created 14 files, updated 4.');
    expect(added.stdout).toContain("Next steps:\n  cd ../server-billing-ops\n  npx create-mcp-monorepo lock   # pin exact versions: uv.lock + requirements.txt (needs uv: https://docs.astral.sh/uv/)\n  uv sync && uv run pytest -q");
    expect(added.stdout).toContain("fastmcp run fastmcp.json --skip-env --transport http");
    expect(added.stdout).toContain("entrypoint server-billing-ops/src/server.py:mcp, requirements server-billing-ops/requirements.txt");
  });

  it("leaves the vendored copy clean for sync (sync --check passes)", async () => {
    const r = await runCli(["sync", "--check"], { cwd: root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(await read(root, "mcp-monorepo.lock.json")).servers).toHaveProperty("billing-ops");
  });
});

describe("the monorepo as a whole after add-server", () => {
  it("passes `check` (the deployment checklist) for all four servers", async () => {
    const r = await runCli(["check"], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("billing-ops");
  });
});

describe.each(ALL)("server-%s after add-server, on real FastMCP", (name) => {
  const dir = () => path.join(root, `server-${name}`);

  it("passes its pytest suite", async () => {
    const { stdout } = await runTool("python", ["-m", "pytest", "-q", "-p", "no:cacheprovider"], dir());
    expect(stdout).toMatch(/\b\d+ passed\b/);
    expect(stdout).not.toMatch(/failed|error/i);
  });

  it("`fastmcp inspect src/server.py` finds the server and its tools", async () => {
    expect(await inspectServer(dir())).toEqual({ name, tools: GENERATED_TOOLS });
  });

  it("serves HTTP with `fastmcp run fastmcp.json`: tools/list and tools/call from the TypeScript MCP SDK", async () => {
    await expectGeneratedToolsOverHttp(dir(), name);
  });
});
