import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { hashTree, tempDir } from "../helpers/cli.js";
import { oldGeneratorBin, oldGeneratorTarball } from "../helpers/old-generator.js";
import { REPO_ROOT } from "../helpers/python.js";

// `upgrade` through the built bin on a real old monorepo: create-mcp-monorepo 0.1.0 is built from
// this repository's commit adc70d6 (git archive, its dependencies from npm, its build, npm pack),
// makes a 3-server monorepo with every target, the user edits it and commits, and this build
// upgrades it with uv and PyPI (the migrated servers are locked).

const execFileP = promisify(execFile);
const BIN = path.join(REPO_ROOT, "bin", "create-mcp-monorepo.js");
const SLOW = 600_000;
const GIT = ["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a bin (this build's by default) in `cwd`; never rejects. */
async function run(args: string[], cwd: string, opts: { bin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  try {
    const r = await execFileP(process.execPath, [opts.bin ?? BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...opts.env }, maxBuffer: 1 << 24, timeout: 300_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const git = async (cwd: string, ...args: string[]) => (await execFileP("git", [...GIT, ...args], { cwd, maxBuffer: 1 << 24 })).stdout;
const read = (root: string, rel: string) => fs.readFile(path.join(root, rel), "utf8");
const exists = (root: string, rel: string) => fs.stat(path.join(root, rel)).then(() => true, () => false);
async function edit(root: string, rel: string, fn: (s: string) => string): Promise<void> {
  const before = await read(root, rel);
  const after = fn(before);
  expect(after, `edit of ${rel} changed nothing`).not.toBe(before);
  await fs.writeFile(path.join(root, rel), after);
}

/** A monorepo made by the old generator, committed. */
async function oldMonorepo(oldBin: string, servers: string[], targets: string[]): Promise<string> {
  const parent = await tempDir("mcpm-upgrade-");
  const made = await run(["create", "demo", ...servers.flatMap((s) => ["--server", s]), ...targets.flatMap((t) => ["--target", t]), "--no-git", "--json"], parent, { bin: oldBin });
  expect(made.code, made.stderr).toBe(0);
  const root = path.join(parent, "demo");
  await git(root, "init", "-q", "-b", "main");
  await git(root, "add", "-A");
  await git(root, "commit", "-qm", "made by create-mcp-monorepo 0.1.0");
  return root;
}

const TOOL = `    @mcp.tool
    def shout(text: str) -> str:
        """Return the text in capitals (a tool of our own)."""
        return text.upper()

`;
const README_NOTE = "\n## Our team notes\n\nOn-call rotates weekly; see the wiki.\n";
const SHARED_FN = '\n\ndef first_page(items: Sequence[Any]) -> dict[str, Any]:\n    """The first page (a helper of our own)."""\n    return paginate(items)\n';
const DOCKER_LINE = 'LABEL org.opencontainers.image.vendor="acme"\n';

let tgz: string;
let oldBin: string;
beforeAll(async () => {
  tgz = await oldGeneratorTarball();
  oldBin = await oldGeneratorBin();
}, SLOW);

describe("upgrade from create-mcp-monorepo 0.1.0 (adc70d6)", () => {
  let root: string;
  let cache: string;
  let first: Run;
  beforeAll(async () => {
    root = await oldMonorepo(oldBin, ["ops", "customer", "finance"], ["fastmcp-cloud", "docker", "k8s", "mcpb"]);
    expect(await read(root, "mcp-monorepo.yaml")).toContain("generator: create-mcp-monorepo@0.1.0");
    // The user's edits: a tool, a Dockerfile line, a README paragraph, a deleted pre-commit config,
    // a shared module (vendored by the old sync), a requirement of their own.
    await edit(root, "server-ops/src/server.py", (s) => s.replace('    @mcp.custom_route("/health"', `${TOOL}    @mcp.custom_route("/health"`));
    await fs.appendFile(path.join(root, "server-ops", "tests", "test_tools.py"), '\n\ndef test_shout() -> None:\n    assert asyncio.run(_call("shout", {"text": "hi"})).data == "HI"\n');
    await edit(root, "server-ops/Dockerfile", (s) => s.replace("WORKDIR /app\n", `WORKDIR /app\n${DOCKER_LINE}`));
    await edit(root, "README.md", (s) => s + README_NOTE);
    await fs.rm(path.join(root, ".pre-commit-config.yaml"));
    await edit(root, "shared/pagination.py", (s) => s + SHARED_FN);
    await edit(root, "server-finance/requirements.txt", (s) => `${s}tomli-w>=1.0\n`);
    const synced = await run(["sync"], root, { bin: oldBin });
    expect(synced.code, synced.stderr).toBe(0);
    await git(root, "add", "-A");
    await git(root, "commit", "-qm", "our edits");
    cache = await tempDir("mcpm-upgrade-cache-");
    const env = { MCPM_CACHE_DIR: cache, MCPM_NO_LOCK: "" };
    // A dry run writes nothing.
    const before = await hashTree(root);
    const dry = await run(["upgrade", "--dry-run", "--from-package", tgz], root, { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("Dry run: upgrade from create-mcp-monorepo@0.1.0 to 0.2.0");
    expect(await hashTree(root)).toEqual(before);
    // Without --from-package, 0.1.0 is fetched from npm, where it is not published: exit 2, nothing written.
    const unpublished = await run(["upgrade", "--json"], root, { env });
    expect(unpublished.code).toBe(2);
    expect(JSON.parse(unpublished.stdout).error.message).toMatch(/cannot fetch create-mcp-monorepo@0\.1\.0.*--from-package/);
    expect(await hashTree(root)).toEqual(before);
    first = await run(["upgrade", "--json", "--from-package", tgz], root, { env });
  }, SLOW);

  it("upgrades: each file's outcome, the migrated servers locked, exit 0", () => {
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const r = JSON.parse(first.stdout);
    expect(r).toMatchObject({ ok: true, from: "0.1.0", to: "0.2.0", status: "upgraded", conflicts: [], locked: ["ops", "customer", "finance"] });
    const outcome = Object.fromEntries(r.files.map((f: { path: string; outcome: string }) => [f.path, f.outcome]));
    expect(outcome).toMatchObject({
      "README.md": "merged",
      ".pre-commit-config.yaml": "kept-deleted",
      "server-ops/Dockerfile": "kept",
      "server-ops/src/server.py": "kept",
      "shared/pagination.py": "kept",
      ".github/workflows/ci.yml": "replaced",
      "compose.yaml": "added",
      "kustomization.yaml": "added",
      "server-ops/hpa.yaml": "added",
      "server-ops/pyproject.toml": "migrated",
      "server-ops/requirements-dev.txt": "migrated",
    });
    const deleted = r.files.filter((f: { deleted?: boolean }) => f.deleted).map((f: { path: string }) => f.path).sort();
    expect(deleted).toEqual(["server-customer/requirements-dev.txt", "server-finance/requirements-dev.txt", "server-ops/requirements-dev.txt"]);
  });

  it("keeps every edit of the user", async () => {
    expect(await read(root, "server-ops/src/server.py")).toContain(TOOL);
    expect(await read(root, "server-ops/Dockerfile")).toContain(DOCKER_LINE);
    const readme = await read(root, "README.md");
    expect(readme.endsWith(README_NOTE)).toBe(true);
    expect(readme).toContain("Each server is a [uv](https://docs.astral.sh/uv/) project"); // this version's text, merged
    expect(await exists(root, ".pre-commit-config.yaml")).toBe(false);
    expect(await read(root, "shared/pagination.py")).toContain(SHARED_FN);
    expect(await read(root, "server-ops/src/shared/pagination.py")).toContain(SHARED_FN);
  });

  it("puts the new layout in place: pyproject.toml with the user's requirements, uv.lock, the exported requirements.txt, the new artefacts", async () => {
    for (const s of ["ops", "customer", "finance"]) {
      const folder = `server-${s}`;
      expect(await exists(root, `${folder}/requirements-dev.txt`)).toBe(false);
      expect(await exists(root, `${folder}/uv.lock`)).toBe(true);
      expect(await exists(root, `${folder}/hpa.yaml`)).toBe(true);
      expect((await read(root, `${folder}/requirements.txt`)).split("\n")[0]).toBe("# GENERATED from uv.lock by `npx create-mcp-monorepo lock`: do not edit.");
      expect(await read(root, `${folder}/pyproject.toml`)).toContain('dev = [\n    "pytest>=8",\n]');
    }
    expect(await read(root, "server-finance/pyproject.toml")).toContain('    "uvicorn>=0.35",\n    "tomli-w>=1.0",\n    # >>> shared requirements');
    expect(await read(root, "server-finance/requirements.txt")).toMatch(/^tomli-w==/m);
    expect(await read(root, "mcp-monorepo.yaml")).toContain("generator: create-mcp-monorepo@0.2.0\n");
    const ci = await read(root, ".github/workflows/ci.yml");
    expect(ci).toContain("npx -y create-mcp-monorepo@0.2.0 upgrade --check");
    expect(ci).not.toContain("@0.1.0");
    expect(await exists(root, "compose.yaml")).toBe(true);
    expect(await exists(root, "kustomization.yaml")).toBe(true);
  });

  it("git diff shows only the intended changes", async () => {
    const status = (await git(root, "status", "--porcelain", "--untracked-files=all")).split("\n").filter(Boolean).sort();
    const servers = ["customer", "finance", "ops"];
    const expected = [
      " M .gitattributes",
      " M .github/workflows/ci.yml",
      " M README.md",
      " M mcp-monorepo.yaml",
      " M shared/requirements.txt",
      "?? compose.yaml",
      "?? kustomization.yaml",
      ...servers.flatMap((s) => [
        ` M server-${s}/.dockerignore`,
        ` M server-${s}/.mcpbignore`,
        ` M server-${s}/fastmcp.json`,
        ` M server-${s}/requirements.txt`,
        ` D server-${s}/requirements-dev.txt`,
        `?? server-${s}/hpa.yaml`,
        `?? server-${s}/pyproject.toml`,
        `?? server-${s}/uv.lock`,
      ]),
    ].sort();
    expect(status).toEqual(expected);
    // Nothing the user wrote is touched; the generated files only as this version renders them.
    const diff = await git(root, "diff", "--", "server-ops/src", "shared/pagination.py", "server-ops/Dockerfile", "server-ops/tests");
    expect(diff).toBe("");
  });

  it("the upgraded monorepo passes sync --check, lock --check, check --strict, upgrade --check, and the ops server's tests (the user's tool included)", async () => {
    for (const args of [["sync", "--check"], ["lock", "--check"], ["check", "--strict"], ["upgrade", "--check"]]) {
      const r = await run(args, root);
      expect(r.code, `${args.join(" ")}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    // One server's suite (a cold venv per server costs ~30 s; every server's code is the same but ops's).
    const tests = await run(["test", "ops", "--json"], root);
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
  }, SLOW);

  it("verify serves the upgraded ops server over MCP with the user's tool", async () => {
    const r = await run(["verify", "--server", "ops", "--json"], root);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("shout");
  }, SLOW);

  it("a second upgrade is a no-op", async () => {
    await git(root, "add", "-A");
    await git(root, "commit", "-qm", "upgrade to 0.2.0");
    const before = await hashTree(root);
    const again = await run(["upgrade", "--from-package", tgz], root, { env: { MCPM_CACHE_DIR: cache } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("already at create-mcp-monorepo@0.2.0: nothing to upgrade");
    expect(await hashTree(root)).toEqual(before);
  });
});

describe("upgrade with a conflicting edit", () => {
  it("writes inline markers and exits 1 listing the file; every other edit survives; --check fails until they are resolved", async () => {
    const root = await oldMonorepo(oldBin, ["ops"], ["fastmcp-cloud", "mcpb"]);
    // 0.2.0 changes fastmcp.json's python (">=3.12" → "3.12"), which the user changed too; the
    // user's line in .mcpbignore is away from the lines 0.2.0 changes there.
    await edit(root, "server-ops/fastmcp.json", (s) => s.replace('"python": ">=3.12"', '"python": ">=3.12.4"'));
    await edit(root, "server-ops/.mcpbignore", (s) => s.replace("dist/\n", "dist/\nnotes/\n"));
    await edit(root, "server-ops/src/server.py", (s) => s.replace('    @mcp.custom_route("/health"', `${TOOL}    @mcp.custom_route("/health"`));
    await git(root, "commit", "-qam", "our edits");
    const env = { MCPM_CACHE_DIR: await tempDir("mcpm-upgrade-cache-") };
    // An uncommitted change in a file upgrade would change is refused, nothing written.
    await fs.appendFile(path.join(root, "README.md"), "\nwork in progress\n");
    const before = await hashTree(root);
    const dirty = await run(["upgrade", "--from-package", tgz], root, { env });
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toMatch(/^error: uncommitted changes in README\.md, which upgrade would change or delete; commit or stash them first, or pass --allow-dirty \(nothing was written\)$/m);
    expect(await hashTree(root)).toEqual(before);
    await git(root, "checkout", "README.md");

    const r = await run(["upgrade", "--from-package", tgz, "--no-lock"], root, { env });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^CONFLICT\s+server-ops\/fastmcp\.json\s+\(1 conflicting region: resolve the markers\)$/m);
    expect(r.stdout).toContain("1 file with conflicts (inline markers: keep what you want, delete the markers, commit):\n  server-ops/fastmcp.json\n");
    const json = await read(root, "server-ops/fastmcp.json");
    expect(json).toContain('<<<<<<< ours\n    "python": ">=3.12.4",\n||||||| base\n    "python": ">=3.12",\n=======\n    "python": "3.12",\n>>>>>>> create-mcp-monorepo@0.2.0\n');
    expect((await fs.readdir(path.join(root, "server-ops"))).filter((n) => n.endsWith(".rej") || n.endsWith(".orig"))).toEqual([]);
    // The other edit of a changed file merged; the tool kept; the new layout in place.
    const ignore = await read(root, "server-ops/.mcpbignore");
    expect(ignore).toContain("notes/\n");
    expect(ignore).toContain("uv.lock\n");
    expect(ignore).not.toContain("requirements-dev.txt");
    expect(await read(root, "server-ops/src/server.py")).toContain(TOOL);
    expect(await exists(root, "server-ops/pyproject.toml")).toBe(true);
    expect(r.stderr).toContain("note: not locked (--no-lock or MCPM_NO_LOCK=1): run `npx create-mcp-monorepo lock` to write uv.lock and export requirements.txt for ops");

    const check = await run(["upgrade", "--check", "--json"], root, { env });
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout)).toMatchObject({ status: "current", conflicts: ["server-ops/fastmcp.json"] });
    await edit(root, "server-ops/fastmcp.json", (s) => s.replace(/<<<<<<< ours\n(.*\n)\|\|\|\|\|\|\| base\n.*\n=======\n.*\n>>>>>>> create-mcp-monorepo@0\.2\.0\n/, "$1"));
    expect((await run(["upgrade", "--check"], root, { env })).code).toBe(0);
  }, SLOW);
});

describe("upgrade refusals and Ctrl-C", () => {
  /** A tarball named create-mcp-monorepo@`version` whose bin waits (a stand-in for a slow base render). */
  async function fakePackage(version: string): Promise<string> {
    const dir = await tempDir("mcpm-fakepkg-");
    await fs.mkdir(path.join(dir, "package", "bin"), { recursive: true });
    await fs.writeFile(path.join(dir, "package", "package.json"), JSON.stringify({ name: "create-mcp-monorepo", version, type: "module" }));
    await fs.writeFile(path.join(dir, "package", "bin", "create-mcp-monorepo.js"), "setTimeout(() => {}, 60_000);\n");
    await execFileP("tar", ["-czf", path.join(dir, "pkg.tgz"), "-C", dir, "package"]);
    return path.join(dir, "pkg.tgz");
  }

  it("refuses --to another version and a --from-package of another version; Ctrl-C while the base renders exits 130 with nothing written", async () => {
    const root = await oldMonorepo(oldBin, ["ops"], ["fastmcp-cloud"]);
    const env = { ...process.env, NO_COLOR: "1", MCPM_CACHE_DIR: await tempDir("mcpm-upgrade-cache-") };
    const before = await hashTree(root);
    const later = await run(["upgrade", "--to", "0.3.0"], root, { env });
    expect(later.code).toBe(1);
    expect(later.stderr).toBe("error: this is create-mcp-monorepo 0.2.0, which upgrades to 0.2.0 only; for 0.3.0, run that version's upgrade: npx create-mcp-monorepo@0.3.0 upgrade\n");
    // A monorepo a newer generator made (a pre-release of a later version counts as newer too).
    const manifest = await read(root, "mcp-monorepo.yaml");
    for (const newer of ["0.10.0", "0.3.0-rc.1"]) {
      await fs.writeFile(path.join(root, "mcp-monorepo.yaml"), manifest.replace(/create-mcp-monorepo@0\.1\.0/, `create-mcp-monorepo@${newer}`));
      const r = await run(["upgrade"], root, { env });
      expect(r.code, newer).toBe(1);
      expect(r.stderr).toContain(`this monorepo was made by create-mcp-monorepo@${newer}, newer than this 0.2.0`);
    }
    await fs.writeFile(path.join(root, "mcp-monorepo.yaml"), manifest);
    const wrong = await run(["upgrade", "--from-package", await fakePackage("0.0.9")], root, { env });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/holds create-mcp-monorepo@0\.0\.9, not create-mcp-monorepo@0\.1\.0, the generator this monorepo records/);

    const child = (await import("node:child_process")).spawn(process.execPath, [BIN, "upgrade", "--from-package", await fakePackage("0.1.0")], { cwd: root, env });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Wait until the stand-in runs (its process is the base render), then Ctrl-C.
    for (let i = 0; i < 100; i++) {
      const ps = await execFileP("ps", ["-eo", "args"]).then((r) => r.stdout, () => "");
      if (ps.includes(`${path.sep}bin${path.sep}create-mcp-monorepo.js create `) && ps.includes("mcpm-base-")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(err).toContain("Cancelled; nothing was written.");
    expect(await hashTree(root)).toEqual(before);
  }, SLOW);
});

describe("a server upgrade cannot migrate", () => {
  it("keeps its old layout with a note; --check says so until the line is fixed and upgrade runs again", async () => {
    const root = await oldMonorepo(oldBin, ["ops", "billing"], ["fastmcp-cloud"]);
    await fs.appendFile(path.join(root, "server-billing", "requirements.txt"), "--extra-index-url https://example.com/simple\n");
    await git(root, "commit", "-qam", "an index of our own");
    const env = { MCPM_CACHE_DIR: await tempDir("mcpm-upgrade-cache-") };
    const r = await run(["upgrade", "--from-package", tgz, "--no-lock"], root, { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('note: server-billing keeps its old layout: server-billing/requirements.txt holds "--extra-index-url https://example.com/simple", which pyproject.toml cannot hold; move it into pyproject.toml by hand (or remove it) and run upgrade again');
    expect(await exists(root, "server-ops/pyproject.toml")).toBe(true);
    expect(await exists(root, "server-billing/pyproject.toml")).toBe(false);
    expect(await exists(root, "server-billing/requirements-dev.txt")).toBe(true);
    expect(await read(root, "mcp-monorepo.yaml")).toContain("generator: create-mcp-monorepo@0.2.0");
    const pending = await run(["upgrade", "--check"], root, { env });
    expect(pending.code).toBe(1);
    expect(pending.stdout).toContain("upgrade pending: billing still in an older layout; run `npx create-mcp-monorepo@0.2.0 upgrade`");
    await edit(root, "server-billing/requirements.txt", (s) => s.replace("--extra-index-url https://example.com/simple\n", ""));
    await git(root, "add", "-A");
    await git(root, "commit", "-qm", "upgraded, index line dropped");
    const again = await run(["upgrade", "--no-lock"], root, { env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("Done, the layout migration of create-mcp-monorepo@0.2.0:");
    expect(again.stdout).toMatch(/^MIGRATE\s+server-billing\/pyproject\.toml$/m);
    expect(await exists(root, "server-billing/requirements-dev.txt")).toBe(false);
    expect((await run(["upgrade", "--check"], root, { env })).code).toBe(0);
    expect((await run(["sync", "--check"], root, { env })).code).toBe(0);
  }, SLOW);
});

describe("upgrade of a shared file this version changed", () => {
  it("replaces the canonical shared/ file, moves the vendored copies that were in step (and the lock), leaves an edited copy with a note", async () => {
    // A stand-in for an older version whose shared/pagination.py had one more line: its `create`
    // writes a snapshot of a monorepo made by this build with that line added and synced.
    const parent = await tempDir("mcpm-upgrade-shared-");
    const root = path.join(parent, "demo");
    const made = await run(["create", "demo", "--server", "ops", "--server", "billing", "--no-git", "--no-lock"], parent);
    expect(made.code, made.stderr).toBe(0);
    const now = await read(root, "shared/pagination.py");
    await fs.writeFile(path.join(root, "shared", "pagination.py"), `${now}# a line the older version had\n`);
    expect((await run(["sync"], root)).code).toBe(0);
    await edit(root, "mcp-monorepo.yaml", (s) => s.replace(/^generator: create-mcp-monorepo@.*$/m, "generator: create-mcp-monorepo@0.1.0"));
    const snapshot = path.join(parent, "snapshot");
    await fs.cp(root, snapshot, { recursive: true });
    const pkg = path.join(parent, "pkg");
    await fs.mkdir(path.join(pkg, "package", "bin"), { recursive: true });
    await fs.writeFile(path.join(pkg, "package", "package.json"), JSON.stringify({ name: "create-mcp-monorepo", version: "0.1.0", type: "module" }));
    await fs.writeFile(path.join(pkg, "package", "bin", "create-mcp-monorepo.js"), `import { cpSync } from "node:fs";\ncpSync(${JSON.stringify(snapshot)}, process.argv[3], { recursive: true });\n`);
    await execFileP("tar", ["-czf", path.join(parent, "old.tgz"), "-C", pkg, "package"]);
    // billing's vendored copy was edited by hand (sync reports it): upgrade leaves it.
    await fs.appendFile(path.join(root, "server-billing", "src", "shared", "pagination.py"), "# billing's own line\n");
    await git(root, "init", "-q", "-b", "main");
    await git(root, "add", "-A");
    await git(root, "commit", "-qm", "old");

    const r = await run(["upgrade", "--json", "--from-package", path.join(parent, "old.tgz")], root, { env: { MCPM_CACHE_DIR: await tempDir("mcpm-upgrade-cache-") } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.files).toContainEqual({ path: "shared/pagination.py", outcome: "replaced" });
    expect(out.notes).toContain("server-billing/src/shared/pagination.py differs from shared/pagination.py: left as it is; run `npx create-mcp-monorepo sync`");
    expect(await read(root, "shared/pagination.py")).toBe(now);
    expect(await read(root, "server-ops/src/shared/pagination.py")).toBe(now);
    expect(await read(root, "server-billing/src/shared/pagination.py")).toBe(`${now}# a line the older version had\n# billing's own line\n`);
    const status = (await git(root, "status", "--porcelain")).split("\n").filter(Boolean).sort();
    expect(status).toEqual([" M mcp-monorepo.lock.json", " M mcp-monorepo.yaml", " M server-ops/src/shared/pagination.py", " M shared/pagination.py"]);
    // sync agrees about ops (its lock entry moved with the copy) and still reports billing's hand edit.
    const sync = await run(["sync", "--check", "--json"], root);
    expect(sync.code).toBe(1);
    const servers = JSON.parse(sync.stdout).servers as Array<{ name: string; status: string }>;
    expect(servers.map((s) => [s.name, s.status])).toEqual([["ops", "in-sync"], ["billing", "blocked"]]);
  }, SLOW);
});
