// The whole life of a server: list, remove-server, rename-server, remove-target, the stale state
// check reports, and the first word that is not a command (real files, real git, in-process CLI).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMonorepo } from "../../src/scaffold/create.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { PYTHON } from "../helpers/python.js";

const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" });

async function repo(opts: { targets?: Array<"fastmcp-cloud" | "docker" | "k8s" | "mcpb">; git?: boolean } = {}): Promise<string> {
  const root = path.join(await tempDir("mcpm-life-"), "repo");
  await createMonorepo({
    targetDir: root,
    project: "repo",
    servers: [{ name: "ops", description: "Ops tools." }, { name: "billing", description: "Billing tools." }, { name: "customer-care", description: "Care tools." }],
    python: "3.12",
    git: false,
    repository: "example/repo",
    branch: "main",
    targets: opts.targets ?? ["fastmcp-cloud", "docker", "k8s", "mcpb"],
  });
  if (opts.git !== false) {
    git(root, "init", "-q", "-b", "main");
    git(root, "add", "-A");
    git(root, "commit", "-qm", "init");
  }
  return root;
}
const read = (root: string, rel: string) => fs.readFile(path.join(root, rel), "utf8");
const exists = (root: string, rel: string) => fs.lstat(path.join(root, rel)).then(() => true, () => false);
const checkEnv = { ...process.env, MCPM_PYTHON: PYTHON };

describe("unknown commands are never folder names", () => {
  it("refuses reserved words, typos and extra arguments; a lone unusual word is still a folder", async () => {
    const cwd = await tempDir("mcpm-life-cmd-");
    const typo = await runCli(["add-sever", "foo"], { cwd });
    expect(typo.code).toBe(1);
    expect(typo.stderr.trim()).toBe('error: unknown command "add-sever": did you mean "add-server"? (to create a folder named "add-sever", write ./add-sever)');
    const two = await runCli(["frobnicate", "foo"], { cwd });
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/^error: unknown command "frobnicate" \(commands: create, add-server, .*remove-server.*; to create a folder named "frobnicate", write \.\/frobnicate\)\n$/);
    const reserved = await runCli(["deploy", "--yes"], { cwd });
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toContain('unknown command "deploy"');
    // `list` is a command now: outside a monorepo it cannot run (2), and makes no list/ folder.
    const list = await runCli(["list", "--yes"], { cwd });
    expect(list.code).not.toBe(0);
    expect(await fs.readdir(cwd)).toEqual([]);
    const folder = await runCli(["my-servers", "--yes", "--no-git"], { cwd });
    expect(folder.code, folder.stderr).toBe(0);
    const dotted = await runCli(["./deploy", "--yes", "--no-git"], { cwd });
    expect(dotted.code, dotted.stderr).toBe(0);
    expect((await fs.readdir(cwd)).sort()).toEqual(["deploy", "my-servers"]);
  });
});

describe("remove-server", () => {
  it("without --yes and without a terminal refuses in one line; --dry-run changes nothing", async () => {
    const root = await repo();
    const before = git(root, "status", "--porcelain");
    const r = await runCli(["remove-server", "ops"], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: remove-server deletes files: pass --yes to confirm (no terminal to ask), or --dry-run to see what would go (nothing was changed)\n");
    const dry = await runCli(["remove-server", "ops", "--dry-run"], { cwd: root });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("DELETE    server-ops/");
    expect(git(root, "status", "--porcelain")).toBe(before);
  });

  it("removes the folder and every listing, and nothing else", async () => {
    const root = await repo();
    const r = await runCli(["remove-server", "ops", "--yes", "--json"], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, removed: ["ops"], folders: ["server-ops"] });
    expect(await exists(root, "server-ops")).toBe(false);
    const status = git(root, "status", "--porcelain", "--untracked-files=all").split("\n").filter(Boolean);
    expect(status.filter((l) => !l.includes("server-ops/")).sort()).toEqual([" M .env.example", " M README.md", " M compose.yaml", " M kustomization.yaml", " M mcp-monorepo.lock.json", " M mcp-monorepo.yaml"]);
    for (const f of [".env.example", "README.md", "compose.yaml", "kustomization.yaml", "mcp-monorepo.lock.json", "mcp-monorepo.yaml"]) expect(await read(root, f), f).not.toMatch(/\bops\b|OPS_/);
    expect(await read(root, ".env.example")).toContain("BILLING_GREETING=Hello");
    const left = (await fs.readdir(root)).filter((n) => n.includes(".mcpm-"));
    expect(left).toEqual([]);
    const check = await runCli(["check", "--strict", "--offline"], { cwd: root, env: checkEnv });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect((await runCli(["sync", "--check"], { cwd: root })).code).toBe(0);
  });

  it("refuses uncommitted changes in the folder unless --allow-dirty; --keep-files keeps it", async () => {
    const root = await repo();
    await fs.appendFile(path.join(root, "server-ops/src/server.py"), "# mine\n");
    const r = await runCli(["remove-server", "ops", "--yes"], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: uncommitted changes in server-ops\/src\/server\.py, which remove-server would change or delete/);
    expect(await exists(root, "server-ops/src/server.py")).toBe(true);
    const keep = await runCli(["remove-server", "ops", "--yes", "--keep-files"], { cwd: root });
    expect(keep.code, keep.stderr).toBe(0);
    expect(await read(root, "server-ops/src/server.py")).toContain("# mine");
    expect(await read(root, "mcp-monorepo.yaml")).not.toContain("name: ops");
  });

  it("an unknown server is could-not-run (2), as --server everywhere", async () => {
    const root = await repo({ git: false });
    const r = await runCli(["remove-server", "nope", "--yes"], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown server "nope"');
  });
});

describe("remove-target", () => {
  it("deletes pristine files, keeps hand-edited ones (KEPT) unless --force, updates manifest and README", async () => {
    const root = await repo();
    await fs.appendFile(path.join(root, "server-ops/Dockerfile"), "# our tweak\n");
    git(root, "commit", "-qam", "tweak");
    const r = await runCli(["remove-target", "docker"], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("KEPT      server-ops/Dockerfile");
    expect(await exists(root, "server-ops/Dockerfile")).toBe(true);
    expect(await exists(root, "server-billing/Dockerfile")).toBe(false);
    expect(await exists(root, "server-billing/.dockerignore")).toBe(false);
    expect(await exists(root, "compose.yaml"), "compose.yaml as generated goes with docker").toBe(false);
    expect(await read(root, "mcp-monorepo.yaml")).not.toMatch(/- docker\b/);
    const header = (await read(root, "README.md")).split("\n").find((l) => l.startsWith("| Server |"));
    expect(header).toBe("| Server | Description | Repository | Branch | Entrypoint | Requirements | Kubernetes | MCPB bundle | Python | Transport |");
    const again = await runCli(["remove-target", "docker", "--force", "--json"], { cwd: root });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).changes).toEqual([{ path: "server-ops/Dockerfile", kind: "delete" }]);
    // A kustomization.yaml edited by hand stays with k8s's other edited files, and is named.
    await fs.appendFile(path.join(root, "kustomization.yaml"), "# ours\n");
    const k8s = await runCli(["remove-target", "k8s", "--allow-dirty"], { cwd: root });
    expect(k8s.code, k8s.stderr).toBe(0);
    expect(k8s.stdout).toContain("KEPT      kustomization.yaml");
    expect(await read(root, "kustomization.yaml")).toContain("# ours");
    expect(await exists(root, "server-billing/k8s.yaml")).toBe(false);
    const bad = await runCli(["remove-target", "dokcer"], { cwd: root });
    expect(bad.code).toBe(2); // a bad option value, as in add-target and check
    expect(bad.stderr.trim()).toBe('error: unknown target "dokcer" (did you mean "docker"?); use one of fastmcp-cloud, docker, k8s, mcpb');
    // Nothing left to remove (docker went above): a no-op that says so, exit 0, as add-target of a listed target.
    const gone = await runCli(["remove-target", "docker", "--json"], { cwd: root });
    expect(gone.code, gone.stderr).toBe(0);
    expect(JSON.parse(gone.stdout)).toMatchObject({ removed: [], changes: [], upToDate: expect.stringMatching(/docker is not listed in mcp-monorepo\.yaml .*; nothing to remove$/) });
  });
});

describe("rename-server", () => {
  it("moves the folder (staged as renames), renames derived names, lists what it left as file:line", async () => {
    const root = await repo();
    await fs.appendFile(path.join(root, "server-ops/src/server.py"), "\nOPS_TEAM = 'the ops team'\n");
    await fs.mkdir(path.join(root, "docs"));
    await fs.writeFile(path.join(root, "docs/notes.md"), "Ask in #ops before deploying.\n");
    git(root, "add", "-A");
    git(root, "commit", "-qm", "user text");
    const r = await runCli(["rename-server", "ops", "infra", "--json"], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ from: { name: "ops", folder: "server-ops" }, to: { name: "infra", folder: "server-infra" }, moved: true, staged: true });
    expect(await exists(root, "server-ops")).toBe(false);
    const server = await read(root, "server-infra/src/server.py");
    expect(server).toContain('SERVER_NAME = "infra"');
    expect(server).toContain('os.getenv("INFRA_GREETING"');
    const k8s = await read(root, "server-infra/k8s.yaml");
    expect(k8s).toContain("name: server-infra-config");
    expect(k8s).toContain("INFRA_GREETING: Hello");
    expect(k8s).toContain("image: infra:latest");
    expect(await read(root, ".env.example")).toContain("# --- server-infra: Ops tools. ---\n# Greeting used by the hello tool.\nINFRA_GREETING=Hello");
    // What grep still finds is exactly what the command listed.
    const listed = (out.notRenamed as Array<{ file: string; line: number }>).map((l) => `${l.file}:${l.line}`).sort();
    const grep = execFileSync("sh", ["-c", "grep -rnE '(^|[^A-Za-z0-9_-])ops([^A-Za-z0-9_]|$)|OPS_[A-Z]' --exclude-dir=.git . | cut -d: -f1,2 | sed 's#^./##' | sort"], { cwd: root, encoding: "utf8" }).trim().split("\n");
    expect(listed).toEqual(grep);
    expect(listed.map((l) => l.split(":")[0])).toEqual(["docs/notes.md", "server-infra/src/server.py"]);
    expect(await read(root, "README.md")).toMatch(/^cd server-infra$/m);
    const status = git(root, "status", "--porcelain");
    expect(status).toContain("R  server-ops/src/asgi.py -> server-infra/src/asgi.py");
    const check = await runCli(["check", "--strict", "--offline"], { cwd: root, env: checkEnv });
    expect(check.code, check.stdout).toBe(0);
    expect((await runCli(["sync", "--check"], { cwd: root })).code).toBe(0);
  });

  it("validates NEW as add-server does, and adopts a folder renamed by hand", async () => {
    const root = await repo();
    expect((await runCli(["rename-server", "ops", "class"], { cwd: root })).stderr).toBe('error: server name "class" is a Python keyword\n');
    expect((await runCli(["rename-server", "ops", "billing"], { cwd: root })).code).toBe(1);
    expect((await runCli(["rename-server", "ops", "Bad_Name"], { cwd: root })).code).toBe(1);
    await fs.rename(path.join(root, "server-ops"), path.join(root, "server-infra"));
    const check = await runCli(["check", "--offline", "--json"], { cwd: root, env: checkEnv });
    const findings = JSON.parse(check.stdout).findings as Array<{ rule: string; fix: string }>;
    expect(findings.find((f) => f.rule === "server-missing")?.fix).toContain("rename-server ops infra");
    expect(findings.find((f) => f.rule === "server-unlisted")?.fix).toContain("rename-server ops infra");
    const r = await runCli(["rename", "ops", "infra"], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const after = await runCli(["check", "--strict", "--offline"], { cwd: root, env: checkEnv });
    expect(after.code, after.stdout).toBe(0);
  });

});

describe("check: stale state", () => {
  it("reports a hand-removed server with the fix naming remove-server and stale listings; sync fills root .env.example gaps", async () => {
    const root = await repo({ git: false, targets: ["fastmcp-cloud"] });
    await fs.rm(path.join(root, "server-ops"), { recursive: true });
    await fs.appendFile(path.join(root, "server-billing/.env.example"), "BILLING_REGION=eu\n");
    const r = await runCli(["check", "--offline", "--json"], { cwd: root, env: checkEnv });
    const findings = JSON.parse(r.stdout).findings as Array<{ rule: string; severity: string; file: string; fix: string; line: number | null }>;
    expect(findings.find((f) => f.rule === "server-missing")).toMatchObject({ severity: "error", file: "server-ops/" });
    expect(findings.find((f) => f.rule === "server-missing")!.fix).toContain("npx create-mcp-monorepo remove-server ops --yes");
    // sync keeps the root file the union: the variable joins billing's section (the ops folder is gone, so sync cannot run until it is handled).
    expect((await runCli(["remove-server", "ops", "--yes"], { cwd: root })).code).toBe(0);
    const sync = await runCli(["sync"], { cwd: root });
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(await read(root, ".env.example")).toMatch(/# --- server-billing: Billing tools\. ---\n# Greeting used by the hello tool\.\nBILLING_GREETING=Hello\nBILLING_REGION=eu\n/);
    const again = await runCli(["check", "--offline", "--strict"], { cwd: root, env: checkEnv });
    expect(again.code, again.stdout).toBe(0);
    // Unlisting by hand leaves a README row and a lock entry.
    const yaml = await read(root, "mcp-monorepo.yaml");
    await fs.writeFile(path.join(root, "mcp-monorepo.yaml"), yaml.replace(/  - name: billing\n(?: {4}.*\n)+/, ""));
    const r2 = await runCli(["check", "--offline", "--json"], { cwd: root, env: checkEnv });
    const stale = (JSON.parse(r2.stdout).findings as Array<{ rule: string; file: string }>).filter((f) => f.rule === "stale-listing").map((f) => f.file).sort();
    expect(stale).toEqual(["README.md", "mcp-monorepo.lock.json"]);
  });
});

describe("list", () => {
  it("lists servers with tools from the code and sync's verdict; reads only", async () => {
    const root = await repo({ git: false });
    await fs.rm(path.join(root, "server-ops/src/shared/pagination.py"));
    const r = await runCli(["ls", "--json"], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.servers.map((s: { name: string; sync: string; tools: string[] }) => [s.name, s.sync, s.tools.join(",")])).toEqual([
      ["ops", "out-of-date", "hello,list_items"],
      ["billing", "in-sync", "hello,list_items"],
      ["customer-care", "in-sync", "hello,list_items"],
    ]);
    expect(await exists(root, "server-ops/src/shared/pagination.py")).toBe(false);
  });
});

