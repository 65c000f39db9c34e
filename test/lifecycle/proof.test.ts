// The life of a server end to end through the built CLI (bin/ over dist/), as users run it: on a
// generated 3-server monorepo with every target, remove one server, rename one, remove the docker
// target. After each step `check --strict`, `sync --check` and `verify` (real venvs, real FastMCP)
// pass, `git status` shows exactly the intended changes, and grep for the old name finds only the
// lines the command listed.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runBin } from "../helpers/faults.js";
import { tempDir } from "../helpers/cli.js";
import { PYTHON, REPO_ROOT } from "../helpers/python.js";
import { ensureBuilt } from "../sync/build.js";

const ENV = {
  MCPM_PYTHON: PYTHON,
  MCPM_CACHE_DIR: process.env.MCPM_CACHE_DIR ?? path.join(REPO_ROOT, ".cache", "mcpm"),
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
};
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...ENV } });
const status = (cwd: string) => git(cwd, "status", "--porcelain", "--untracked-files=all").split("\n").filter(Boolean).sort();
/** `file:line` of every line naming `name` as a token (or its `NAME_` variables), outside .git. */
function grep(cwd: string, name: string): string[] {
  const upper = name.toUpperCase().replace(/-/g, "_");
  const re = `(^|[^A-Za-z0-9_-])${name}([^A-Za-z0-9_]|$)|(^|[^A-Za-z0-9_])${upper}_[A-Z]`;
  try {
    return execFileSync("grep", ["-rnE", re, "--exclude-dir=.git", "."], { cwd, encoding: "utf8" }).split("\n").filter(Boolean).map((l) => l.replace(/^\.\//, "").split(":").slice(0, 2).join(":")).sort();
  } catch {
    return []; // grep exits 1 when nothing matches
  }
}

async function cli(cwd: string, ...args: string[]) {
  const r = await runBin(args, cwd, { env: ENV, timeoutMs: 600_000 });
  return { ...r, code: r.code ?? -1 };
}

async function healthy(root: string): Promise<void> {
  const check = await cli(root, "check", "--strict");
  expect(check.code, check.output).toBe(0);
  const sync = await cli(root, "sync", "--check");
  expect(sync.code, sync.output).toBe(0);
  const verify = await cli(root, "verify", "--json");
  expect(verify.code, verify.output).toBe(0);
  const v = JSON.parse(verify.stdout) as { verdicts: Array<{ ok: boolean; tools: string[] }> };
  expect(v.verdicts.every((x) => x.ok && x.tools.includes("hello"))).toBe(true);
}

let root: string;
beforeAll(async () => {
  await ensureBuilt();
  const dir = await tempDir("mcpm-proof-");
  const r = await cli(dir, "create", "demo", "--server", "ops", "--server", "billing", "--server", "customer-care", "--target", "fastmcp-cloud", "--target", "docker", "--target", "k8s", "--target", "mcpb", "--yes");
  expect(r.code, r.output).toBe(0);
  root = path.join(dir, "demo");
  expect(git(root, "log", "--oneline")).toMatch(/Initial commit/);
}, 600_000);

describe("remove, rename, remove-target on a generated monorepo (built CLI)", () => {
  it("each step leaves a tree check --strict, sync --check and verify pass, with exactly the intended changes", async () => {
    await healthy(root);

    // 1. remove-server ops
    const rm = await cli(root, "remove-server", "ops", "--yes", "--json");
    expect(rm.code, rm.output).toBe(0);
    const removed = JSON.parse(rm.stdout) as { mentions: Array<{ file: string; line: number }> };
    const tracked = git(root, "ls-tree", "-r", "--name-only", "HEAD", "server-ops").split("\n").filter(Boolean);
    expect(status(root)).toEqual([...tracked.map((f) => ` D ${f}`), " M .env.example", " M README.md", " M compose.yaml", " M kustomization.yaml", " M mcp-monorepo.lock.json", " M mcp-monorepo.yaml"].sort());
    expect(grep(root, "ops")).toEqual(removed.mentions.map((m) => `${m.file}:${m.line}`).sort());
    await healthy(root);
    git(root, "add", "-A");
    git(root, "commit", "-qm", "remove ops");

    // 2. rename-server billing payments
    const mv = await cli(root, "rename-server", "billing", "payments", "--json");
    expect(mv.code, mv.output).toBe(0);
    const renamed = JSON.parse(mv.stdout) as { notRenamed: Array<{ file: string; line: number }>; staged: boolean };
    expect(renamed.staged).toBe(true);
    const moved = git(root, "ls-tree", "-r", "--name-only", "HEAD", "server-billing").split("\n").filter(Boolean);
    expect(status(root)).toEqual([...moved.map((f) => `R  ${f} -> ${f.replace(/^server-billing\//, "server-payments/")}`), " M .env.example", " M README.md", " M compose.yaml", " M kustomization.yaml", " M mcp-monorepo.lock.json", " M mcp-monorepo.yaml"].sort());
    expect(grep(root, "billing")).toEqual(renamed.notRenamed.map((m) => `${m.file}:${m.line}`).sort());
    await healthy(root);
    git(root, "add", "-A");
    git(root, "commit", "-qm", "rename billing");
    expect(git(root, "log", "--follow", "--oneline", "--", "server-payments/src/server.py").trim().split("\n")).toHaveLength(2);

    // 3. remove-target docker
    const rt = await cli(root, "remove-target", "docker", "--json");
    expect(rt.code, rt.output).toBe(0);
    expect(JSON.parse(rt.stdout).kept).toEqual([]);
    const dockerFiles = ["server-payments", "server-customer-care"].flatMap((f) => [`${f}/.dockerignore`, `${f}/Dockerfile`]);
    expect(status(root)).toEqual([...dockerFiles.map((f) => ` D ${f}`), " D compose.yaml", " M README.md", " M mcp-monorepo.yaml"].sort());
    await healthy(root);

    // Hand-removed and hand-renamed servers: check names the command that fixes each.
    git(root, "add", "-A");
    git(root, "commit", "-qm", "no docker");
    await fs.rename(path.join(root, "server-payments"), path.join(root, "server-invoices"));
    const byHand = await cli(root, "check", "--json");
    const fixes = (JSON.parse(byHand.stdout) as { findings: Array<{ rule: string; fix: string }> }).findings.filter((f) => f.rule === "server-missing" || f.rule === "server-unlisted");
    expect(fixes.map((f) => f.rule).sort()).toEqual(["server-missing", "server-unlisted"]);
    for (const f of fixes) expect(f.fix).toContain("npx create-mcp-monorepo rename-server payments invoices");
    await fs.rm(path.join(root, "server-invoices"), { recursive: true });
    const gone = await cli(root, "check", "--json");
    const missing = (JSON.parse(gone.stdout) as { findings: Array<{ rule: string; fix: string }> }).findings.find((f) => f.rule === "server-missing");
    expect(missing?.fix).toContain("npx create-mcp-monorepo remove-server payments --yes");
    const fixed = await cli(root, "remove-server", "payments", "--yes");
    expect(fixed.code, fixed.output).toBe(0);
    const after = await cli(root, "check", "--strict");
    expect(after.code, after.output).toBe(0);
  }, 1_800_000);
});
