// `add-target`: the same plan → apply transaction, dirty-tree guard and --dry-run as add-server;
// never overwrites a user's file; the manifest keeps every byte but the new targets; the README
// table gains one column per target; the result has zero findings under check --strict.
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { TABLE_END, TABLE_START } from "../../src/scaffold/readme.js";
import { addServerCli, makeMonorepo, read, snapshot, write } from "../add-server/fixture.js";
import { checkJson } from "../check/helpers.js";
import { listTree, runCli } from "../helpers/cli.js";

const execFileP = promisify(execFile);
const git = (cwd: string, ...args: string[]) => execFileP("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args], { cwd });
const addTarget = (cwd: string, ...argv: string[]) => runCli(["add-target", ...argv], { cwd, env: { ...process.env, NO_COLOR: "1" } });

async function committedMonorepo(): Promise<string> {
  const root = await makeMonorepo();
  await git(root, "init", "-q");
  await git(root, "add", "-A");
  await git(root, "commit", "-q", "-m", "initial");
  return root;
}

function table(readme: string): string[] {
  return readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END)).split("\n").slice(1, -1);
}

describe("add-target docker k8s mcpb", () => {
  it("--dry-run prints the plan and writes nothing", async () => {
    const root = await committedMonorepo();
    const before = await snapshot(root);
    const res = await addTarget(root, "docker", "k8s", "mcpb", "--dry-run");
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Dry run: add-target docker, k8s, mcpb would create 17 files and update 2 \(nothing written\)$/m);
    expect(res.stdout).toMatch(/^CREATE\s+server-ops\/Dockerfile$/m);
    expect(res.stdout).toMatch(/^UPDATE\s+mcp-monorepo\.yaml$/m);
    expect(await snapshot(root)).toEqual(before);
  });

  it("writes every server's artefacts, splices the targets into the manifest byte for byte, adds README columns; check --strict finds nothing", async () => {
    const root = await committedMonorepo();
    const manifestBefore = await read(root, "mcp-monorepo.yaml");
    const readmeBefore = await read(root, "README.md");
    const res = await addTarget(root, "mcpb", "docker", "k8s");
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("Added targets docker, k8s, mcpb: created 17 files, updated 2.");
    expect(res.stdout).toContain("Docker: docker build -t ops server-ops && docker run -p 8000:8000 ops");
    const tree = await listTree(root);
    for (const s of ["ops", "customer", "finance"]) for (const f of ["Dockerfile", ".dockerignore", "k8s.yaml", ".mcpbignore"]) expect(tree).toContain(`server-${s}/${f}`);
    expect(await read(root, "mcp-monorepo.yaml")).toBe(manifestBefore.replace("  - fastmcp-cloud\n", "  - fastmcp-cloud\n  - docker\n  - k8s\n  - mcpb\n"));
    const readme = await read(root, "README.md");
    expect(readme.slice(0, readme.indexOf(TABLE_START))).toBe(readmeBefore.slice(0, readmeBefore.indexOf(TABLE_START)));
    const rows = table(readme);
    expect(rows[0]).toBe("| Server | Description | Repository | Branch | Entrypoint | Requirements | Docker | Kubernetes | MCPB bundle | Python | Transport |");
    expect(rows[2]).toContain("`server-ops/Dockerfile`<br>`docker build -t ops server-ops && docker run -p 8000:8000 ops`");
    expect(rows[2]).toContain("`kubectl apply -f server-ops/k8s.yaml`");
    expect(rows[2]).toContain("`npx create-mcp-monorepo bundle ops`");
    const { code, json } = await checkJson(root, ["--strict"]);
    expect(json.targets).toEqual(["fastmcp-cloud", "docker", "k8s", "mcpb"]);
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });

  it("refuses, naming it, a file it would write that already exists, and writes nothing", async () => {
    const root = await committedMonorepo();
    await write(root, "server-customer/Dockerfile", "FROM python:3.12-slim\n");
    const before = await snapshot(root);
    const res = await addTarget(root, "docker", "--allow-dirty");
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe("error: server-customer/Dockerfile already exists; add-target never overwrites files: move it away (or delete it) and run add-target again (nothing was written)");
    expect(await snapshot(root)).toEqual(before);
  });

  it("refuses uncommitted changes in a file it modifies unless --allow-dirty", async () => {
    const root = await committedMonorepo();
    await write(root, "README.md", (await read(root, "README.md")) + "\nmy notes\n");
    const before = await snapshot(root);
    const res = await addTarget(root, "k8s");
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("error: uncommitted changes in README.md, which add-target would modify");
    expect(await snapshot(root)).toEqual(before);
    const ok = await addTarget(root, "k8s", "--allow-dirty");
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain("--allow-dirty: wrote over uncommitted changes in README.md");
    expect(await read(root, "README.md")).toContain("\nmy notes\n");
  });

  it("for a listed target writes only its missing files; complete and listed is a 0 no-op that says so", async () => {
    const root = await committedMonorepo();
    expect((await addTarget(root, "docker")).code).toBe(0);
    await git(root, "add", "-A");
    await git(root, "commit", "-q", "-m", "docker");
    const again = await addTarget(root, "docker");
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe("docker is already listed in mcp-monorepo.yaml (targets: fastmcp-cloud, docker) and every server has its files; nothing to add (nothing was written).");
    expect(again.stderr).toBe("");
    expect((await git(root, "status", "--porcelain")).stdout).toBe("");
    const edited = "# my own Dockerfile\n" + (await read(root, "server-ops/Dockerfile"));
    await write(root, "server-ops/Dockerfile", edited);
    await rm(path.join(root, "server-finance", "Dockerfile"));
    const missing = await checkJson(root, ["--target", "docker"]);
    expect(missing.json.findings.map((f) => `${f.rule} ${f.file}`)).toEqual(["target-files server-finance/Dockerfile"]);
    expect(missing.json.findings[0]!.fix).toContain("mcp-monorepo add-target docker");
    const restore = await addTarget(root, "docker", "--allow-dirty");
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/^CREATE\s+server-finance\/Dockerfile$/m);
    expect(restore.stdout).not.toMatch(/server-ops\/Dockerfile/);
    expect(await read(root, "server-ops/Dockerfile")).toBe(edited);
  });

  it("--json prints the result as data", async () => {
    const root = await committedMonorepo();
    const res = await addTarget(root, "k8s", "--json", "--dry-run");
    expect(res.code, res.stderr).toBe(0);
    const data = JSON.parse(res.stdout);
    expect(data).toMatchObject({ ok: true, dryRun: true, added: ["k8s"], targets: ["fastmcp-cloud", "k8s"] });
    expect(data.changes).toContainEqual({ path: "server-ops/k8s.yaml", kind: "create" });
  });

  it("outside a monorepo it cannot run (exit 2)", async () => {
    const { tempDir } = await import("../helpers/cli.js");
    expect((await addTarget(await tempDir("mcpm-none-"), "docker")).code).toBe(2);
  });

  it("rejects an unknown target (a bad option value: exit 2, as in check and create) and no target in one line", async () => {
    const root = await makeMonorepo();
    const res = await addTarget(root, "heroku");
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('error: unknown target "heroku"; use one of fastmcp-cloud, docker, k8s, mcpb');
    expect((await addTarget(root)).code).toBe(1);
  });
});

describe("add-server --target", () => {
  it("writes the new server for the manifest's targets; a new target is added with files for every server", async () => {
    const root = await committedMonorepo();
    const res = await addServerCli(root, "billing", "--target", "docker");
    expect(res.code, res.stderr).toBe(0);
    const tree = await listTree(root);
    for (const s of ["ops", "customer", "finance", "billing"]) expect(tree).toContain(`server-${s}/Dockerfile`);
    expect(tree).not.toContain("server-billing/k8s.yaml");
    expect(await read(root, "mcp-monorepo.yaml")).toContain("targets:\n  - fastmcp-cloud\n  - docker\n");
    expect(table(await read(root, "README.md"))[5]).toContain("`docker build -t billing server-billing && docker run -p 8000:8000 billing`");
    // A later add-server (no --target) follows the manifest's targets.
    await git(root, "add", "-A");
    await git(root, "commit", "-q", "-m", "billing");
    expect((await addServerCli(root, "support")).code).toBe(0);
    expect(await listTree(root)).toContain("server-support/.dockerignore");
    const { code, json } = await checkJson(root, ["--strict"]);
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });
});
