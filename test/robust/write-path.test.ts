// The one write path: what used to go wrong when each command had its own copy of it.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BUSY_FILE } from "../../src/monorepo/busy.js";
import { monorepoOf, openMonorepo } from "../../src/monorepo/monorepo.js";
import { loadManifest } from "../../src/monorepo/manifest.js";
import { runWrite } from "../../src/monorepo/transaction.js";
import { createMonorepo } from "../../src/scaffold/create.js";
import { cli, makeFixture } from "../sync/fixture.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { PYTHON } from "../helpers/python.js";
import { changedPaths, fingerprint } from "./harness.js";
import { deadPid } from "../helpers/pid.js";

const live: ChildProcess[] = [];
afterEach(() => {
  for (const p of live.splice(0)) p.kill();
});

/** A process that stays alive (its pid holds a marker or a shared hold). */
function liveProcess(): number {
  const p = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
  live.push(p);
  return p.pid!;
}

async function monorepo(): Promise<string> {
  const root = path.join(await tempDir("mcpm-wp-"), "repo");
  await createMonorepo({ targetDir: root, project: "repo", servers: [{ name: "ops", description: "Ops." }], python: "3.12", git: false, repository: "example/repo", branch: "main", targets: ["fastmcp-cloud"] });
  return root;
}

const run = (argv: string[], cwd: string) => runCli(argv, { cwd, env: { ...process.env, NO_COLOR: "1", MCPM_PYTHON: PYTHON } });

describe("sync never writes through a link that leads out of the monorepo", () => {
  // sync wrote the new shared code into the link's target (reported as CREATE, on every run).
  it.each([
    ["server-alpha/src/shared", "server-alpha/src/shared/"],
    ["server-alpha/src", "server-alpha/src/"],
    ["server-alpha", "server-alpha/"],
  ])("a symlinked %s: one error line naming it, nothing written inside or outside", async (linked, named) => {
    const f = await makeFixture();
    const outside = path.join(await tempDir("mcpm-wp-out-"), "elsewhere");
    await fs.cp(f.abs(linked), outside, { recursive: true });
    await fs.rm(f.abs(linked), { recursive: true });
    await fs.symlink(outside, f.abs(linked));
    await f.write("shared/config.py", "VALUE = 2\n");
    const [before, beforeOut] = [await fingerprint(f.root), await fingerprint(outside)];
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: ${named.replace(/[/.]/g, "\\$&")} leads to [^\\n]*, outside the monorepo \\(a symbolic link\\); sync writes only inside [^\\n]*\\(nothing was written\\)\\n$`));
    expect(changedPaths(before, await fingerprint(f.root))).toEqual([]);
    expect(changedPaths(beforeOut, await fingerprint(outside))).toEqual([]);
  });
});

describe("a writer plans with what it reads after taking the busy marker", () => {
  // sync planned with the manifest read before it took the marker: an add-server that finished in
  // between lost its lock entry.
  it("the plan sees the manifest as it is under the marker, not as the command first read it", async () => {
    const f = await makeFixture();
    const early = monorepoOf(await loadManifest(f.root));
    const text = await f.read("mcp-monorepo.yaml");
    await f.write("mcp-monorepo.yaml", text.replace("project: demo", "project: changed"));
    const seen: string[] = [];
    await runWrite({ command: "sync", start: f.root, opened: early, plan: async (repo) => void seen.push(repo.manifest.project), changes: () => [] });
    expect(seen).toEqual(["changed"]);
  });

  it("sync run over a manifest changed after its first read keeps the new server's lock entry", async () => {
    const f = await makeFixture();
    await f.write("shared/config.py", "VALUE = 2\n");
    // A third server added by hand, with its lock entry, as add-server leaves them.
    await fs.cp(f.abs("server-beta"), f.abs("server-gamma"), { recursive: true });
    const lock = await f.lock();
    const manifest = await f.read("mcp-monorepo.yaml");
    const opened = await openMonorepo(f.root);
    await f.write("mcp-monorepo.yaml", manifest + "  - name: gamma\n    description: gamma server\n    folder: server-gamma\n    entrypoint: server-gamma/src/server.py:mcp\n    requirements: server-gamma/requirements.txt\n    transport: http\n");
    await f.write("mcp-monorepo.lock.json", JSON.stringify({ ...lock, servers: { ...lock.servers, gamma: lock.servers.beta } }, null, 2) + "\n");
    expect(opened.servers.map((s) => s.name)).toEqual(["alpha", "beta"]);
    expect((await cli(f.root, "sync")).code).toBe(0);
    expect(Object.keys((await f.lock()).servers).sort()).toEqual(["alpha", "beta", "gamma"]);
    expect(await f.read("server-gamma/src/shared/config.py")).toBe("VALUE = 2\n");
  });
});

describe("bundle and the writers exclude each other", () => {
  // bundle took no marker: with sync running it built an exit-0 bundle of old and new shared code.
  it("bundle refuses in one line while a writer holds the marker, before reading anything", async () => {
    const root = await monorepo();
    const pid = liveProcess();
    await fs.writeFile(path.join(root, BUSY_FILE), JSON.stringify({ pid, command: "sync" }));
    const before = await fingerprint(root);
    const r = await run(["bundle"], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: sync (pid ${pid}) is changing this monorepo; wait for it to finish, or delete ${BUSY_FILE} if no such process runs\n`);
    expect(changedPaths(before, await fingerprint(root))).toEqual([]);
  });

  it("a writer refuses in one line while a bundle reads the tree, writing nothing", async () => {
    const root = await monorepo();
    const pid = liveProcess();
    const hold = `${BUSY_FILE}.r-0123abcd-bundle.mcpm-tmp-${pid.toString(16).padStart(8, "0")}`;
    await fs.writeFile(path.join(root, hold), "");
    await fs.appendFile(path.join(root, "shared", "config.py"), "# changed\n");
    for (const argv of [["sync"], ["add-target", "docker"], ["add-server", "billing", "--yes"]]) {
      const before = await fingerprint(root);
      const r = await run(argv, root);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(r.stderr).toBe(`error: bundle (pid ${pid}) is reading this monorepo; wait for it to finish, or delete ${hold} if no such process runs\n`);
      expect(changedPaths(before, await fingerprint(root))).toEqual([]);
    }
  });

  it("a killed bundle's shared hold is no longer in the way, and is removed", async () => {
    const root = await monorepo();
    const dead = { pid: await deadPid() };
    const hold = `${BUSY_FILE}.r-0123abcd-bundle.mcpm-tmp-${dead.pid.toString(16).padStart(8, "0")}`;
    await fs.writeFile(path.join(root, hold), "");
    await fs.appendFile(path.join(root, "shared", "config.py"), "# changed\n");
    const r = await run(["sync"], root);
    expect(r.code, r.stderr).toBe(0);
    expect((await fs.readdir(root)).filter((e) => e.startsWith(BUSY_FILE))).toEqual([]);
  });
});

describe("manifest validation refuses server folders no command can use", () => {
  // folder: shared made sync vendor shared/ into itself for good; ../../x made bundle write outside the repository.
  const cases: Array<[string, (t: string) => string, RegExp]> = [
    ["the shared folder", (t) => t.replace("folder: server-ops", "folder: shared"), /servers\.0\.folder: "shared" is the shared code folder/],
    ["the shared folder spelled ./shared/", (t) => t.replace("folder: server-ops", "folder: ./shared/"), /servers\.0\.folder: "\.\/shared\/" is the shared code folder/],
    ["a folder outside the root", (t) => t.replace("folder: server-ops", "folder: ../../x"), /servers\.0\.folder: "\.\.\/\.\.\/x" is outside the monorepo/],
    ["an absolute folder", (t) => t.replace("folder: server-ops", "folder: /tmp/x"), /servers\.0\.folder: "\/tmp\/x" is an absolute path/],
    ["the root itself", (t) => t.replace("folder: server-ops", "folder: ."), /servers\.0\.folder: "\." is the monorepo root/],
    [
      "a folder two servers share",
      (t) => t + "  - name: twin\n    description: Twin.\n    folder: ./server-ops/\n    entrypoint: server-ops/src/server.py:mcp\n    requirements: server-ops/requirements.txt\n",
      /servers\.1\.folder: "\.\/server-ops\/" is also the folder of server "ops"/,
    ],
  ];
  it.each(cases)("%s: every command exits 2 with one error line and a code frame, nothing written", async (_, edit, message) => {
    const root = await monorepo();
    const file = path.join(root, "mcp-monorepo.yaml");
    await fs.writeFile(file, edit(await fs.readFile(file, "utf8")));
    const before = await fingerprint(root);
    for (const argv of [["sync"], ["check"], ["bundle"], ["add-server", "billing", "--yes"], ["add-target", "docker"]]) {
      const r = await run(argv, root);
      expect(r.code, `${argv.join(" ")}: ${r.stderr}`).toBe(2);
      const [first, ...frame] = r.stderr.trimEnd().split("\n");
      expect(first).toMatch(/^error: mcp-monorepo\.yaml:\d+: /);
      expect(first).toMatch(message);
      expect(frame.some((l) => /folder:/.test(l)), r.stderr).toBe(true);
      expect(changedPaths(before, await fingerprint(root))).toEqual([]);
    }
  });
});
