// `test`: each server's own pytest suite in its own venv on the manifest's Python, in parallel;
// a real 3-server monorepo, real pip installs (cached in the test cache folder), real pytest.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { failedTests } from "../../src/test-servers/run.js";
import { requirementLines } from "../../src/monorepo/requirements.js";
import { runCli, tempDir } from "../helpers/cli.js";

let root: string;
const SERVERS = ["ops", "billing", "customer"];

beforeAll(async () => {
  const parent = await tempDir("mcpm-test-cmd-");
  const res = await runCli(["demo", "--yes", "--no-git", ...SERVERS.flatMap((s) => ["--server", s])], { cwd: parent });
  expect(res.code, res.stderr).toBe(0);
  root = path.join(parent, "demo");
}, 120_000);

describe("test", () => {
  it("passes on a 3-server monorepo: one table row per server, on the manifest's Python", async () => {
    const res = await runCli(["test", "--cwd", root], { cwd: root });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const lines = res.stdout.split("\n");
    expect(lines[0]).toMatch(/^server\s+result\s+time$/);
    for (const s of SERVERS) expect(res.stdout).toMatch(new RegExp(`^${s}\\s+pass\\s+\\d+\\.\\d s$`, "m"));
    expect(res.stdout).toMatch(/^All suites passed on CPython 3\.12\.\d+\.$/m);
    for (const s of SERVERS) expect(res.stderr).toMatch(new RegExp(`^✓ ${s} passed`, "m"));
  }, 600_000);

  it("a broken test fails the run (exit 1), naming the server and the test; --json says the same", async () => {
    const file = path.join(root, "server-billing", "tests", "test_tools.py");
    const text = await readFile(file, "utf8");
    await writeFile(file, text + "\n\ndef test_broken_on_purpose() -> None:\n    assert 1 + 1 == 3\n");
    const res = await runCli(["test", "--cwd", root, "--jobs", "2"], { cwd: root });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^billing\s+FAIL\s/m);
    expect(res.stdout).toMatch(/^ops\s+pass\s/m);
    expect(res.stdout).toContain("--- billing (server-billing) failed: tests/test_tools.py::test_broken_on_purpose");
    expect(res.stdout).toContain("assert (1 + 1) == 3");
    expect(res.stdout).toMatch(/^1 of 3 suites failed on CPython 3\.12\.\d+\.$/m);
    const json = await runCli(["test", "billing", "ops", "--cwd", root, "--json"], { cwd: root });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.results.map((r: { server: string; ok: boolean }) => [r.server, r.ok])).toEqual([["billing", false], ["ops", true]]);
    expect(report.results[0].failed).toEqual(["tests/test_tools.py::test_broken_on_purpose"]);
    expect(report.summary).toEqual({ passed: 1, failed: 1 });
    await writeFile(file, text);
  }, 600_000);

  it("refuses an unknown server (exit 2), as JSON with --json", async () => {
    const res = await runCli(["test", "nope", "--cwd", root], { cwd: root });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: unknown server "nope" \(servers in mcp-monorepo\.yaml: ops, billing, customer\)$/m);
    const json = await runCli(["test", "nope", "--cwd", root, "--json"], { cwd: root });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: 'unknown server "nope" (servers in mcp-monorepo.yaml: ops, billing, customer)', exitCode: 2 });
  });
});

describe("test's parsing", () => {
  it("takes requirement lines without comments or pip options, and pytest's failed ids", () => {
    expect(requirementLines("# c\nfastmcp>=4,<5  # pinned\n-r other.txt\n\nhttpx\n")).toEqual(["fastmcp>=4,<5", "httpx"]);
    expect(failedTests("x\nFAILED tests/a.py::t1 - assert 0\nERROR tests/b.py - ImportError\nFAILED tests/a.py::t1\n")).toEqual(["tests/a.py::t1", "tests/b.py"]);
  });
});
