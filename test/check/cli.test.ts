import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { CHECK_OUTPUT_SCHEMA } from "../../src/check/output-schema.js";
import { PYTHON } from "../helpers/python.js";
import { checkJson, cli, copyFixture, FIXTURES, tempDir } from "./helpers.js";

const fixture = (...p: string[]) => path.join(FIXTURES, ...p);

describe("check --json output", () => {
  const validate = new Ajv({ allErrors: true, strict: true }).compile(CHECK_OUTPUT_SCHEMA);

  it.each([
    ["server-object/fail"],
    ["fastmcp-json/fail"],
    ["env/fail"],
    ["python-version/docker"],
    ["server-object/pass"],
  ])("%s matches the output schema", async (name) => {
    const { json } = await checkJson(fixture(...name.split("/")));
    const ok = validate(json);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("has the same findings as the human output, and summary counts that add up", async () => {
    const dir = fixture("env", "fail");
    const { json, code } = await checkJson(dir);
    expect(json.summary).toEqual({ errors: 1, warnings: 2, servers: 1, exitCode: 1 });
    expect(code).toBe(json.summary.exitCode);
    expect(json.discovered).toBe(true);
    expect(json.root).toBe(dir);
    const human = await cli(["check", "--cwd", dir]);
    for (const f of json.findings) expect(human.stdout).toContain(`${f.file}:${f.line} ${f.message} [${f.rule}]`);
  });

  it("rejects output that breaks the schema (the schema is not vacuous)", () => {
    expect(validate({ formatVersion: 1, root: "/x", discovered: false, targets: [], servers: [], python: { executable: "p", version: "3.12.1" }, findings: [], summary: { errors: 0, warnings: 0, servers: 0, exitCode: 0 } })).toBe(false);
    expect(validate({ formatVersion: 1, root: "/x", discovered: false, targets: ["docker"], servers: [], python: { executable: "p", version: "3.12.1" }, findings: [{ rule: "nope", severity: "error", server: null, file: "a", line: 1, message: "m", fix: "f" }], summary: { errors: 0, warnings: 0, servers: 0, exitCode: 0 } })).toBe(false);
  });
});

describe("check exit codes and human output", () => {
  it("exits 0 with a clean summary line when there are no findings", async () => {
    const r = await cli(["check", "--cwd", fixture("server-object", "pass")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no mcp-monorepo.yaml");
    expect(r.stdout).toContain("discovered 3 servers");
    expect(r.stdout.trim().split("\n").at(-1)).toBe("✔ 0 errors, 0 warnings in 3 servers: ready to deploy");
    expect(r.stderr).toBe("");
  });

  it("exits 1 with errors, grouped by server, each with file:line, rule id and fix; no colour without a TTY", async () => {
    const r = await cli(["check", "--cwd", fixture("async-client", "fail")]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    const header = lines.indexOf("server-async");
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toMatch(/^ {2}error {3}server-async\/src\/server\.py:11 .*\[async-client-at-import\]$/);
    expect(lines[header + 2]).toMatch(/^ {10}fix: /);
    expect(r.stdout).not.toContain("\u001b[");
    expect(lines.filter(Boolean).at(-1)).toBe("✖ 1 error, 1 warning in 1 server");
  });

  it("colours the output on a TTY unless NO_COLOR is set", async () => {
    const r = await cli(["check", "--cwd", fixture("async-client", "fail")], { tty: true, env: { ...process.env, MCPM_PYTHON: PYTHON, NO_COLOR: undefined, FORCE_COLOR: undefined } });
    expect(r.stdout).toContain("\u001b[31m");
    const plain = await cli(["check", "--cwd", fixture("async-client", "fail")], { tty: true, env: { ...process.env, MCPM_PYTHON: PYTHON, NO_COLOR: "1" } });
    expect(plain.stdout).not.toContain("\u001b[");
  });

  it("warnings fail only with --strict", async () => {
    expect((await cli(["check", "--cwd", fixture("config-order", "fail")])).code).toBe(0);
    const strict = await cli(["check", "--strict", "--cwd", fixture("config-order", "fail")]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain("(--strict: warnings fail)");
  });

  it("--server (-s) limits the check (by name or folder, repeatable)", async () => {
    const { json } = await checkJson(fixture("server-object", "fail"), ["--server", "server-main-only", "-s", "server-async-no-run"]);
    expect(json.servers).toEqual(["server-async-no-run", "server-main-only"]);
    expect(new Set(json.findings.map((f) => f.server))).toEqual(new Set(["server-async-no-run", "server-main-only"]));
  });

  it("works from a folder inside the monorepo (walks up to find the servers)", async () => {
    const { json } = await checkJson(fixture("server-object", "pass", "server-factory", "src"));
    expect(json.root).toBe(fixture("server-object", "pass"));
    expect(json.servers).toHaveLength(3);
  });

  it("reads --cwd relative to the context's cwd", async () => {
    const r = await cli(["check", "--json", "--cwd", "server-object/pass"], { cwd: FIXTURES });
    expect(JSON.parse(r.stdout).root).toBe(fixture("server-object", "pass"));
  });
});

describe("check exits 2 when it cannot run, with the reason", () => {
  it("no Python interpreter", async () => {
    const r = await cli(["check", "--cwd", fixture("server-object", "pass")], { env: { PATH: "/nonexistent-bin" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: check parses server code with Python's own ast and needs Python 3\.10\+, but none was found \(tried python3 \(not found\), python \(not found\)\); install Python, or pass --interpreter PATH or set MCPM_PYTHON\n$/);
    expect(r.stdout).toBe("");
  });

  it("--python pointing nowhere", async () => {
    const r = await cli(["check", "--python", "/nonexistent/python3", "--cwd", fixture("server-object", "pass")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("/nonexistent/python3 (not found)");
  });

  it("--python wins over MCPM_PYTHON", async () => {
    const r = await cli(["check", "--json", "--python", PYTHON, "--cwd", fixture("server-object", "pass")], { env: { ...process.env, MCPM_PYTHON: "/nonexistent/python3" } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).python.version).toMatch(/^3\.\d+\.\d+$/);
  });

  it("no servers anywhere (up to the repository root), listing the candidate files it saw", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, ".git")); // the walk stops here, whatever lies above it
    await mkdir(path.join(dir, "tools"), { recursive: true });
    await writeFile(path.join(dir, "tools", "server.py"), "from fastmcp import FastMCP\nmcp = FastMCP('x')\n");
    const r = await cli(["check", "--cwd", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no mcp-monorepo.yaml and no server folders");
    expect(r.stderr).toContain(`up to the repository root ${dir}`);
    expect(r.stderr).toContain("files seen: tools/server.py");
  });

  it("a --cwd that does not exist", async () => {
    const r = await cli(["check", "--cwd", "/nonexistent/monorepo"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("not a folder");
  });

  it("an unknown --server or --target", async () => {
    const s = await cli(["check", "--server", "nope", "--cwd", fixture("server-object", "pass")]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('unknown server "nope"; servers here: server-async-factory, server-factory, server-module-level');
    const t = await cli(["check", "--target", "lambda", "--cwd", fixture("server-object", "pass")]);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('unknown target "lambda"; use one of fastmcp-cloud, docker, k8s, mcpb');
  });

  it("an invalid mcp-monorepo.yaml", async () => {
    const dir = await copyFixture("python-version/docker");
    await writeFile(path.join(dir, "mcp-monorepo.yaml"), "formatVersion: 1\nproject: [\n");
    const r = await cli(["check", "--cwd", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: mcp-monorepo\.yaml/);
  });

  it("a Python file that does not parse is a finding (exit 1), not a crash", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, "server-x", "src"), { recursive: true });
    await writeFile(path.join(dir, "server-x", "requirements.txt"), "fastmcp>=4.0,<5\n");
    await writeFile(path.join(dir, "server-x", "src", "server.py"), "from fastmcp import FastMCP\nmcp = FastMCP(\n");
    const { code, json } = await checkJson(dir);
    expect(code).toBe(1);
    expect(json.findings).toMatchObject([{ rule: "python-syntax", severity: "error", file: "server-x/src/server.py", line: 2 }]);
  });
});

describe("check finds a Python 3.10+ on PATH", () => {
  it("skips a python3 that is too old and uses python; says so when none will do", async () => {
    const bin = await tempDir();
    const old = path.join(bin, "python3");
    await writeFile(old, "#!/bin/sh\necho 'check needs Python 3.10 or newer to analyze server code; this is 3.9.18' >&2\nexit 3\n", { mode: 0o755 });
    await symlink(PYTHON, path.join(bin, "python"));
    const ok = await cli(["check", "--json", "--cwd", fixture("server-object", "pass")], { env: { PATH: bin } });
    expect(ok.code).toBe(0);
    await rm(path.join(bin, "python"));
    const none = await cli(["check", "--cwd", fixture("server-object", "pass")], { env: { PATH: bin } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("tried python3 (3.9.18), python (not found)");
    const explicit = await cli(["check", "--python", old, "--cwd", fixture("server-object", "pass")]);
    expect(explicit.code).toBe(2);
    expect(explicit.stderr).toContain("check needs Python 3.10 or newer to analyze server code; this is 3.9.18");
  });
});

describe("check --explain", () => {
  it("prints a rule's documentation (shipped in the package), for every rule id", async () => {
    const { RULE_IDS } = await import("../../src/check/types.js");
    for (const rule of RULE_IDS) {
      const r = await cli(["check", "--explain", rule]);
      expect(r.code, rule).toBe(0);
      expect(r.stdout.startsWith(`# \`${rule}\`\n\nSeverity: `), rule).toBe(true);
      expect(r.stdout, rule).not.toMatch(/seed 0\d\d|deployment learnings|\bRCA\b/i); // public facts only
    }
    const r = await cli(["check", "--explain", "import-crash"]);
    expect(r.stdout).toContain("asyncio.run() cannot be called from a running event");
  });

  it("an unknown rule is a one-line error listing the valid ids", async () => {
    const r = await cli(["check", "--explain", "no-such-rule"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain('error: unknown rule "no-such-rule"; rules: server-object, pypi-only,');
  });
});
