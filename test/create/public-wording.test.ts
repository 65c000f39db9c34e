// Issue 13 item 5: what users read (generated files, help, messages) names public facts and
// links docs; it never cites the internal documents the rules were learned from.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listTree, runCli, tempDir } from "../helpers/cli.js";

const INTERNAL = /seed \d|\bRCA\b|deployment learnings|BUILD-FAIL/i;

describe("no internal document labels in what users read", () => {
  it("every generated file, and the output of --help of every command", async () => {
    const parent = await tempDir("mcpm-words-");
    const made = await runCli(["demo", "--yes", "--no-git"], { cwd: parent });
    expect(made.code, made.stderr).toBe(0);
    const root = path.join(parent, "demo");
    const files = (await listTree(root)).filter((p) => /\.(py|md|txt|json|ya?ml|ini|example)$|^\.git(ignore|attributes)$/.test(path.posix.basename(p)));
    expect(files.length).toBeGreaterThan(40);
    for (const rel of files) expect(await readFile(path.join(root, rel), "utf8"), rel).not.toMatch(INTERNAL);
    expect(await readFile(path.join(root, "server-ops/src/server.py"), "utf8")).toContain("https://gofastmcp.com/deployment/fastmcp-cloud");
    for (const argv of [["--help"], ["create", "--help"], ["add-server", "--help"], ["sync", "--help"], ["check", "--help"]]) {
      const r = await runCli(argv, { cwd: parent });
      expect(r.stdout, argv.join(" ")).not.toMatch(INTERNAL);
      expect(r.stdout, argv.join(" ")).toContain("Docs: https://github.com/");
    }
  });

  it("refusals name the public fact (FastMCP Cloud's Python 3.12 base image; PyPI only)", async () => {
    const parent = await tempDir("mcpm-words-");
    const py = await runCli(["demo", "--yes", "--python", "3.14"], { cwd: parent });
    expect(py.stderr).toContain("FastMCP Cloud builds every server on a Python 3.12 base image");
    expect(py.stderr).not.toMatch(INTERNAL);
    const { findNonPypiLines } = await import("../../src/monorepo/requirements.js");
    for (const line of ["git+https://github.com/x/y", "../shared", "-e .", "https://x/y.whl"]) {
      const [problem] = findNonPypiLines(line);
      expect(problem!.message, line).toContain("PyPI");
      expect(problem!.message, line).not.toMatch(INTERNAL);
    }
  });

  it("package.json says where the project lives", async () => {
    const pkg = JSON.parse(await readFile(path.resolve(import.meta.dirname, "../../package.json"), "utf8"));
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/.+\.git$/);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs.url).toMatch(/\/issues$/);
  });
});
