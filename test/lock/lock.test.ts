import { execFile } from "node:child_process";
import { mkdir, readFile, rename, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parse as parseToml } from "smol-toml";
import { beforeAll, describe, expect, it } from "vitest";
import { findPython } from "../../src/kernel/python.js";
import { cli, tempDir } from "../check/helpers.js";

// `mcp-monorepo lock` and check's `stale-lock` with the real uv (installed into the test venv from
// PyPI, on PATH by test/global-setup.ts), real PyPI and this machine's CPython 3.12.

const execFileP = promisify(execFile);
const SLOW = 600_000;
const uvEnv = { ...process.env, UV_PYTHON_DOWNLOADS: "never", VIRTUAL_ENV: "" };

let root: string;
let py312: string;
beforeAll(async () => {
  py312 = (await findPython({ version: "3.12" })).path;
  root = path.join(await tempDir(), "demo");
  // The unlocked form first (as create writes it offline), then `lock`.
  const made = await cli(["create", root, "--server", "ops", "--server", "finance", "--no-git", "--yes", "--no-lock"].slice(1));
  expect(made.code, made.stderr).toBe(0);
}, SLOW);

const lockedVersions = async (dir: string) => {
  const lock = parseToml(await readFile(path.join(dir, "uv.lock"), "utf8")) as { package: Array<{ name: string; version: string; source?: { virtual?: string } }> };
  return new Map(lock.package.filter((p) => !p.source?.virtual).map((p) => [p.name.toLowerCase().replace(/[-_.]+/g, "-"), p.version]));
};

describe("lock", () => {
  it("locks every server on the target's CPython 3.12 and exports requirements.txt with exact pins and the generated header", async () => {
    const dry = await cli(["lock", "--dry-run", "--cwd", root]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^lock --dry-run: on CPython 3\.12\.\d+ with uv /m);
    expect(dry.stdout).toContain("WOULD LOCK server-ops: server-ops/uv.lock does not exist");
    const check = await cli(["lock", "--check", "--cwd", root]);
    expect(check.code).toBe(1);
    const r = await cli(["lock", "--cwd", root]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^LOCKED\s+server-ops \(\d+ pinned\): uv\.lock, requirements\.txt$/m);
    const req = await readFile(path.join(root, "server-ops", "requirements.txt"), "utf8");
    expect(req.split("\n")[0]).toBe("# GENERATED from uv.lock by `npx create-mcp-monorepo lock`: do not edit.");
    const pins = req.split("\n").filter((l) => /^[a-z0-9]/i.test(l));
    expect(pins.length).toBeGreaterThan(20);
    for (const p of pins) expect(p).toMatch(/^[A-Za-z0-9._-]+(\[[^\]]*\])?==[^\s]+( ; .*)?$/);
    expect(pins.some((p) => p.startsWith("pytest=="))).toBe(false); // the dev group stays out
    const again = await cli(["lock", "--check", "--json", "--cwd", root]);
    expect(again.code, again.stdout).toBe(0);
    const json = JSON.parse(again.stdout);
    expect(json.python.version).toMatch(/^3\.12\./);
    expect(json.servers.map((s: { status: string }) => s.status)).toEqual(["up-to-date", "up-to-date"]);
  }, SLOW);

  it("the exported requirements.txt installs into a fresh 3.12 venv as exactly the versions in uv.lock", async () => {
    const dir = path.join(root, "server-ops");
    const venv = path.join(await tempDir(), "v");
    await execFileP("uv", ["venv", "-q", "-p", py312, venv], { env: uvEnv });
    await execFileP("uv", ["pip", "install", "-q", "--python", path.join(venv, "bin", "python"), "-r", path.join(dir, "requirements.txt")], { env: uvEnv, maxBuffer: 1 << 24 });
    const { stdout } = await execFileP("uv", ["pip", "freeze", "--python", path.join(venv, "bin", "python")], { env: uvEnv });
    const installed = new Map(stdout.trim().split("\n").map((l) => l.split("==") as [string, string]).map(([n, v]) => [n.toLowerCase().replace(/[-_.]+/g, "-"), v]));
    const locked = await lockedVersions(dir);
    expect(installed.size).toBeGreaterThan(20);
    for (const [name, version] of installed) expect(`${name}==${locked.get(name)}`).toBe(`${name}==${version}`);
  }, SLOW);

  it("`uv add` without lock is a check error (stale-lock, fix names lock); after lock, check passes", async () => {
    const dir = path.join(root, "server-finance");
    await execFileP("uv", ["add", "-q", "--no-sync", "-p", py312, "tomli-w"], { cwd: dir, env: uvEnv });
    const stale = await cli(["check", "--offline", "--json", "--cwd", root]);
    expect(stale.code).toBe(1);
    const findings = JSON.parse(stale.stdout).findings.filter((f: { rule: string }) => f.rule === "stale-lock");
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ server: "finance", file: "server-finance/requirements.txt", severity: "error" });
    expect(findings[0].fix).toContain("npx create-mcp-monorepo lock");
    // Without uv on PATH, check reads uv.lock itself and says the same.
    const noUv = await cli(["check", "--offline", "--json", "--cwd", root], { env: { ...process.env, PATH: (process.env.PATH ?? "").split(path.delimiter).filter((p) => !p.includes("tools-bin")).join(path.delimiter) } });
    expect(JSON.parse(noUv.stdout).findings.filter((f: { rule: string }) => f.rule === "stale-lock").map((f: { message: string }) => f.message)).toEqual(["requirements.txt does not pin tomli-w, a dependency in uv.lock"]);
    expect((await cli(["lock", "finance", "--cwd", root])).code).toBe(0);
    expect((await readFile(path.join(dir, "requirements.txt"), "utf8"))).toMatch(/^tomli-w==/m);
    const ok = await cli(["check", "--offline", "--json", "--cwd", root]);
    expect(JSON.parse(ok.stdout).findings.filter((f: { rule: string }) => f.rule === "stale-lock")).toEqual([]);
  }, SLOW);

  it("a pyproject.toml edited by hand after the lock is a check error from uv's own `uv lock --check`", async () => {
    const file = path.join(root, "server-ops", "pyproject.toml");
    const before = await readFile(file, "utf8");
    await writeFile(file, before.replace('    "uvicorn>=0.35",\n', '    "uvicorn>=0.35",\n    "rich>=13",\n'));
    try {
      const r = await cli(["check", "--offline", "--json", "--cwd", root]);
      const f = JSON.parse(r.stdout).findings.filter((x: { rule: string }) => x.rule === "stale-lock");
      expect(f.map((x: { file: string }) => x.file)).toEqual(["server-ops/uv.lock"]);
      expect(f[0].message).toContain("uv lock --check");
    } finally {
      await writeFile(file, before);
    }
  }, SLOW);

  it("sync after a shared requirement change re-locks each locked server", async () => {
    const shared = path.join(root, "shared", "requirements.txt");
    await writeFile(shared, (await readFile(shared, "utf8")) + "tenacity>=8\n");
    const dry = await cli(["sync", "--dry-run", "--cwd", root]);
    expect(dry.stdout).toContain("note: server-ops, server-finance then need `npx create-mcp-monorepo lock`");
    const r = await cli(["sync", "--cwd", root]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^LOCKED\s+server-ops\/uv\.lock, requirements\.txt\s+\(re-locked on CPython 3\.12\.\d+\)$/m);
    expect(r.stdout).toMatch(/^LOCKED\s+server-finance\/uv\.lock, requirements\.txt/m);
    expect(await readFile(path.join(root, "server-ops", "requirements.txt"), "utf8")).toMatch(/^tenacity==/m);
    expect((await cli(["lock", "--check", "--cwd", root])).code).toBe(0);
    expect((await cli(["sync", "--check", "--cwd", root])).code).toBe(0);
  }, SLOW);

  it("refuses an unknown server and --check with --upgrade (one line, exit 2 / 1)", async () => {
    const r = await cli(["lock", "nope", "--cwd", root]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: unknown server "nope" (servers in mcp-monorepo.yaml: ops, finance)');
    const u = await cli(["lock", "--check", "--upgrade", "--cwd", root]);
    expect(u.code).toBe(1);
    expect(u.stderr.trim()).toBe("error: --check cannot be used with --upgrade or --upgrade-package (--check never re-resolves)");
  });
});

describe("create and add-server lock what they write", () => {
  const noLockEnv = () => {
    const env = { ...process.env, NO_COLOR: undefined } as NodeJS.ProcessEnv;
    delete env.MCPM_NO_LOCK;
    return env;
  };
  it("with uv and PyPI: uv.lock and an exported requirements.txt, check clean, no `lock` in the next steps", async () => {
    const dir = path.join(await tempDir(), "locked");
    const r = await cli(["create", dir, "--server", "ops", "--no-git", "--yes"].slice(1), { env: noLockEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain("create-mcp-monorepo lock");
    expect(await readFile(path.join(dir, "server-ops", "uv.lock"), "utf8")).toMatch(/^requires-python = ">=3\.12"$/m);
    expect((await readFile(path.join(dir, "server-ops", "requirements.txt"), "utf8")).startsWith("# GENERATED from uv.lock")).toBe(true);
    const add = await cli(["add-server", "billing", "--yes", "--cwd", dir], { env: noLockEnv() });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).not.toContain("create-mcp-monorepo lock");
    expect((await cli(["lock", "--check", "--cwd", dir])).code).toBe(0);
  }, SLOW);

  it("without uv: the unlocked form, and the next steps say to run lock", async () => {
    const env = noLockEnv();
    env.PATH = (env.PATH ?? "").split(path.delimiter).filter((p) => !p.includes("tools-bin")).join(path.delimiter);
    const dir = path.join(await tempDir(), "unlocked");
    const r = await cli(["create", dir, "--server", "ops", "--no-git", "--yes"].slice(1), { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("npx create-mcp-monorepo lock   # pin exact versions: uv.lock + requirements.txt (needs uv: https://docs.astral.sh/uv/)");
    expect((await readFile(path.join(dir, "server-ops", "requirements.txt"), "utf8"))).toContain("fastmcp>=4.0,<5");
  }, SLOW);
});

describe("lock writes through the monorepo's write transaction", () => {
  // uv runs on a scratch copy; the new uv.lock and requirements.txt are committed like every other
  // write: a server folder that is a link out of the monorepo is refused, and nothing lands there.
  it("refuses a server folder linked out of the monorepo, naming it, and writes nothing there", async () => {
    const dir = path.join(await tempDir(), "linked");
    const made = await cli(["create", dir, "--server", "ops", "--no-git", "--yes", "--no-lock"].slice(1));
    expect(made.code, made.stderr).toBe(0);
    const outside = path.join(await tempDir(), "elsewhere");
    await mkdir(path.dirname(outside), { recursive: true });
    await rename(path.join(dir, "server-ops"), outside);
    await symlink(outside, path.join(dir, "server-ops"));
    const r = await cli(["lock", "--cwd", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*server-ops.*outside/m);
    await expect(stat(path.join(outside, "uv.lock"))).rejects.toThrow();
  }, SLOW);

  it("refuses while another command holds the busy marker", async () => {
    const dir = path.join(await tempDir(), "busy");
    const made = await cli(["create", dir, "--server", "ops", "--no-git", "--yes", "--no-lock"].slice(1));
    expect(made.code, made.stderr).toBe(0);
    // a live holder: this test process's parent (the vitest worker's pid is skipped as "self")
    await writeFile(path.join(dir, ".mcp-monorepo.busy"), JSON.stringify({ pid: process.ppid, command: "sync" }) + "\n");
    const r = await cli(["lock", "--cwd", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: sync \(pid \d+\) is changing this monorepo/m);
    await expect(stat(path.join(dir, "server-ops", "uv.lock"))).rejects.toThrow();
  }, SLOW);
});
