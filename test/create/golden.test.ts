// Golden tree of `--yes` output: every generated file is compared with a committed
// snapshot (generator version normalised), so template changes show up in review.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";
import { hashTree, listTree, runCli, tempDir } from "../helpers/cli.js";

describe("golden tree of `create-mcp-monorepo demo --yes --no-git`", async () => {
  const parent = await tempDir("mcpm-golden-");
  const res = await runCli(["demo", "--yes", "--no-git"], { cwd: parent });
  const root = path.join(parent, "demo");
  const entries = res.code === 0 ? await listTree(root) : [];

  it("exits 0 and lists the layout of CONTRACT.md", () => {
    expect(res.code).toBe(0);
    expect(entries).toMatchSnapshot();
  });

  const files = res.code === 0 ? Object.keys(await hashTree(root)).sort() : [];
  it.each(files)("%s", async (rel) => {
    const text = (await readFile(path.join(root, rel), "utf8")).replaceAll(VERSION, "<VERSION>");
    await expect(text).toMatchFileSnapshot(path.join(import.meta.dirname, "__golden__", "demo", rel + ".snap"));
  });
});

describe("golden target artefacts of `demo --yes --no-git --python 3.13 --target docker --target k8s --target mcpb`", async () => {
  const parent = await tempDir("mcpm-golden-targets-");
  const res = await runCli(["demo", "--yes", "--no-git", "--python", "3.13", "--target", "docker", "--target", "k8s", "--target", "mcpb"], { cwd: parent });
  const root = path.join(parent, "demo");
  // Only what the targets add or change; the rest equals the demo tree above (python aside).
  const files = ["README.md", "mcp-monorepo.yaml", "server-ops/Dockerfile", "server-ops/.dockerignore", "server-ops/k8s.yaml", "server-ops/.mcpbignore", "compose.yaml", "kustomization.yaml", "server-ops/hpa.yaml"];
  it("exits 0", () => expect(res.code, res.stderr).toBe(0));
  it.each(files)("%s", async (rel) => {
    const text = (await readFile(path.join(root, rel), "utf8")).replaceAll(VERSION, "<VERSION>");
    await expect(text).toMatchFileSnapshot(path.join(import.meta.dirname, "__golden__", "targets", rel + ".snap"));
  });
});

describe("--dry-run", () => {
  it("prints the plan and writes nothing", async () => {
    const parent = await tempDir("mcpm-dry-");
    const res = await runCli(["demo", "--yes", "--dry-run"], { cwd: parent });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Dry run: would create 56 files in demo\/ \(nothing written\)$/m);
    expect(res.stdout).toMatch(/^CREATE\s+demo\/server-ops\/src\/server\.py$/m);
    expect(res.stdout).toMatch(/^CREATE\s+demo\/mcp-monorepo\.yaml$/m);
    expect(await listTree(parent)).toEqual([]);
  });
});

describe("git init", () => {
  it("initializes a repository with an initial commit by default, and not with --no-git", async () => {
    const parent = await tempDir("mcpm-gitinit-");
    const identity = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
    const saved = { ...process.env };
    Object.assign(process.env, identity); // git is spawned with the process environment
    try {
      expect((await runCli(["with-git", "--yes"], { cwd: parent })).code).toBe(0);
    } finally {
      for (const k of Object.keys(identity)) if (saved[k] === undefined) delete process.env[k];
    }
    const { stdout } = await promisify(execFile)("git", ["status", "--porcelain"], { cwd: path.join(parent, "with-git") });
    expect(stdout).toBe("");
    expect((await runCli(["without-git", "--yes", "--no-git"], { cwd: parent })).code).toBe(0);
    expect(await listTree(path.join(parent, "with-git"))).toContain(".git/HEAD");
    expect(await listTree(path.join(parent, "without-git"))).not.toContain(".git");
  });
});
