import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PYTHON, REPO_ROOT } from "../helpers/python.js";

// The published package, as a user gets it: `npm pack` (its prepack: typecheck + bundle) in a
// copy of the sources, then `npm install --global` of the tarball into an empty prefix with
// --offline, an empty cache and an unreachable registry, so nothing but the tarball can be
// installed. The installed bins then run the whole workflow outside this repository.

const execFileP = promisify(execFile);
const PKG = JSON.parse(await fs.readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as { name: string; version: string; files: string[] };

let work = "";
let tarball = "";
let prefix = "";
let bin = "";

/** Environment with no route to a registry and nothing from this repository on PATH. */
function isolatedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: [path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(path.delimiter),
    HOME: path.join(work, "home"),
    npm_config_cache: path.join(work, "npm-cache"),
    npm_config_registry: "http://127.0.0.1:9/",
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    MCPM_PYTHON: PYTHON,
    GIT_AUTHOR_NAME: "test",
    GIT_AUTHOR_EMAIL: "test@example.com",
    GIT_COMMITTER_NAME: "test",
    GIT_COMMITTER_EMAIL: "test@example.com",
    CI: "true",
  };
  return env;
}

async function sh(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP(cmd, args, { cwd, env: isolatedEnv(), timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(tmpdir(), "mcpm-pack-"));
  await fs.mkdir(path.join(work, "home"));
  // A copy of what the package is built from, so prepack's rebuild never touches the dist/
  // other tests are running; node_modules (dev dependencies, for the build only) is linked.
  const src = path.join(work, "src-copy");
  await fs.mkdir(src);
  for (const entry of [...PKG.files, "src", "scripts", "package.json", "tsconfig.json", "README.md"]) {
    if (entry === "dist") continue;
    await fs.cp(path.join(REPO_ROOT, entry), path.join(src, entry), { recursive: true, filter: (p) => !p.includes("__pycache__") });
  }
  await fs.symlink(path.join(REPO_ROOT, "node_modules"), path.join(src, "node_modules"));
  await execFileP("npm", ["pack", "--pack-destination", work], { cwd: src, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  tarball = path.join(work, `${PKG.name}-${PKG.version}.tgz`);
  prefix = path.join(work, "prefix");
  await fs.mkdir(prefix);
  const installed = await sh("npm", ["install", "--global", "--prefix", prefix, tarball], work);
  if (installed.code !== 0) throw new Error(`npm install of the tarball failed:\n${installed.stderr}`);
  bin = path.join(prefix, "bin");
}, 600_000);

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  it("holds the bundle and the shipped files, and no sources or tests", async () => {
    const r = await execFileP("tar", ["-tzf", tarball]);
    const files = r.stdout.split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
    for (const f of ["package.json", "bin/create-mcp-monorepo.js", "dist/cli.js", "dist/THIRD-PARTY-LICENSES.md", "generators/plopfile.js", "templates/server/src/server.py.hbs", "schemas/fastmcp-config-v1.schema.json", "python/mcpm_check/__main__.py", "docs/check-rules/env-required.md", "templates/targets/docker/Dockerfile.hbs"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^(src|test|scripts|bench|node_modules)\//.test(f) || f.includes("__pycache__") || f.endsWith(".ts"))).toEqual([]);
    const pkg = JSON.parse((await execFileP("tar", ["-xzOf", tarball, "package/package.json"])).stdout) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.engines).toEqual({ node: ">=20.12" });
  });

  it("installs offline from the tarball alone: npm ls --all shows the package and nothing else", async () => {
    const r = await sh("npm", ["ls", "--global", "--prefix", prefix, "--all", "--json"], work);
    expect(r.code).toBe(0);
    const tree = JSON.parse(r.stdout) as { dependencies: Record<string, { version: string; dependencies?: unknown }> };
    expect(Object.keys(tree.dependencies)).toEqual([PKG.name]);
    expect(tree.dependencies[PKG.name]!.version).toBe(PKG.version);
    expect(tree.dependencies[PKG.name]!.dependencies).toBeUndefined();
    const installedModules = await fs.readdir(path.join(prefix, "lib", "node_modules"));
    expect(installedModules).toEqual([PKG.name]);
    expect(await fs.readdir(path.join(prefix, "lib", "node_modules", PKG.name))).not.toContain("node_modules");
  });

  it("runs create --yes, add-server, sync --check, check (and --explain), add-target and verify --url through the installed bins", async () => {
    const cwd = path.join(work, "projects");
    await fs.mkdir(cwd);
    const version = await sh(path.join(bin, "create-mcp-monorepo"), ["--version"], cwd);
    expect(version).toMatchObject({ code: 0, stdout: `${PKG.version}\n` });

    const created = await sh(path.join(bin, "create-mcp-monorepo"), ["--yes", "demo"], cwd);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("Created demo/ with 3 servers (ops, customer, finance)");
    const demo = path.join(cwd, "demo");
    expect((await sh("git", ["status", "--porcelain"], demo)).stdout).toBe("");

    const added = await sh(path.join(bin, "mcp-monorepo"), ["add-server", "billing", "--description", "Billing tools", "--yes"], demo);
    expect(added.code, added.stderr).toBe(0);
    expect(await fs.readFile(path.join(demo, "server-billing", "src", "server.py"), "utf8")).toContain("Billing tools");

    const synced = await sh(path.join(bin, "mcp-monorepo"), ["sync", "--check"], demo);
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);

    const checked = await sh(path.join(bin, "mcp-monorepo"), ["check", "--json"], demo);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    const report = JSON.parse(checked.stdout) as { servers: string[]; findings: unknown[]; summary: { errors: number } };
    expect(report.servers).toEqual(["ops", "customer", "finance", "billing"]);
    expect(report.summary.errors).toBe(0);

    // A check finding is still found through the bundle (ajv + the shipped schema + the analyzer).
    await fs.writeFile(path.join(demo, "server-ops", "fastmcp.json"), JSON.stringify({ source: { path: 42 } }));
    const failing = await sh(path.join(bin, "mcp-monorepo"), ["check", "--json"], demo);
    expect(failing.code).toBe(1);
    expect((JSON.parse(failing.stdout) as { findings: Array<{ rule: string }> }).findings.map((f) => f.rule)).toContain("fastmcp-json");

    // Files read at run time from the package root: the rule docs, the target templates.
    const explained = await sh(path.join(bin, "mcp-monorepo"), ["check", "--explain", "env-required"], demo);
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toMatch(/^# `env-required`/);
    const targeted = await sh(path.join(bin, "mcp-monorepo"), ["add-target", "docker", "--allow-dirty"], demo);
    expect(targeted.code, targeted.stdout + targeted.stderr).toBe(0);
    expect(await fs.readFile(path.join(demo, "server-ops", "Dockerfile"), "utf8")).toContain("FROM python:");

    // verify's MCP client (the bundled SDK) runs: a minimal JSON-RPC endpoint answering
    // initialize and tools/list (no tools) passes initialize through the installed bin.
    const server = http.createServer((req, res) => {
      if (req.method !== "POST") return void res.writeHead(405).end();
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const msg = JSON.parse(body) as { id?: number; method: string; params?: { protocolVersion?: string } };
        if (msg.id === undefined) return void res.writeHead(202).end();
        const result =
          msg.method === "initialize"
            ? { protocolVersion: msg.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "fake", version: "0" } }
            : msg.method === "tools/list"
              ? { tools: [] }
              : undefined;
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify(result ? { jsonrpc: "2.0", id: msg.id, result } : { jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "no such method" } }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
      const verified = await sh(path.join(bin, "mcp-monorepo"), ["verify", "--url", url, "--json"], demo);
      expect(verified.stderr).not.toMatch(/unexpected error|Cannot find/);
      const steps = (JSON.parse(verified.stdout) as { verdicts: Array<{ steps: Array<{ step: string; ok: boolean; detail: string }> }> }).verdicts[0]!.steps;
      expect(steps.find((st) => st.step === "initialize"), JSON.stringify(steps)).toMatchObject({ ok: true });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
