// Issue 13 items 2 and 4: a mistyped command is not taken as a folder; `create` and
// `help <command>` exist; flags never produce a tree that `check --strict` rejects.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PYTHON_VERSIONS } from "../../src/monorepo/manifest.js";
import { didYouMean, editDistance } from "../../src/kernel/suggest.js";
import { highestPythonFor, pythonTargetsProblem, pythonVersionsFor } from "../../src/monorepo/deploy-compat.js";
import { listTree, runCli, tempDir } from "../helpers/cli.js";

describe("command parsing", () => {
  it("suggests the command for a typo instead of creating a folder (snyc → sync)", async () => {
    const cwd = await tempDir("mcpm-cmd-");
    const r = await runCli(["snyc"], { cwd, interactive: true });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: unknown command "snyc": did you mean "sync"? (to create a folder named "snyc", write ./snyc)');
    expect(r.stdout).toBe(""); // no wizard was opened
    expect(await readdir(cwd)).toEqual([]);
  });

  it("refuses a folder named like a command, and takes ./name as a folder", async () => {
    const cwd = await tempDir("mcpm-cmd-");
    // `check` is a command: it runs check (outside a monorepo: could not run), never creates check/.
    const r = await runCli(["check"], { cwd });
    expect(r.code).toBe(2);
    expect(await readdir(cwd)).toEqual([]);
    const bare = await runCli(["help-me", "--yes"], { cwd });
    expect(bare.code).toBe(0); // far from every command: a folder
    const asFolder = await runCli(["./sync", "--yes", "--no-git"], { cwd });
    expect(asFolder.code, asFolder.stderr).toBe(0);
    expect(await listTree(path.join(cwd, "sync"))).toContain("mcp-monorepo.yaml");
  });

  it("`create` is a command: `create --yes` makes my-mcp-servers/, not create/", async () => {
    const cwd = await tempDir("mcpm-cmd-");
    const r = await runCli(["create", "--yes", "--no-git"], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(cwd)).sort()).toEqual(["my-mcp-servers"]);
    const named = await runCli(["create", "team", "--server", "ops", "--no-git"], { cwd });
    expect(named.code, named.stderr).toBe(0);
    expect((await readdir(cwd)).sort()).toEqual(["my-mcp-servers", "team"]);
  });

  it("`help <command>` prints that command's help; `help <typo>` suggests", async () => {
    const cwd = await tempDir("mcpm-cmd-");
    const r = await runCli(["help", "sync"], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: mcp-monorepo sync [options]");
    expect(r.stdout).toContain("--check");
    const typo = await runCli(["help", "snyc"], { cwd });
    expect(typo.code).toBe(1);
    expect(typo.stderr.trim()).toBe('error: no command "snyc": did you mean "sync"? (commands: create, add-server, add-target, sync, lock, check, bundle, verify, list, ls, remove-server, remove-target, rename-server, rename, test, affected, dev, upgrade)');
    expect((await runCli(["help"], { cwd })).stdout).toContain("help [command]");
  });

  it("one program name in every usage line", async () => {
    const cwd = await tempDir("mcpm-cmd-");
    for (const argv of [["--help"], ["create", "--help"], ["add-server", "--help"], ["sync", "--help"], ["check", "--help"]]) {
      const r = await runCli(argv, { cwd });
      expect(r.stdout, argv.join(" ")).toMatch(/^Usage: mcp-monorepo /);
    }
  });

  it("edit distance and suggestions", () => {
    expect(editDistance("snyc", "sync")).toBe(1);
    expect(editDistance("chekc", "check")).toBe(1);
    expect(didYouMean("snyc", ["sync", "check"])).toBe("sync");
    expect(didYouMean("add", ["add-server", "sync"])).toBe("add-server");
    expect(didYouMean("addserver", ["add-server", "sync"])).toBe("add-server");
    expect(didYouMean("billing", ["add-server", "sync", "check", "create"])).toBeNull();
    expect(didYouMean("ops", ["add-server", "sync", "check", "create"])).toBeNull();
  });
});

describe("Python version and targets agree (FastMCP Cloud builds on Python 3.12)", () => {
  it("pythonTargetsProblem: 3.13+ with fastmcp-cloud fails, every other pair agrees", () => {
    for (const v of PYTHON_VERSIONS) {
      const cloud = pythonTargetsProblem(v, ["fastmcp-cloud"]);
      expect(cloud === null, v).toBe(Number(v.split(".")[1]) <= 12);
      for (const t of ["docker", "k8s", "mcpb"] as const) expect(pythonTargetsProblem(v, [t])).toBeNull();
    }
    const p = pythonTargetsProblem("3.13", ["docker", "fastmcp-cloud"])!;
    expect(p.target).toBe("fastmcp-cloud");
    expect(p.highestPython).toBe("3.12");
    expect(p.targetsThatRunIt).toEqual(["docker", "k8s", "mcpb"]);
    expect(p.message).toContain("Python 3.12 base image");
    expect(highestPythonFor(["docker"])).toBe("3.14");
    expect(pythonVersionsFor(["fastmcp-cloud"])).toEqual(["3.10", "3.11", "3.12"]);
  });

  // The invariant, end to end: every --python either is refused up front, or the tree passes check --strict.
  it.each([...PYTHON_VERSIONS])("--python %s: refused with the way out, or passes check --strict", async (python) => {
    const cwd = await tempDir("mcpm-py-");
    const r = await runCli(["demo", "--yes", "--no-git", "--python", python], { cwd });
    if (r.code !== 0) {
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `error: FastMCP Cloud builds every server on a Python 3.12 base image whatever fastmcp.json asks for, so a Python ${python} server fails to build there: choose --python 3.12 or lower, or deploy Python ${python} with --target docker, k8s or mcpb instead of fastmcp-cloud`,
      );
      expect(await readdir(cwd)).toEqual([]);
      return;
    }
    const check = await runCli(["check", "--strict", "--cwd", path.join(cwd, "demo")], { cwd });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain("0 errors, 0 warnings in 3 servers");
  }, 120_000);
});

// Issue 13 item 3: create inside an existing monorepo is refused with the way to add a server.
describe("create inside an existing monorepo", () => {
  it("refuses a nested monorepo and names add-server", async () => {
    const cwd = await tempDir("mcpm-nested-");
    expect((await runCli(["outer", "--server", "ops", "--no-git"], { cwd })).code).toBe(0);
    const outer = path.join(cwd, "outer");
    const r = await runCli(["inner", "--yes", "--no-git"], { cwd: outer });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `error: inner would be inside the mcp-monorepo at ${outer} (it has mcp-monorepo.yaml); to add a server to it run: npx create-mcp-monorepo add-server NAME --cwd ${outer}; for a separate monorepo pick a folder outside it`,
    );
    expect((await readdir(outer)).includes("inner")).toBe(false);
  });
});

// Issue 13 item 4 with --target: a Python version and targets given as flags must agree, and
// what is created passes check --strict for its own targets.
describe("--python with --target", () => {
  it("3.13 with docker only is created and passes check --strict; with fastmcp-cloud as well it is refused", async () => {
    const cwd = await tempDir("mcpm-pyt-");
    const ok = await runCli(["d", "--yes", "--no-git", "--python", "3.13", "--target", "docker"], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    const check = await runCli(["check", "--strict", "--cwd", path.join(cwd, "d")], { cwd, env: { PATH: process.env.PATH, NO_COLOR: "1" } });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const refused = await runCli(["c", "--yes", "--no-git", "--python", "3.13", "--target", "fastmcp-cloud", "--target", "docker"], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("or deploy Python 3.13 with --target docker, k8s or mcpb instead of fastmcp-cloud");
    expect((await readdir(cwd)).sort()).toEqual(["d"]);
  }, 120_000);
});
