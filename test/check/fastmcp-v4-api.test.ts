import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { ServerData } from "../../src/check/collect.js";
import type { ResolvedDist } from "../../src/check/metadata.js";
import { fastmcpCeiling, fastmcpVersion } from "../../src/check/rules/fastmcp-v4.js";
import { PYTHON, pyEnv } from "../helpers/python.js";
import { checkJson, FIXTURES, type CheckJson } from "./helpers.js";

// Rule fastmcp-v4-api: each server in fixtures/check/fastmcp-v4-api/fail uses one FastMCP 3 API
// that FastMCP 4 removed, and the server of the same name in pass/ is its fix.

const execFileP = promisify(execFile);
const DIR = path.join(FIXTURES, "fastmcp-v4-api");

const compact = (json: CheckJson, server: string) =>
  json.findings.filter((f) => f.server === server).map((f) => `${f.rule}:${f.severity}@${f.line ?? "-"}`);

let fail: CheckJson;
let failCode: number;
beforeAll(async () => {
  ({ json: fail, code: failCode } = await checkJson(path.join(DIR, "fail"), ["--offline"]));
}, 120_000);

describe("fastmcp-v4-api on FastMCP 3 code", () => {
  it("reports each removed API once, as an error at its line, and nothing else", () => {
    expect(failCode).toBe(1);
    expect(fail.findings.map((f) => `${f.server} ${f.rule}:${f.severity}@${f.line}`)).toEqual([
      "server-import fastmcp-v4-api:error@20",
      "server-kwargs fastmcp-v4-api:error@13",
      "server-mount-prefix fastmcp-v4-api:error@15",
      "server-mount-proxy fastmcp-v4-api:error@15",
      "server-proxy fastmcp-v4-api:error@14",
    ]);
  });

  const byServer = (server: string) => fail.findings.find((f) => f.server === server)!;

  it("import_server: the fix is mount with namespace=, without await, and says mount is not a copy", () => {
    const f = byServer("server-import");
    expect(f.message).toContain("'FastMCP' object has no attribute 'import_server'");
    expect(f.message).toContain("when this code runs"); // inside async setup(), not at import
    expect(f.fix).toContain("`mcp.mount(weather, namespace='weather')` without `await`");
    expect(f.fix).toContain("live link");
  });

  it("as_proxy: the fix is create_proxy with the target positional", () => {
    const f = byServer("server-proxy");
    expect(f.message).toContain("type object 'FastMCP' has no attribute 'as_proxy' when the file is imported");
    expect(f.fix).toContain("`create_proxy(weather, name=...)`");
    expect(f.fix).toContain("from fastmcp.server import create_proxy");
    expect(f.fix).toContain("`backend=` is not a keyword");
  });

  it("mount(prefix=) becomes namespace=, mount(as_proxy=True) becomes create_proxy()", () => {
    expect(byServer("server-mount-prefix").fix).toContain("`mcp.mount(weather, namespace='weather')`");
    expect(byServer("server-mount-proxy").fix).toContain("`mcp.mount(create_proxy(weather))`");
  });

  it("constructor keywords: one finding at the call, naming each keyword and where it went", () => {
    const f = byServer("server-kwargs");
    expect(f.message).toContain("FastMCP(sampling_handler=, sampling_handler_behavior=) raises TypeError when the file is imported");
    expect(f.fix).toContain("call an LLM from the tool itself");
  });

  it("every fix cites the FastMCP upgrade guide", () => {
    for (const f of fail.findings) expect(f.fix).toContain("https://gofastmcp.com/getting-started/upgrading/from-fastmcp-3");
  });
});

describe("fastmcp-v4-api stays quiet", () => {
  it("on the FastMCP 4 fixes and on other libraries' mount(prefix=...): no finding of any rule, even --strict", async () => {
    const { code, json } = await checkJson(path.join(DIR, "pass"), ["--offline", "--strict"]);
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });
});

describe("a server that pins FastMCP below 4", () => {
  it("gets warnings for what FastMCP 3 still runs, and an error for a keyword FastMCP rejects since 3.0", async () => {
    const { json } = await checkJson(path.join(DIR, "pinned"), ["--offline"]);
    expect(compact(json, "server-v3")).toEqual(["fastmcp-v4-api:warning@22", "fastmcp-v4-api:warning@23", "fastmcp-v4-api:error@24"]);
    expect(json.findings[0]!.message).toContain("requirements.txt pins fastmcp>=3.2,<4, where it still works");
    expect(json.findings[2]!.message).toContain("FastMCP(host=)");
  });
});

describe("which FastMCP a server gets", () => {
  it("reads the highest major a fastmcp pin admits", () => {
    expect(fastmcpCeiling("fastmcp>=4.0,<5")).toBe(4);
    expect(fastmcpCeiling("fastmcp>=3.2,<4")).toBe(3);
    expect(fastmcpCeiling("fastmcp<4.0.0")).toBe(3);
    expect(fastmcpCeiling("fastmcp<4.1")).toBe(4);
    expect(fastmcpCeiling("fastmcp==3.4.7  # pinned")).toBe(3);
    expect(fastmcpCeiling("fastmcp==2.*")).toBe(2);
    expect(fastmcpCeiling("fastmcp~=2.12")).toBe(2);
    expect(fastmcpCeiling("fastmcp<=3.9")).toBe(3);
    expect(fastmcpCeiling("fastmcp[openai]<4 ; python_version >= '3.10'")).toBe(3);
    expect(fastmcpCeiling("fastmcp>=3")).toBeNull();
    expect(fastmcpCeiling("fastmcp")).toBeNull();
    expect(fastmcpCeiling("mcp<2")).toBeNull();
  });

  const server = (text: string) => ({ folder: "server-a", requirements: { rel: "server-a/requirements.txt", text }, requirementsFrom: "requirements.txt" }) as unknown as ServerData;
  const dist = (name: string, version: string): ResolvedDist => ({ name, version, requested: true, wheel: null, requires: [], requiresExtra: [] });

  it("prefers pip's resolution, then the fastmcp pin, then an mcp<2 pin; unknown otherwise", () => {
    const resolved = new Map([["server-a", { resolution: { ok: true as const, dists: [dist("fastmcp", "3.4.7")] }, providers: new Map() }]]);
    expect(fastmcpVersion(server("fastmcp>=3"), { packages: resolved })).toEqual({ major: 3, from: "pip resolves requirements.txt to FastMCP 3.4.7" });
    expect(fastmcpVersion(server("fastmcp>=3.2,<4"), {}).major).toBe(3);
    expect(fastmcpVersion(server("mcp>=1.2,<2"), {})).toMatchObject({ major: 3 });
    expect(fastmcpVersion(server("fastmcp>=4.0,<5"), {}).major).toBe(4);
    expect(fastmcpVersion(server("httpx"), {})).toEqual({ major: null, from: null });
  });
});

/** Loads a server file as `python server.py` does before `mcp.run()` (awaiting `setup()` if any) and lists its tools. */
const LOAD = [
  "import asyncio, runpy, sys",
  "ns = runpy.run_path(sys.argv[1], run_name='loaded')",
  "if 'setup' in ns: asyncio.run(ns['setup']())",
  "print(sorted(t.name for t in asyncio.run(ns['mcp'].list_tools())))",
].join("\n");

async function load(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const r = await execFileP(PYTHON, ["-c", LOAD, file], { env: pyEnv({ PYTHONDONTWRITEBYTECODE: "1" }), timeout: 120_000 });
    return { ok: true, output: r.stdout.trim() };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("fastmcp-v4-api agrees with FastMCP 4 (the test venv's)", () => {
  const cases: [string, string, string][] = [
    ["server-import", "AttributeError: 'FastMCP' object has no attribute 'import_server'", "['weather_forecast']"],
    ["server-proxy", "AttributeError: type object 'FastMCP' has no attribute 'as_proxy'", "['forecast']"],
    ["server-mount-prefix", "TypeError: FastMCP.mount() got an unexpected keyword argument 'prefix'", "['weather_forecast']"],
    ["server-mount-proxy", "TypeError: FastMCP.mount() got an unexpected keyword argument 'as_proxy'", "['forecast']"],
    ["server-kwargs", "TypeError: FastMCP() no longer accepts `sampling_handler`", "['hello']"],
  ];

  it.each(cases)("%s: the flagged code fails as the finding says, the fixed code loads with the same tools", async (name, error, tools) => {
    const before = await load(path.join(DIR, "fail", name, "src", "server.py"));
    expect(before.ok, before.output).toBe(false);
    expect(before.output).toContain(error);
    const after = await load(path.join(DIR, "pass", name, "src", "server.py"));
    expect(after, after.output).toEqual({ ok: true, output: tools });
  }, 120_000);
});
