// Issue 13 item 7: every command takes --json and --cwd, colours on a terminal (and only then),
// uses the same exit codes, and `--python` means a version everywhere it is shown.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";

const ANSI = /\x1b\[\d+m/;
let parent: string;
let root: string;

beforeAll(async () => {
  parent = await tempDir("mcpm-consistency-");
  const r = await runCli(["demo", "--yes", "--no-git"], { cwd: parent });
  expect(r.code, r.stderr).toBe(0);
  root = path.join(parent, "demo");
}, 60_000);

const env = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: process.env.PATH, ...extra });

describe("--json and --cwd on every command", () => {
  it("create, add-server, sync and check each print one JSON document, run from another folder", async () => {
    const elsewhere = await tempDir("mcpm-elsewhere-");
    const runs: Array<[string, string[]]> = [
      ["create", ["create", "json-made", "--server", "ops", "--no-git", "--json", "--cwd", parent]],
      ["add-server", ["add-server", "billing", "--json", "--cwd", root]],
      ["sync", ["sync", "--json", "--cwd", root]],
      ["check", ["check", "--json", "--cwd", root]],
    ];
    for (const [name, argv] of runs) {
      const r = await runCli(argv, { cwd: elsewhere, env: env() });
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const data = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(data.ok ?? (data as { summary?: unknown }).summary, name).toBeTruthy();
    }
    const created = JSON.parse((await runCli(["create", "j2", "--yes", "--no-git", "--json", "--dry-run", "--cwd", parent], { cwd: elsewhere })).stdout);
    expect(created).toMatchObject({ ok: true, dryRun: true, python: "3.12", targets: ["fastmcp-cloud"] });
    expect(created.servers.map((s: { name: string }) => s.name)).toEqual(["ops", "customer", "finance"]);
    expect(created.files).toContain("server-ops/src/server.py");
  }, 60_000);

  it("--json never prompts, even on a terminal", async () => {
    const r = await runCli(["add-server", "--json", "--cwd", root], { cwd: parent, interactive: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no server name given");
    // Under --json the failure is JSON on stdout (the prompt never appears there).
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { message: string; exitCode: number } };
    expect(out).toMatchObject({ ok: false, error: { exitCode: 1 } });
    expect(out.error.message).toContain("no server name given");
  });
});

describe("colour on a terminal, in every command", () => {
  it("FORCE_COLOR colours create, add-server, sync and check; NO_COLOR and --json never do", async () => {
    const dir = await tempDir("mcpm-colour-");
    const made = await runCli(["c1", "--server", "ops", "--no-git"], { cwd: dir, env: env({ FORCE_COLOR: "1" }) });
    expect(made.stdout).toMatch(ANSI);
    const mono = path.join(dir, "c1");
    const coloured = [
      await runCli(["add-server", "billing", "--yes", "--cwd", mono], { cwd: dir, env: env({ FORCE_COLOR: "1" }) }),
      await runCli(["sync", "--cwd", mono], { cwd: dir, env: env({ FORCE_COLOR: "1" }) }),
      await runCli(["check", "--cwd", mono], { cwd: dir, env: env({ FORCE_COLOR: "1" }) }),
    ];
    for (const r of coloured) expect(r.stdout, r.stdout).toMatch(ANSI);
    const plain = [
      await runCli(["c2", "--server", "ops", "--no-git"], { cwd: dir, env: env({ FORCE_COLOR: "1", NO_COLOR: "1" }) }),
      await runCli(["sync", "--cwd", mono], { cwd: dir, env: env({ NO_COLOR: "1" }) }),
      await runCli(["check", "--json", "--cwd", mono], { cwd: dir, env: env({ FORCE_COLOR: "1" }) }),
      await runCli(["sync", "--json", "--cwd", mono], { cwd: dir, env: env({ FORCE_COLOR: "1" }) }),
    ];
    for (const r of plain) expect(r.stdout).not.toMatch(ANSI);
  }, 60_000);
});

describe("exit codes are the same in every command", () => {
  it("unknown server: 2 in sync and check; outside a monorepo: 2 in add-server, sync and check", async () => {
    expect((await runCli(["sync", "-s", "nope", "--cwd", root], { cwd: parent })).code).toBe(2);
    expect((await runCli(["check", "-s", "nope", "--cwd", root], { cwd: parent, env: env() })).code).toBe(2);
    const empty = await tempDir("mcpm-empty-");
    for (const argv of [["add-server", "x", "--yes"], ["sync"], ["sync", "--check"], ["check"]]) {
      expect((await runCli(argv, { cwd: empty, env: env() })).code, argv.join(" ")).toBe(2);
    }
  });

  it("sync --check: 1 when out of date, 2 when it cannot run, 0 when in sync", async () => {
    const dir = await tempDir("mcpm-check-");
    expect((await runCli(["m", "--server", "ops", "--no-git"], { cwd: dir })).code).toBe(0);
    const mono = path.join(dir, "m");
    expect((await runCli(["sync", "--check", "--cwd", mono], { cwd: dir })).code).toBe(0);
    const { appendFile } = await import("node:fs/promises");
    await appendFile(path.join(mono, "shared", "config.py"), "# changed\n");
    expect((await runCli(["sync", "--check", "--cwd", mono], { cwd: dir })).code).toBe(1);
    await appendFile(path.join(mono, "mcp-monorepo.lock.json"), "{");
    expect((await runCli(["sync", "--check", "--cwd", mono], { cwd: dir })).code).toBe(2);
  });
});

describe("--python is a version; check's interpreter is --interpreter", () => {
  it("check --interpreter PATH works; --python PATH still works (deprecated, hidden); --python 3.12 explains", async () => {
    const py = process.env.PYTHON ?? "python3";
    const r = await runCli(["check", "--interpreter", py, "--cwd", root], { cwd: parent, env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const old = await runCli(["check", "--python", py, "--cwd", root], { cwd: parent, env: env() });
    expect(old.code).toBe(0);
    expect(old.stderr).toContain("note: check --python PATH is deprecated; use --interpreter PATH");
    const version = await runCli(["check", "--python", "3.12", "--cwd", root], { cwd: parent, env: env() });
    expect(version.code).toBe(2);
    expect(version.stderr.trim()).toBe("error: check --python takes an interpreter, not a version: use --interpreter PATH (e.g. --interpreter python3.12)");
    const help = await runCli(["check", "--help"], { cwd: parent });
    expect(help.stdout).toContain("--interpreter <path>");
    expect(help.stdout).not.toContain("--python");
  }, 60_000);
});
