// Issue 20, "a new user's first hour": server names that shadow nothing, create inside an
// existing git repository, and next steps that name verify in a command that works as printed.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { validateServerName } from "../../src/monorepo/names.js";
import { listTree, runCli, tempDir } from "../helpers/cli.js";
import { appendFile } from "node:fs/promises";
import { checkJson } from "../check/helpers.js";
import { runTool } from "../helpers/python.js";

const execFileP = promisify(execFile);

describe("server names that never become a module are accepted", () => {
  it("stdlib and dependency module names (email, time, http, logging, queue, json, httpx) are valid server names", () => {
    for (const n of ["email", "time", "http", "logging", "queue", "json", "httpx", "shared", "tests", "asyncio"]) expect(validateServerName(n), n).toBe(true);
  });

  it("names whose settings prefix the runtime reads stay refused, naming who reads it", () => {
    expect(validateServerName("fastmcp")).toBe('server name "fastmcp" would shadow the FASTMCP_ environment variables that FastMCP\'s settings reads (its settings are named FASTMCP_...); pick another name');
    for (const n of ["mcp", "pydantic", "uvicorn", "uv", "pip", "python"]) expect(validateServerName(n), n).toMatch(/would shadow the [A-Z]+_ environment variables/);
  });

  it("create --server email --server http writes servers whose generated tests pass", async () => {
    const parent = await tempDir("mcpm-names-");
    const r = await runCli(["names", "--server", "email", "--server", "http", "--server", "time", "--no-git"], { cwd: parent });
    expect(r.code, r.stderr).toBe(0);
    const root = path.join(parent, "names");
    expect(await listTree(root)).toContain("server-email/src/server.py");
    // The name becomes a folder and a string, never a module: the generated tests (which import
    // the stdlib's http, email and time through FastMCP) pass with real FastMCP.
    for (const folder of ["server-email", "server-http"]) {
      const { stdout } = await runTool("python", ["-m", "pytest", "-q", "-p", "no:cacheprovider"], path.join(root, folder));
      expect(stdout).toMatch(/passed/);
    }
  });
});

describe("create inside an existing git repository", () => {
  it("does not run git init again (no nested repository) and says so in the next steps", async () => {
    const outer = await tempDir("mcpm-outer-");
    await execFileP("git", ["init", "-q"], { cwd: outer });
    const r = await runCli(["inner", "--yes"], { cwd: outer });
    expect(r.code, r.stderr).toBe(0);
    const root = path.join(outer, "inner");
    expect(await listTree(root)).not.toContain(".git");
    expect(r.stdout).toMatch(/git add \. && git commit -m "Add inner" +# no git init: inside the git repository at .*mcpm-outer-/);
    const json = await runCli(["inner2", "--yes", "--json"], { cwd: outer });
    expect(JSON.parse(json.stdout).git).toBe("enclosing");
  });

  it("outside any repository, git init still runs", async () => {
    const parent = await tempDir("mcpm-fresh-");
    const r = await runCli(["solo", "--yes"], { cwd: parent });
    expect(r.code, r.stderr).toBe(0);
    expect(await listTree(path.join(parent, "solo"))).toContain(".git");
  });
});

describe("next steps and the generated README", () => {
  it("name verify, and print every command of this tool as npx create-mcp-monorepo <command>", async () => {
    const parent = await tempDir("mcpm-steps-");
    const r = await runCli(["steps", "--yes", "--no-git"], { cwd: parent });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("npx create-mcp-monorepo verify");
    const readme = await readFile(path.join(parent, "steps", "README.md"), "utf8");
    expect(readme).toContain("npx create-mcp-monorepo verify");
    // `mcp-monorepo` alone is not on PATH after `npm create`: never print it as a command.
    const tree = await listTree(path.join(parent, "steps"));
    for (const rel of tree.filter((f) => !f.endsWith("/") && !f.includes(".git/"))) {
      const text = await readFile(path.join(parent, "steps", rel), "utf8").catch(() => "");
      // The managed-block marker lines are matched byte for byte by sync in existing monorepos: kept as they are.
      const printed = text.split("\n").filter((l) => !/^\s*# (>>>|<<<) shared /.test(l)).join("\n");
      expect(printed.replace(/(npx |npm )create-mcp-monorepo/g, "").match(/`mcp-monorepo [a-z]/g), rel).toBeNull();
    }
    expect(r.stdout.replace(/npx create-mcp-monorepo/g, "")).not.toMatch(/\bmcp-monorepo [a-z-]+/);
  });
});

describe("check --target docker and a direct-URL wheel", () => {
  it("gives a reason that fits the container target, not FastMCP Cloud's", async () => {
    const parent = await tempDir("mcpm-url-");
    const r = await runCli(["urls", "--server", "ops", "--python", "3.12", "--target", "docker", "--no-git"], { cwd: parent });
    expect(r.code, r.stderr).toBe(0);
    const root = path.join(parent, "urls");
    await appendFile(path.join(root, "server-ops", "requirements.txt"), "tool @ https://example.com/tool-1.0-py3-none-any.whl\n");
    const { json } = await checkJson(root, ["--target", "docker", "--offline"]);
    const pypi = json.findings.filter((f) => f.rule === "pypi-only");
    expect(pypi).toHaveLength(1);
    expect(pypi[0]!.message).not.toContain("FastMCP Cloud");
    expect(pypi[0]!.message).toContain("container build installs from PyPI only");
  });
});
