// Regressions found by the issue 12 suites (property, faults, hostile trees): each test names
// what used to go wrong. Fixes in create's own refusals live in test/create/hostile.test.ts.
import * as fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMonorepo } from "../../src/scaffold/create.js";
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
    const { CannotRunError, fsUserError, UserError } = await import("../../src/kernel/errors.js");
    const eacces = Object.assign(new Error("EACCES: permission denied, open '/r/shared/config.py'"), { code: "EACCES", syscall: "open", path: "/r/shared/config.py" });
    expect(fsUserError(eacces, "/r")?.message).toBe("cannot read shared/config.py: permission denied (EACCES)");
    const enospc = Object.assign(new Error("ENOSPC"), { code: "ENOSPC", syscall: "write", path: "/elsewhere/x" });
    expect(fsUserError(enospc, "/r", CannotRunError)).toMatchObject({ message: "cannot write /elsewhere/x: no space left on device (ENOSPC)", exitCode: 2 });
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
    expect(check.stderr).toBe("error: an interrupted add-server left its changes half written; run npx create-mcp-monorepo sync to finish them\n");
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

describe("add-target killed between the renames of its commit", () => {
  // add-target applied its plan without journaling the renames and never removed a killed run's
  // temp files: a kill after some renames left artefacts written and the manifest old for ever.
  it("journals the renames, and the next add-target finishes the commit and removes the temp files", async () => {
    const { addTarget } = await import("../../src/add-target/add-target.js");
    const ref = await monorepo();
    expect((await run(["add-target", "docker", "k8s"], ref)).code).toBe(0);
    const root = await monorepo();
    let commits = 0;
    void addTarget({ cwd: root, targets: ["docker", "k8s"] }, { beforeCommit: () => (++commits > 2 ? new Promise<void>(() => {}) : undefined) });
    while (commits <= 2) await new Promise((r) => setTimeout(r, 5));
    const marker = JSON.parse(await fs.readFile(path.join(root, ".mcp-monorepo.busy"), "utf8"));
    expect(marker.journal.length).toBe(8); // Dockerfile, .dockerignore, k8s.yaml, hpa.yaml, compose.yaml, kustomization.yaml, README.md, mcp-monorepo.yaml
    const r = await run(["add-target", "docker", "k8s"], root);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^docker, k8s are already listed/);
    const strip = (m: Map<string, string>) => new Map([...m].filter(([k]) => !/\.mcpm-|\.mcp-monorepo\.busy/.test(k)));
    expect(strip(await fingerprint(root))).toEqual(strip(await fingerprint(ref)));
    expect((await fs.readdir(root, { recursive: true })).filter((e) => /\.mcpm-|\.mcp-monorepo\.busy/.test(String(e)))).toEqual([]);
  });

  it("removes the temp and backup files a run killed while staging left", async () => {
    const root = await monorepo();
    await fs.writeFile(path.join(root, "server-ops", ".Dockerfile.mcpm-tmp-0123abcd"), "FROM half");
    await fs.writeFile(path.join(root, ".README.md.mcpm-bak-0123abcd"), "old readme");
    await fs.writeFile(path.join(root, ".mcp-monorepo.busy"), JSON.stringify({ pid: 99999999, command: "add-target" }));
    const r = await run(["add-target", "docker"], root);
    expect(r.code, r.stderr).toBe(0);
    expect((await fs.readdir(root, { recursive: true })).filter((e) => /\.mcpm-|\.mcp-monorepo\.busy/.test(String(e)))).toEqual([]);
  });
});

describe("add-target never writes through a server folder that is a link out of the monorepo", () => {
  // server-billing -> /elsewhere/server-billing: add-target wrote its Dockerfile there.
  it("refuses in one line and writes nothing, inside or outside", async () => {
    const root = await monorepo();
    const outside = path.join(await tempDir("mcpm-reg-out-"), "server-ops");
    await fs.cp(path.join(root, "server-ops"), outside, { recursive: true });
    await fs.rm(path.join(root, "server-ops"), { recursive: true });
    await fs.symlink(outside, path.join(root, "server-ops"));
    const [before, beforeOut] = [await fingerprint(root), await fingerprint(outside)];
    const r = await run(["add-target", "docker"], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: server-ops\/ leads to [^\n]*, outside the monorepo \(a symbolic link\)[^\n]*\n$/);
    expect(changedPaths(before, await fingerprint(root))).toEqual([]);
    expect(changedPaths(beforeOut, await fingerprint(outside))).toEqual([]);
  });
});

describe("bundle refuses what it cannot write safely, before writing anything", () => {
  // Each used to write outside the target, crash, or leave dist/ behind (the refusals come before pip: no network needed).
  const cases: Array<[string, (root: string, outside: string) => Promise<string[]>, RegExp]> = [
    // FastMCP(version="../../x") became part of the bundle's path: the .mcpb was written outside the output folder.
    ["a FastMCP version holding a path", async (root) => {
      const py = path.join(root, "server-ops", "src", "server.py");
      await fs.writeFile(py, (await fs.readFile(py, "utf8")).replace(/version="[^"]*"/, 'version="/../../../../escaped"'));
      return ["bundle"];
    }, /^error: server-ops\/src\/server\.py: FastMCP version "\/\.\.\/\.\.\/\.\.\/\.\.\/escaped" cannot be part of the bundle's file name/],
    // A server.py that is not UTF-8 made the introspection script's traceback an "unexpected error".
    ["a server.py that is not UTF-8", async (root) => {
      await fs.writeFile(path.join(root, "server-ops", "src", "server.py"), Buffer.from([0xff, 0xfe, 0x00, 0x9f]));
      return ["bundle"];
    }, /^error: server-ops\/src\/server\.py is not valid Python: not UTF-8 text/],
    // dist -> /elsewhere: the bundle went through the link.
    ["a dist/ that is a link out", async (root, outside) => {
      await fs.symlink(outside, path.join(root, "dist"));
      return ["bundle"];
    }, /^error: dist\/ is inside the monorepo but a symbolic link leads it to [^\n]*, outside it/],
    // -e /elsewhere/pkg went to pip, which builds an editable package where it lies.
    ["a requirements line pip would take outside", async (root, outside) => {
      await fs.appendFile(path.join(root, "server-ops", "requirements.txt"), `\n-e ${outside}\n`);
      return ["bundle"];
    }, /^error: server-ops\/requirements\.txt line \d+ `-e [^`]*`: editable install \(-e\)[^\n]*; bundle vendors PyPI packages only\n$/],
    // An old .sha256 that is a link: bundle's writeFile followed it and overwrote the file it points to.
    ["an old .sha256 that is a link out", async (root, outside) => {
      await fs.mkdir(path.join(root, "dist"));
      await fs.symlink(path.join(outside, "keep.txt"), path.join(root, "dist", "server-ops-0.1.0-linux-x86_64.mcpb.sha256"));
      return ["bundle", "--platform", "linux-x86_64"];
    }, /^error: dist\/server-ops-0\.1\.0-linux-x86_64\.mcpb\.sha256 exists and is a symbolic link; bundle replaces only regular files/],
    // --out "a\0b" reached fs calls: ERR_INVALID_ARG_VALUE, a stack trace.
    ["an --out with a NUL byte", async () => ["bundle", "--out", "a\u0000b"], /^error: --out "a\\u0000b" holds a NUL byte; name a folder\n$/],
    // --out naming a file: ENOTDIR from mkdir.
    ["an --out that is a file", async () => ["bundle", "--out", "README.md"], /^error: README\.md is not a folder/],
    // --verify "" was taken as no --verify at all: it built bundles.
    ["an empty --verify", async () => ["bundle", "--verify", ""], /^error: --verify needs the bundle file to check\n$/],
  ];
  it.each(cases)("%s", async (_what, lay, message) => {
    const root = await monorepo();
    const outside = await tempDir("mcpm-reg-out-");
    await fs.writeFile(path.join(outside, "keep.txt"), "keep\n");
    const argv = await lay(root, outside);
    const [before, beforeOut] = [await fingerprint(root), await fingerprint(outside)];
    const r = await run(argv, root);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split("\n").length).toBe(2);
    expect(r.code).toBe(1);
    expect(changedPaths(before, await fingerprint(root))).toEqual([]);
    expect(changedPaths(beforeOut, await fingerprint(outside))).toEqual([]);
  });

  // A .sha256 beside the bundle that was a FIFO blocked bundle --verify for ever.
  it("--verify does not wait on a .sha256 that is a FIFO", async () => {
    const dir = await tempDir("mcpm-reg-fifo-");
    await fs.writeFile(path.join(dir, "x.mcpb"), "x");
    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [path.join(dir, "x.mcpb.sha256")]);
    const r = await run(["bundle", "--verify", "x.mcpb"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: no --sha256 given and no readable [^\n]*x\.mcpb\.sha256 beside the bundle/);
  });
});

describe("bundle after a killed bundle", () => {
  // pip's staging folder lived in the system temp folder, where a killed run left ~60 MB for ever.
  it("removes a dead run's staging folder only once it has built, and moves a staged .sha256 into place", async () => {
    const { removeStaleStaging } = await import("../../src/bundle/out.js");
    const dist = await tempDir("mcpm-reg-dist-");
    const name = "server-ops-0.1.0-linux-x86_64.mcpb";
    await fs.writeFile(path.join(dist, name), "the bundle");
    const { createHash } = await import("node:crypto");
    const sha = createHash("sha256").update("the bundle").digest("hex");
    const dead = path.join(dist, `.${name}.mcpm-staging-05f5e0ff`);
    await fs.mkdir(path.join(dead, "deps"), { recursive: true });
    await fs.writeFile(path.join(dead, "bundle.sha256"), `${sha}  ${name}\n`);
    const live = path.join(dist, `.other.mcpb.mcpm-staging-${process.ppid.toString(16).padStart(8, "0")}`);
    await fs.mkdir(live);
    await removeStaleStaging(dist);
    expect((await fs.readdir(dist)).sort()).toEqual([path.basename(live), name, `${name}.sha256`].sort());
    expect(await fs.readFile(path.join(dist, `${name}.sha256`), "utf8")).toBe(`${sha}  ${name}\n`);
  });
});

describe("verify refuses bad --url, --header and --env-file values in one line", () => {
  // An unparsable or multi-line --url, or a header value with a newline, became a failed verdict
  // whose text spread over several lines (exit 1); a FIFO as --env-file blocked for ever.
  it.each([
    [["--url", "http://[::1"], /^error: --url must be an http\(s\) URL/],
    [["--url", "http://127.0.0.1:9/\nmcp"], /^error: --url must be an http\(s\) URL/],
    [["--url", "http://127.0.0.1:9/mcp", "--header", "X: a\nb"], /^error: --header must look like "Name: value"/],
    [["--url", "http://127.0.0.1:9/mcp", "--header", "X Y: z"], /^error: --header must look like "Name: value"/],
    [["--env-file", "fifo.env", "-s", "ops"], /^error: cannot read --env-file [^\n]*fifo\.env \(not a regular file\)\n$/],
    [["--env-file", "", "-s", "ops"], /^error: --env-file needs a file\n$/],
  ])("verify %j", async (argv, message) => {
    const root = await monorepo();
    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [path.join(root, "fifo.env")]);
    const r = await run(["verify", ...argv], root);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split("\n").length).toBe(2);
    expect(r.code).toBe(2);
  });

  // Node.js reads `--env-file FILE` anywhere on its command line, before the CLI starts: a missing
  // file made `verify --env-file missing.env` print "node: missing.env: not found" and exit 9
  // (nodejs/node#54232). --dotenv is the same option under a name Node leaves alone.
  it("--dotenv is --env-file under a name Node.js does not intercept (through the built CLI)", async () => {
    const { runBin } = await import("../helpers/faults.js");
    const { ensureBuilt } = await import("../sync/build.js");
    await ensureBuilt();
    const root = await monorepo();
    const r = await runBin(["verify", "--dotenv", "missing.env", "-s", "ops"], root);
    expect(r.stderr).toMatch(/^error: cannot read --env-file [^\n]*missing\.env\n$/);
    expect(r.code).toBe(2);
  }, 60_000);
});

describe("NUL bytes in paths are one error line in add-target, bundle and verify", () => {
  // bundle --interpreter "a\0b": execFile threw synchronously, an "unexpected error".
  it.each([
    [["bundle", "--interpreter", "a\u0000b"], 1],
    [["bundle", "--cwd", "a\u0000b"], 2],
    [["verify", "--interpreter", "a\u0000b"], 2],
    [["verify", "-s", "ops", "--interpreter", "a\u0000b"], 2],
    [["verify", "--cwd", "a\u0000b"], 2],
    [["add-target", "docker", "--cwd", "a\u0000b"], 2],
  ] as const)("%j", async (argv, code) => {
    const root = await monorepo();
    const before = await fingerprint(root);
    const r = await run([...argv], root);
    expect(r.stderr).toMatch(/^error: [^\n]*\n$/);
    expect(r.code).toBe(code);
    expect(changedPaths(before, await fingerprint(root))).toEqual([]);
  });
});
