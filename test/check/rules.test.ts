import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkJson, copyFixture, FIXTURES, ruleLines } from "./helpers.js";

// One fixture per rule (test/fixtures/check/<rule>/{fail,pass}), laid out as in seed 002 (no
// manifest: servers are discovered) unless the rule needs a manifest. The ❌ and ✅ snippets of
// seed 002 are used verbatim where the issue asks for them.

const fixture = (...p: string[]) => path.join(FIXTURES, ...p);

describe("server-object (rule 1)", () => {
  it("flags each of seed 002's failing patterns by name", async () => {
    const { code, json } = await checkJson(fixture("server-object", "fail"));
    expect(code).toBe(1);
    const by = (server: string) => json.findings.filter((f) => f.server === server);
    // Pattern 1: function wrapper without module-level assignment (seed 002, verbatim).
    expect(ruleLines(json.findings, "server-function-wrapper")).toEqual(["server-object@16"]);
    expect(by("server-function-wrapper")[0]!.message).toMatch(/^function wrapper without module-level assignment: create_server\(\)/);
    expect(by("server-function-wrapper")[0]!.message).toContain('if __name__ == "__main__"');
    expect(by("server-function-wrapper")[0]!.fix).toContain("`mcp = create_server()`");
    // Pattern 2: class wrapper without module-level instance (seed 002, verbatim).
    expect(ruleLines(json.findings, "server-class-wrapper")).toEqual(["server-object@16"]);
    expect(by("server-class-wrapper")[0]!.message).toMatch(/^class wrapper without a module-level instance: MyServer creates the FastMCP server on self\.mcp/);
    expect(by("server-class-wrapper")[0]!.fix).toContain("`mcp = MyServer().mcp`");
    // Created only under the main guard.
    expect(ruleLines(json.findings, "server-main-only")).toEqual(["server-object@4"]);
    expect(by("server-main-only")[0]!.message).toContain('created only inside `if __name__ == "__main__"`');
    // A module-level instance of the wrapper class is not a FastMCP server either.
    expect(by("server-class-instance")[0]!.message).toMatch(/^class wrapper: server is a MyServer instance/);
    // An async factory called without asyncio.run stores a coroutine.
    expect(by("server-async-no-run")[0]!.message).toContain("stores a coroutine");
    expect(by("server-async-no-run")[0]!.fix).toContain("src/server.py:create_server"); // FastMCP awaits it; asyncio.run() at import fails

    // fastmcp.json's entrypoint must name an object that exists.
    expect(by("server-bad-entrypoint")).toMatchObject([{ rule: "server-object", file: "server-bad-entrypoint/fastmcp.json", line: 6 }]);
    expect(json.findings.every((f) => f.rule === "server-object" && f.severity === "error")).toBe(true);
  });

  it("accepts seed 002's correct patterns: module-level instance, factory assignment, async factory named as the entrypoint", async () => {
    const { code, json } = await checkJson(fixture("server-object", "pass"));
    expect(json.findings).toEqual([]);
    expect(json.servers).toEqual(["server-async-factory", "server-factory", "server-module-level"]);
    expect(code).toBe(0);
  });
});

describe("pypi-only (rule 2)", () => {
  it("flags every non-PyPI line of seed 002's list with its line", async () => {
    const { code, json } = await checkJson(fixture("pypi-only", "fail"));
    expect(code).toBe(1);
    expect(ruleLines(json.findings, "server-bad")).toEqual(["pypi-only@3", "pypi-only@4", "pypi-only@5", "pypi-only@6", "pypi-only@7", "pypi-only@8"]);
    const messages = json.findings.map((f) => f.message).join("\n");
    for (const text of ["-e ../shared-utils", "-e .", "git+https://github.com/...", "../local-package", "file:///path/to/package", "--extra-index-url"]) {
      expect(messages).toContain(text);
    }
  });

  it("accepts seed 002's 'What Works' requirements", async () => {
    const { code, json } = await checkJson(fixture("pypi-only", "pass"));
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });
});

describe("undeclared-dependency (rule 3)", () => {
  it("maps import names to distributions; fastmcp must be listed; fastmcp's own dependencies are warnings", async () => {
    const { code, json } = await checkJson(fixture("undeclared-dependency", "fail"));
    expect(code).toBe(1);
    const f = json.findings.filter((x) => x.rule === "undeclared-dependency");
    expect(f.map((x) => `${x.severity}@${x.line ?? "-"}`)).toEqual(["error@-", "warning@5", "error@6", "warning@7", "warning@9"]);
    expect(f[0]!.message).toContain("fastmcp is not in requirements.txt");
    expect(f[1]!.message).toContain("needs pyyaml"); // yaml → PyYAML
    expect(f[2]!.message).toContain("needs beautifulsoup4"); // bs4 → beautifulsoup4
    expect(f[3]!.message).toContain("needs python-dotenv"); // dotenv → python-dotenv
    expect(f[4]!.message).toContain("installed only because fastmcp depends on it");
    // stdlib (json, os), the declared httpx and the optional ujson (try/except ImportError) are not flagged.
    expect(f.some((x) => /json|httpx|ujson/.test(x.message.split(" needs ")[0]!))).toBe(false);
  });

  it("passes when every import is declared (local packages, TYPE_CHECKING imports and the stdlib need nothing)", async () => {
    const { code, json } = await checkJson(fixture("undeclared-dependency", "pass"));
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });
});

describe("path-import (rule 4)", () => {
  it("flags seed 002's sys.path.append('src'), relative imports out of src/ or in the entry file, and unvendored shared", async () => {
    const { code, json } = await checkJson(fixture("path-import", "fail"));
    expect(code).toBe(1);
    expect(ruleLines(json.findings, "server-paths")).toEqual(["path-import@1", "path-import@3", "path-import@6"]);
    expect(json.findings.find((f) => f.line === 3)!.message).toContain("sys.path.append()");
    expect(json.findings.find((f) => f.file.endsWith("pkg/mod.py"))!.message).toContain("reaches outside src/");
    expect(json.findings.find((f) => f.line === 6)!.message).toContain("no known parent package");
    expect(ruleLines(json.findings, "server-unvendored")).toEqual(["path-import@3"]);
  });

  it("passes seed 002's 'proper package structure' with shared/ vendored in src/", async () => {
    const { code, json } = await checkJson(fixture("path-import", "pass"));
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });
});

describe("env-required / env-undocumented (rule 5)", () => {
  it("flags seed 002's os.environ[\"API_KEY\"] as an error and undocumented variables as warnings", async () => {
    const { code, json } = await checkJson(fixture("env", "fail"));
    expect(code).toBe(1);
    expect(json.findings.map((f) => `${f.rule}@${f.line}`)).toEqual(["env-undocumented@11", "env-required@14", "env-undocumented@14"]);
    expect(json.findings[1]!.message).toContain('os.environ["API_KEY"] raises KeyError');
    expect(json.findings[0]!.message).toContain("DEBUG");
  });

  it("accepts defaults, guarded reads, a validated Config and a complete .env.example (commented entries count)", async () => {
    const { code, json } = await checkJson(fixture("env", "pass"));
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });
});

describe("async-client-at-import / blocking-call-in-async (rule 6)", () => {
  it("flags seed 002's module-level httpx.AsyncClient() and requests.get inside an async tool", async () => {
    const { code, json } = await checkJson(fixture("async-client", "fail"));
    expect(code).toBe(1);
    expect(json.findings.map((f) => `${f.rule}:${f.severity}@${f.line}`)).toEqual(["async-client-at-import:error@11", "blocking-call-in-async:warning@20"]);
  });

  it("accepts seed 002's lazy client and async with", async () => {
    const { code, json } = await checkJson(fixture("async-client", "pass"));
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });
});

describe("deprecated-call (rule 7)", () => {
  it("flags seed 002's datetime.utcnow() and hashlib.md5(data) as warnings (exit 0, 1 with --strict)", async () => {
    const { code, json } = await checkJson(fixture("deprecated", "fail"));
    expect(json.findings.map((f) => `${f.rule}:${f.severity}@${f.line}`)).toEqual(["deprecated-call:warning@10", "deprecated-call:warning@11"]);
    expect(code).toBe(0);
    const strict = await checkJson(fixture("deprecated", "fail"), ["--strict"]);
    expect(strict.code).toBe(1);
    expect(strict.json.summary.exitCode).toBe(1);
  });

  it("accepts seed 002's future-proof code", async () => {
    const { json } = await checkJson(fixture("deprecated", "pass"));
    expect(json.findings).toEqual([]);
  });
});

describe("python-version (rule 8)", () => {
  it("flags >=3.13 in fastmcp.json, pyproject.toml and .python-version for FastMCP Cloud's Python 3.12 image, naming both ways out", async () => {
    const { code, json } = await checkJson(fixture("python-version", "fail"));
    expect(code).toBe(1);
    expect(json.findings.map((f) => `${f.file}:${f.line}`)).toEqual(["server-json/fastmcp.json:10", "server-pin/.python-version:1", "server-pyproject/pyproject.toml:4"]);
    for (const f of json.findings) {
      expect(f.rule).toBe("python-version");
      expect(f.message).toContain("3.12.12");
      expect(f.message).toContain("mcp-base-python3.12");
      expect(f.fix).toContain("lower the requirement");
      expect(f.fix).toContain("custom container");
    }
    expect(json.findings[0]!.message).toContain('">=3.13"');
  });

  it("reads the monorepo root's pyproject.toml too (seed 000's requires-python >=3.13), as a monorepo-wide finding", async () => {
    const { code, json } = await checkJson(fixture("python-version", "root"));
    expect(code).toBe(1);
    expect(json.findings).toMatchObject([{ rule: "python-version", server: null, file: "pyproject.toml", line: 5 }]);
    expect(json.findings[0]!.message).toBe(
      'pyproject.toml requires-python ">=3.13" excludes Python 3.12.12, the runtime of FastMCP Cloud\'s base image mcp-base-python3.12 (the platform ignores the declared version when it picks the image); lower the requirement or deploy as a custom container',
    );
  });

  it("accepts ranges that admit 3.12", async () => {
    const { json } = await checkJson(fixture("python-version", "pass"));
    expect(json.findings).toEqual([]);
  });

  it("uses the manifest's python for docker and FastMCP Cloud's 3.12 when that target is asked for", async () => {
    const docker = await checkJson(fixture("python-version", "docker"));
    expect(docker.json.targets).toEqual(["docker"]);
    // This fixture has no Dockerfile: the docker target's own rules (test/check/targets.test.ts) report that.
    expect(docker.json.findings.filter((f) => f.rule === "python-version")).toEqual([]);
    const cloud = await checkJson(fixture("python-version", "docker"), ["--target", "fastmcp-cloud"]);
    expect(cloud.code).toBe(1);
    expect(cloud.json.findings.map((f) => f.rule)).toEqual(["python-version"]);
    expect(cloud.json.findings[0]!.server).toBe("new");
  });
});

describe("fastmcp-json (rule 9)", () => {
  it("validates against FastMCP's schema v1 (types, enums, required source), strict JSON and source.path", async () => {
    const { code, json } = await checkJson(fixture("fastmcp-json", "fail"));
    expect(code).toBe(1);
    const lines = (s: string) => json.findings.filter((f) => f.server === s).map((f) => `${f.severity}@${f.line}:${f.message.split(" ")[0]}`);
    expect(lines("server-types")).toEqual([
      "error@5:source.path",
      "warning@6:unknown",
      "error@10:environment.python",
      "error@11:environment.dependencies",
      "error@14:deployment.transport",
      "error@15:deployment.port",
    ]);
    expect(lines("server-syntax")).toEqual(["error@2:not"]);
    expect(lines("server-nosource")).toEqual(["error@1:(top"]);
    expect(json.findings.every((f) => f.rule === "fastmcp-json")).toBe(true);
  });

  it("accepts a full and a minimal (path:object) config", async () => {
    const { json } = await checkJson(fixture("fastmcp-json", "pass"));
    expect(json.findings).toEqual([]);
  });
});

describe("shadowed-module (rule 10)", () => {
  it("flags src/ modules and packages named like dependencies (errors) or the stdlib (warnings)", async () => {
    const { code, json } = await checkJson(fixture("shadowed-module", "fail"));
    expect(code).toBe(1);
    expect(json.findings.map((f) => `${f.severity}:${f.file}`)).toEqual([
      "error:server-shadow/src/httpx.py",
      "warning:server-shadow/src/logging.py",
      "error:server-shadow/src/mcp/",
      "warning:server-shadow/src/pydantic/", // no __init__.py: a namespace folder
      "error:server-shadow/src/requests.py", // named like a package in requirements.txt
    ]);
  });

  it("accepts names that do not collide", async () => {
    const { json } = await checkJson(fixture("shadowed-module", "pass"));
    expect(json.findings).toEqual([]);
  });
});

describe("config-before-validate (rule 11)", () => {
  it("flags seed 002's Config.API_URL read before Config.validate()", async () => {
    const { json } = await checkJson(fixture("config-order", "fail"));
    expect(json.findings.map((f) => `${f.rule}:${f.severity}@${f.line}`)).toEqual(["config-before-validate:warning@6"]);
    expect(json.findings[0]!.message).toContain("Config.API_URL");
  });

  it("counts a validate() inside a factory called at module level", async () => {
    const dir = await copyFixture("config-order/pass");
    await writeFile(
      path.join(dir, "server-config", "src", "server.py"),
      [
        "from fastmcp import FastMCP",
        "",
        "from shared import Config",
        "",
        "",
        "def create_server() -> FastMCP:",
        "    Config.validate()",
        '    return FastMCP(name="config")',
        "",
        "",
        "mcp = create_server()",
        "API_URL = Config.API_URL  # after create_server() validated",
        "",
      ].join("\n"),
    );
    const { json } = await checkJson(dir);
    expect(json.findings).toEqual([]);
  });

  it("accepts seed 002's validate-first order (and reads inside functions)", async () => {
    const { json } = await checkJson(fixture("config-order", "pass"));
    expect(json.findings).toEqual([]);
  });
});
