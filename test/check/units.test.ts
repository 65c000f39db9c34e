import { describe, expect, it } from "vitest";
import { moduleOf, splitPathObject } from "../../src/check/collect.js";
import type { FileFacts } from "../../src/check/facts.js";
import { checkExitCode, formatCheck } from "../../src/check/format.js";
import { distributionsFor, normalizeDistribution } from "../../src/check/import-names.js";
import { parseLocatedJson } from "../../src/check/json-lines.js";
import { canonicalName } from "../../src/check/rules/config-order.js";
import { documentedNames } from "../../src/check/rules/env.js";
import { fastmcpConfigValidator, schemaProblems, unknownKeys } from "../../src/check/rules/fastmcp-json.js";
import { runtimeFor } from "../../src/check/rules/python-version.js";
import { pypiOnlyReason } from "../../src/check/rules/pypi-only.js";
import { findNonPypiLines } from "../../src/monorepo/requirements.js";
import { pythonCandidates } from "../../src/kernel/python.js";
import type { CheckReport } from "../../src/check/types.js";

// Unit tests of check's pure helpers (STYLE.md §8).

describe("import names → distributions", () => {
  it("maps the common exceptions and normalises the rest (PEP 503)", () => {
    expect(distributionsFor("dotenv")).toEqual(["python-dotenv"]);
    expect(distributionsFor("yaml")).toEqual(["pyyaml"]);
    expect(distributionsFor("PIL.Image")).toEqual(["pillow"]);
    expect(distributionsFor("bs4")).toEqual(["beautifulsoup4"]);
    expect(distributionsFor("sklearn.linear_model")).toEqual(["scikit-learn"]);
    expect(distributionsFor("google.cloud.storage")).toEqual(["google-cloud-storage"]);
    expect(distributionsFor("google.protobuf")).toEqual(["protobuf"]);
    expect(distributionsFor("my_pkg")).toEqual(["my-pkg"]);
    expect(distributionsFor("fastmcp", ["fastmcp-slim"])).toEqual(["fastmcp", "fastmcp-slim"]);
    expect(distributionsFor("thing", ["Thing_Dist"])).toEqual(["thing", "thing-dist"]);
    expect(normalizeDistribution("Foo_Bar.baz")).toBe("foo-bar-baz");
  });
});

describe(".env.example parsing", () => {
  it("counts NAME=, export NAME= and commented-out # NAME= entries", () => {
    expect([...documentedNames("# Required\nAPI_KEY=x\nexport TOKEN=1\n# DEBUG=false\n#   LOG_LEVEL = INFO\n# just a comment\nnot a var\n")]).toEqual(["API_KEY", "TOKEN", "DEBUG", "LOG_LEVEL"]);
  });
});

describe("entrypoints and module names", () => {
  it("splits FastMCP's path:object syntax (a Windows drive colon is not a separator)", () => {
    expect(splitPathObject("src/server.py:mcp")).toEqual({ file: "src/server.py", object: "mcp" });
    expect(splitPathObject("src/server.py")).toEqual({ file: "src/server.py", object: null });
    expect(splitPathObject("C:\\app\\server.py")).toEqual({ file: "C:\\app\\server.py", object: null });
    expect(splitPathObject("C:\\app\\server.py:app")).toEqual({ file: "C:\\app\\server.py", object: "app" });
  });

  it("names modules as fastmcp run imports them with src/ on sys.path", () => {
    expect(moduleOf("server.py")).toEqual({ module: "server", isPackage: false });
    expect(moduleOf("shared/__init__.py")).toEqual({ module: "shared", isPackage: true });
    expect(moduleOf("shared/config.py")).toEqual({ module: "shared.config", isPackage: false });
  });
});

describe("strict JSON with line numbers", () => {
  it("locates keys, array items and parse errors", () => {
    const j = parseLocatedJson('{\n  "a": {\n    "b": [1,\n      2]\n  }\n}\n');
    expect(j.error).toBeUndefined();
    expect(j.lineOf(["a"])).toBe(2);
    expect(j.lineOf(["a", "b"])).toBe(3);
    expect(j.lineOf(["a", "b", 1])).toBe(4);
    expect(j.lineOf(["a", "missing"])).toBe(2); // the closest existing parent
    const bad = parseLocatedJson('{\n  "a": 1,\n}\n');
    expect(bad.data).toBeUndefined();
    expect(bad.error!.line).toBe(3);
  });
});

describe("fastmcp.json schema v1", () => {
  it("merges ajv's anyOf branches into one message per field", () => {
    const validate = fastmcpConfigValidator();
    expect(validate({ source: { path: "x.py" }, deployment: { port: "80", transport: "ws" } })).toBe(false);
    expect(schemaProblems(validate.errors ?? [])).toEqual([
      { path: ["deployment", "transport"], message: 'deployment.transport must be one of "stdio", "http", "sse", "streamable-http"' },
      { path: ["deployment", "port"], message: "deployment.port must be integer or null" },
    ]);
    expect(validate({ source: { path: "x.py", entrypoint: null }, environment: { python: null } })).toBe(true);
  });

  it("lists keys FastMCP would silently ignore", () => {
    expect(unknownKeys({ source: { path: "x", entry_point: "mcp" }, deploy: {}, deployment: { env: { ANY: "x" } } })).toEqual([["source", "entry_point"], ["deploy"]]);
  });
});

describe("config re-exports", () => {
  it("follows from-imports to the defining module", () => {
    const facts = (reexports: Record<string, string>) => ({ reexports }) as unknown as FileFacts;
    const modules = new Map([
      ["shared", facts({ Config: "shared.config.Config" })],
      ["shared.config", facts({})],
      ["server", facts({ Config: "shared.Config" })],
    ]);
    expect(canonicalName("shared.Config", modules)).toBe("shared.config.Config");
    expect(canonicalName("server.Config", modules)).toBe("shared.config.Config");
    expect(canonicalName("os.environ", modules)).toBe("os.environ");
  });
});

describe("targets and interpreters", () => {
  it("FastMCP Cloud runs 3.12.12 (seed 000); other targets run the manifest's python", () => {
    expect(runtimeFor("fastmcp-cloud", null)).toBe("3.12.12");
    expect(runtimeFor("docker", null)).toBeNull();
    expect(runtimeFor("mcpb", { python: "3.13" } as never)).toBe("3.13");
  });

  it("tries --python, else MCPM_PYTHON, else python3 and python on PATH", () => {
    expect(pythonCandidates("/x/python", { MCPM_PYTHON: "/y" })).toEqual({ candidates: ["/x/python"], source: "--interpreter" });
    expect(pythonCandidates(undefined, { MCPM_PYTHON: "/y" })).toEqual({ candidates: ["/y"], source: "MCPM_PYTHON" });
    expect(pythonCandidates(undefined, {}).source).toBe("PATH");
  });
});

describe("printing", () => {
  const report = (errors: number, warnings: number): CheckReport => ({
    root: "/r",
    discovered: false,
    targets: ["fastmcp-cloud"],
    servers: ["ops"],
    python: { executable: "python3", version: "3.12.1" },
    findings: [],
    summary: { errors, warnings, servers: 1 },
  });

  it("exit code: errors fail; warnings fail only with --strict", () => {
    expect(checkExitCode(report(0, 0), true)).toBe(0);
    expect(checkExitCode(report(0, 2), false)).toBe(0);
    expect(checkExitCode(report(0, 2), true)).toBe(1);
    expect(checkExitCode(report(1, 0), false)).toBe(1);
  });

  it("summary line wording", () => {
    expect(formatCheck(report(0, 0), { color: false, strict: false }).at(-1)).toBe("✔ 0 errors, 0 warnings in 1 server: ready to deploy");
    expect(formatCheck(report(0, 1), { color: false, strict: false }).at(-1)).toBe("⚠ 0 errors, 1 warning in 1 server");
    expect(formatCheck(report(2, 1), { color: false, strict: false }).at(-1)).toBe("✖ 2 errors, 1 warning in 1 server");
  });
});

// Issue 20: `check --target docker` said "FastMCP Cloud installs from PyPI only" for a direct-URL
// wheel; the reason now fits the target being checked.
describe("pypi-only reason per target", () => {
  const wheel = "tool @ https://example.com/tool-1.0-py3-none-any.whl\n";
  it("names FastMCP Cloud only when it is a checked target", () => {
    expect(findNonPypiLines(wheel, pypiOnlyReason(["fastmcp-cloud", "docker"]))[0]!.message).toBe("direct reference (name @ url): FastMCP Cloud installs from PyPI only");
    const docker = findNonPypiLines(wheel, pypiOnlyReason(["docker"]))[0]!.message;
    expect(docker).not.toContain("FastMCP Cloud");
    expect(docker).toContain("container build");
    expect(findNonPypiLines(wheel, pypiOnlyReason(["mcpb"]))[0]!.message).toContain("`bundle` installs from PyPI only");
  });
});
