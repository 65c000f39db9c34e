// Regressions found by the issue 12 suites (property, faults, hostile trees): each test names
// what used to go wrong. Fixes in create's own refusals live in test/create/hostile.test.ts.
import * as fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMonorepo } from "../../src/core/create.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { PYTHON } from "../helpers/python.js";
import { changedPaths, fingerprint } from "./harness.js";

async function monorepo(): Promise<string> {
  const root = path.join(await tempDir("mcpm-reg-"), "repo");
  await createMonorepo({ targetDir: root, project: "repo", servers: [{ name: "ops", description: "Ops." }], python: "3.12", git: false, repository: "example/repo", branch: "main", targets: ["fastmcp-cloud"] });
  return root;
}

const run = (argv: string[], cwd: string) => runCli(argv, { cwd, env: { ...process.env, NO_COLOR: "1", MCPM_PYTHON: PYTHON } });

describe("regressions found by the issue 12 suites", () => {
  // A YAML alias bomb in mcp-monorepo.yaml made every command print "unexpected error" (the yaml library throws from toJS()).
  it.each([
    // Exit 2 in every command: a broken manifest means the command could not run (issue 13 item 7).
    ["check", 2],
    ["sync", 2],
    ["add-server", 2],
  ] as const)("an alias bomb in the manifest is one error line for %s", async (command, code) => {
    const root = await monorepo();
    const bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
    await fs.appendFile(path.join(root, "mcp-monorepo.yaml"), bomb);
    const before = await fingerprint(root);
    const r = await run(command === "add-server" ? [command, "billing", "--yes"] : [command], root);
    expect(r.stderr).toMatch(/^error: mcp-monorepo\.yaml: invalid YAML: [^\n]*alias[^\n]*\n$/);
    expect(r.code).toBe(code);
    expect(changedPaths(before, await fingerprint(root))).toEqual([]);
  });
});

describe("descriptions", () => {
  // create kept a whitespace-only description (a blank README cell) where add-server used the default.
  it("a blank description is none in create, as in add-server", async () => {
    const parent = await tempDir("mcpm-reg-desc-");
    expect((await run(["demo", "--server", "ops=   ", "--no-git"], parent)).code).toBe(0);
    const root = path.join(parent, "demo");
    expect((await run(["add-server", "billing", "--description", "  ", "--yes"], root)).code).toBe(0);
    const yaml = await fs.readFile(path.join(root, "mcp-monorepo.yaml"), "utf8");
    expect(yaml).toContain("description: Ops MCP server.");
    expect(yaml).toContain("description: Billing MCP server.");
  });
});

describe("create after a killed create", () => {
  // A create killed before its final rename left `.demo.mcpm-staging-xxxxxxxx` beside the target for ever.
  it("removes the staging folder of a dead run, and leaves a live run's alone", async () => {
    const parent = await tempDir("mcpm-reg-staging-");
    const dead = path.join(parent, ".demo.mcpm-staging-05f5e0ff"); // pid 99999999: above Linux's pid_max, never alive
    const live = path.join(parent, `.demo.mcpm-staging-${process.ppid.toString(16).padStart(8, "0")}`);
    for (const d of [dead, live]) {
      await fs.mkdir(path.join(d, "server-ops"), { recursive: true });
      await fs.writeFile(path.join(d, "server-ops", "half.py"), "x = ");
    }
    const r = await run(["demo", "--server", "ops", "--no-git"], parent);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect((await fs.readdir(parent)).sort()).toEqual([path.basename(live), "demo"].sort());
  });
});

describe("add-server after a killed add-server", () => {
  // A kill while staging left server-extra/ holding only temp files (the next add-server refused the name for ever);
  // a kill after the renames left .README.md.mcpm-bak-* that no later add-server removed.
  it("removes the temp files of a killed run, and a folder holding nothing else, then adds the server", async () => {
    const root = await monorepo();
    await fs.writeFile(path.join(root, ".README.md.mcpm-bak-0123abcd"), "old readme");
    await fs.mkdir(path.join(root, "server-extra", "src"), { recursive: true });
    await fs.writeFile(path.join(root, "server-extra", "src", ".server.py.mcpm-tmp-0123abcd"), "half");
    await fs.writeFile(path.join(root, ".mcp-monorepo.busy"), JSON.stringify({ pid: 99999999, command: "add-server" }));
    const r = await run(["add-server", "extra", "--yes"], root);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const left = (await fs.readdir(root, { recursive: true })).filter((e) => /\.mcpm-|\.mcp-monorepo\.busy/.test(String(e)));
    expect(left).toEqual([]);
  });

  it("a re-run that finds the server already added still removes the backups", async () => {
    const root = await monorepo();
    expect((await run(["add-server", "extra", "--yes"], root)).code).toBe(0);
    await fs.writeFile(path.join(root, ".README.md.mcpm-bak-0123abcd"), "old readme");
    const r = await run(["add-server", "extra", "--yes"], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: server name "extra" is already used/);
    expect((await fs.readdir(root)).filter((e) => e.includes(".mcpm-"))).toEqual([]);
  });
});

describe("file-system errors are one line", () => {
  // An unreadable file in shared/ (EACCES) made sync and add-server print "unexpected error"; trees.test.ts runs it as nobody.
  it("maps permission, loop and full-disk errors to a UserError naming the path", async () => {
    const { fsUserError, UserError } = await import("../../src/core/errors.js");
    const eacces = Object.assign(new Error("EACCES: permission denied, open '/r/shared/config.py'"), { code: "EACCES", syscall: "open", path: "/r/shared/config.py" });
    expect(fsUserError(eacces, "/r")?.message).toBe("cannot read shared/config.py: permission denied (EACCES)");
    const enospc = Object.assign(new Error("ENOSPC"), { code: "ENOSPC", syscall: "write", path: "/elsewhere/x" });
    expect(fsUserError(enospc, "/r", 2)).toMatchObject({ message: "cannot write /elsewhere/x: no space left on device (ENOSPC)", exitCode: 2 });
    expect(fsUserError(new TypeError("bug"), "/r")).toBeNull();
    expect(fsUserError(eacces, "/r")).toBeInstanceOf(UserError);
  });
});

describe("add-server killed between the renames of its commit", () => {
  // SIGKILL half way through the renames left server-extra/ half there and the manifest old, so the
  // next add-server refused the name for ever; the journal in the busy marker now lets the next run finish it.
  it("the next add-server finishes the commit from the journal, reaching the state of an uninterrupted run", async () => {
    const { addServer } = await import("../../src/add-server/add-server.js");
    const ref = await monorepo();
    expect((await run(["add-server", "extra", "--yes"], ref)).code).toBe(0);
    const root = await monorepo();
    let commits = 0;
    // "Killed" after 5 renames: the run stops there for good (its promise never settles), marker and temp files stay.
    void addServer({ cwd: root, name: "extra" }, { beforeCommit: () => (++commits > 5 ? new Promise<void>(() => {}) : undefined) });
    while (commits <= 5) await new Promise((r) => setTimeout(r, 5));
    const marker = JSON.parse(await fs.readFile(path.join(root, ".mcp-monorepo.busy"), "utf8"));
    expect(marker.journal.length).toBeGreaterThan(5);
    const r = await run(["add-server", "extra", "--yes"], root);
    expect(r.stderr).toMatch(/^error: server name "extra" is already used/);
    const strip = (m: Map<string, string>) => new Map([...m].filter(([k]) => !/\.mcpm-|\.mcp-monorepo\.busy/.test(k)));
    expect(strip(await fingerprint(root))).toEqual(strip(await fingerprint(ref)));
    expect((await fs.readdir(root, { recursive: true })).filter((e) => /\.mcpm-|\.mcp-monorepo\.busy/.test(String(e)))).toEqual([]);
  });

  // sync --check passed on such a tree (the manifest was still old), and sync had "nothing to do".
  it("sync --check says so in one line, and sync finishes it", async () => {
    const { addServer } = await import("../../src/add-server/add-server.js");
    const ref = await monorepo();
    expect((await run(["add-server", "extra", "--yes"], ref)).code).toBe(0);
    const root = await monorepo();
    let commits = 0;
    void addServer({ cwd: root, name: "extra" }, { beforeCommit: () => (++commits > 3 ? new Promise<void>(() => {}) : undefined) });
    while (commits <= 3) await new Promise((r) => setTimeout(r, 5));
    const check = await run(["sync", "--check"], root);
    expect(check.code).toBe(1);
    expect(check.stderr).toBe("error: an interrupted add-server left its changes half written; run mcp-monorepo sync to finish them\n");
    const sync = await run(["sync"], root);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    const strip = (m: Map<string, string>) => new Map([...m].filter(([k]) => !/\.mcpm-|\.mcp-monorepo\.busy/.test(k)));
    expect(strip(await fingerprint(root))).toEqual(strip(await fingerprint(ref)));
    expect((await run(["sync", "--check"], root)).code).toBe(0);
  });
});

describe("sync vendors every file name", () => {
  // A name starting with a line terminator (\r, \n) was skipped by the glob that listed shared/, and sync --check said "already in sync".
  it("vendors names that start with \\r or \\n", async () => {
    const root = await monorepo();
    for (const n of ["\rlead.py", "\nlead.txt", "x\u2028y.py"]) await fs.writeFile(path.join(root, "shared", n), `# ${JSON.stringify(n)}\n`);
    expect((await run(["sync", "--check"], root)).code).toBe(1);
    expect((await run(["sync"], root)).code).toBe(0);
    for (const n of ["\rlead.py", "\nlead.txt", "x\u2028y.py"]) expect(await fs.readFile(path.join(root, "server-ops", "src", "shared", n), "utf8")).toBe(`# ${JSON.stringify(n)}\n`);
    expect((await run(["sync", "--check"], root)).code).toBe(0);
  });
});
