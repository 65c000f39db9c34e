// The mcpb target end to end (issue 9): `bundle` builds a reproducible .mcpb with real pip,
// the official @anthropic-ai/mcpb validator accepts its manifest, and the bundle serves the
// server the way the MCPB Python runtime runs it (verify SHA256, extract, PYTHONPATH, uvicorn)
// and the way an MCPB desktop host launches it (mcp_config over stdio), on a Python that has no
// FastMCP of its own. Real tools only: pip and PyPI, Python's zipfile, the MCP TypeScript SDK.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { getMcpConfigForManifest, validateManifest } from "@anthropic-ai/mcpb/node";
import { v0_3 } from "@anthropic-ai/mcpb/schemas";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";
import { firstText, withMcpClient } from "../helpers/mcp-client.js";
import { freePort, REPO_ROOT, VENV_BIN } from "../helpers/python.js";

const execFileP = promisify(execFile);

/** PATH without the test venv, so `python3` is the machine's own interpreter. */
const BASE_PATH = (process.env.PATH ?? "").split(path.delimiter).filter((p) => path.resolve(p) !== path.resolve(VENV_BIN)).join(path.delimiter);
/** Environment of the base interpreter: no venv, no inherited PYTHONPATH. */
function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: BASE_PATH, ...extra };
  delete env.VIRTUAL_ENV;
  if (!extra.PYTHONPATH) delete env.PYTHONPATH;
  env.FASTMCP_SHOW_CLI_BANNER = "false";
  env.FASTMCP_CHECK_FOR_UPDATES = "off";
  return env;
}
/** pip's cache shared by test runs (keeps the pip step fast after the first run). */
const PIP_ENV = { ...process.env, PIP_CACHE_DIR: path.join(REPO_ROOT, ".cache", "pip") };

let work: string;
let root: string;
let basePython: string;
let baseVersion: string;
let bundleFile: string;
let sha: string;
let stdout1: string;
let secondSha: string;
let bundleDir: string;

beforeAll(async () => {
  const info = await execFileP("python3", ["-c", "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])"], { env: baseEnv() });
  [basePython, baseVersion] = info.stdout.trim().split("\n") as [string, string];
  work = await tempDir("mcpm-bundle-");
  const created = await runCli(["demo", "--server", "ops=Ops tools", "--python", baseVersion, "--target", "mcpb", "--no-git"], { cwd: work });
  expect(created.code, created.stderr).toBe(0);
  root = path.join(work, "demo");
  const server = path.join(root, "server-ops");
  // What must stay out: a secret .env, a file the .mcpbignore names, bytecode caches; tests/ exists already.
  await fs.writeFile(path.join(server, ".env"), "OPS_API_KEY=do-not-ship\n");
  await fs.writeFile(path.join(server, "notes.txt"), "scratch\n");
  // The generated .mcpbignore, plus a line of the user's and an attempt to bring .env back.
  await fs.appendFile(path.join(server, ".mcpbignore"), "notes.txt\n!.env\n");
  await fs.mkdir(path.join(server, "src", "__pycache__"), { recursive: true });
  await fs.writeFile(path.join(server, "src", "__pycache__", "server.cpython-311.pyc"), "x");
  // A required variable without a default, in the seed's `# Required` layout: becomes user_config.
  const env = await fs.readFile(path.join(server, ".env.example"), "utf8");
  await fs.writeFile(path.join(server, ".env.example"), `# Required\n# Key of the ops API.\nOPS_API_KEY=\n\n${env}`);

  // Without bytecode (--no-compile): this file proves what the source tree contributes; bytecode
  // builds are proved in gate.test.ts.
  const first = await runCli(["bundle", "ops", "--out", "out1", "--interpreter", basePython, "--no-compile"], { cwd: root, env: PIP_ENV });
  expect(first.code, first.stderr).toBe(0);
  stdout1 = first.stdout;
  bundleFile = path.join(root, "out1", `server-ops-0.1.0-linux-x86_64.mcpb`);
  sha = createHash("sha256").update(await fs.readFile(bundleFile)).digest("hex");
  // The second build runs the published shape: the esbuild bundle behind the bin shim (a CommonJS
  // library imported differently there broke `bundle` once while the in-process run passed).
  await execFileP(process.execPath, [path.join(REPO_ROOT, "bin", "create-mcp-monorepo.js"), "bundle", "--out", "../out2", "--interpreter", basePython, "--platform", "linux-x86_64", "--no-compile"], {
    cwd: path.join(root, "server-ops"),
    env: PIP_ENV,
    maxBuffer: 16 * 1024 * 1024,
  });
  secondSha = createHash("sha256").update(await fs.readFile(path.join(root, "out2", path.basename(bundleFile)))).digest("hex");

  // Extract with Python's own zipfile (not the library that wrote it), as a runtime would.
  bundleDir = path.join(work, "bundle");
  await execFileP(basePython, ["-m", "zipfile", "-e", bundleFile, bundleDir], { env: baseEnv() });
}, 600_000);

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe.runIf(process.platform === "linux" && process.arch === "x64")("bundle (mcpb target)", () => {
  it("prints size and SHA256 and writes them in sha256sum format beside the bundle", async () => {
    expect(stdout1).toContain(`out1/${path.basename(bundleFile)}`);
    expect(stdout1).toMatch(/MiB \(\d+ bytes, \d+ files\)/);
    expect(stdout1).toContain(`sha256 ${sha}`);
    expect(await fs.readFile(`${bundleFile}.sha256`, "utf8")).toBe(`${sha}  ${path.basename(bundleFile)}\n`);
  });

  it("is reproducible: a second build gives the same SHA256", () => {
    expect(secondSha).toBe(sha);
  });

  it("has a manifest that @anthropic-ai/mcpb's own schema and validator accept", async () => {
    const manifest = JSON.parse(await fs.readFile(path.join(bundleDir, "manifest.json"), "utf8"));
    const parsed = v0_3.McpbManifestSchema.safeParse(manifest);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(validateManifest(bundleDir)).toBe(true);
    expect(manifest.manifest_version).toBe("0.3");
    expect(manifest.server).toEqual({
      type: "python",
      entry_point: "src/server.py",
      mcp_config: {
        command: "python",
        args: ["${__dirname}/src/server.py"],
        env: { PYTHONPATH: "${__dirname}:${__dirname}/deps", MCP_TRANSPORT: "stdio", PYTHONDONTWRITEBYTECODE: "1", OPS_API_KEY: "${user_config.ops_api_key}" },
      },
    });
    expect(manifest.compatibility).toEqual({ platforms: ["linux"], runtimes: { python: `>=${baseVersion} <${baseVersion.split(".")[0]}.${Number(baseVersion.split(".")[1]) + 1}` } });
    expect(manifest.user_config).toEqual({ ops_api_key: { type: "string", title: "OPS_API_KEY", description: "Key of the ops API.", required: true, sensitive: true } });
    expect(manifest.tools.map((t: { name: string }) => t.name)).toEqual(["hello", "list_items"]);
  });

  it("holds manifest.json, src/ and deps/ with sorted entries, fixed times and modes, and no secrets, tests or caches", async () => {
    const { stdout } = await execFileP(
      basePython,
      ["-c", "import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps([[i.filename, list(i.date_time), i.external_attr >> 16] for i in z.infolist()]))", bundleFile],
      { env: baseEnv(), maxBuffer: 64 * 1024 * 1024 },
    );
    const entries = JSON.parse(stdout) as [string, number[], number][];
    const names = entries.map((e) => e[0]);
    expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    for (const [, time, mode] of entries) {
      expect(time).toEqual([1980, 1, 1, 0, 0, 0]);
      expect(mode).toBe(0o100644);
    }
    for (const want of ["manifest.json", "src/server.py", "src/asgi.py", "src/shared/__init__.py", "requirements.txt", ".env.example", "fastmcp.json", "deps/fastmcp/__init__.py", "deps/uvicorn/__init__.py"]) {
      expect(names).toContain(want);
    }
    expect(names.filter((n) => /(^|\/)\.env$|^tests\/|__pycache__|\.pyc$|^notes\.txt$|^requirements-dev\.txt$|^pytest\.ini$|^deps\/bin\/|direct_url\.json$|^\.mcpbignore$/.test(n))).toEqual([]);
    expect(names.some((n) => /^deps\/pydantic_core\/.*\.so$/.test(n))).toBe(true);
  });

  it("--verify refuses a wrong SHA256 with one line and accepts the right one", async () => {
    const wrong = await runCli(["bundle", "--verify", bundleFile, "--sha256", "0".repeat(64)], { cwd: root });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrong.stderr).toMatch(/^error: SHA256 mismatch for .*: expected 0{64}, got [0-9a-f]{64}; do not run this bundle\n$/);
    const right = await runCli(["bundle", "--verify", bundleFile, "--sha256", sha.toUpperCase()], { cwd: root });
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toContain(`OK `);
    const beside = await runCli(["bundle", "--verify", bundleFile], { cwd: root });
    expect(beside.code, beside.stderr).toBe(0);
  });

  it("serves over streamable HTTP as the MCPB Python runtime runs it, on a Python without FastMCP", async () => {
    const noFastmcp = await execFileP(basePython, ["-c", "import fastmcp"], { env: baseEnv() }).then(() => "imported", (e: { stderr: string }) => e.stderr);
    expect(noFastmcp).toMatch(/ModuleNotFoundError: No module named 'fastmcp'/);
    const port = await freePort();
    const env = baseEnv({ PYTHONPATH: `${bundleDir}:${bundleDir}/deps`, PORT: String(port), OPS_API_KEY: "k" });
    const proc = spawn(basePython, ["-m", "uvicorn", "asgi:app", "--app-dir", path.join(bundleDir, "src"), "--host", "127.0.0.1", "--port", String(port)], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (out += d));
    const exited = new Promise((r) => proc.on("exit", r));
    try {
      const deadline = Date.now() + 90_000;
      let health: Response | null = null;
      while (!health) {
        if (proc.exitCode !== null) throw new Error(`uvicorn exited:\n${out}`);
        if (Date.now() > deadline) throw new Error(`uvicorn did not answer in time:\n${out}`);
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
        if (!health) await new Promise((r) => setTimeout(r, 250));
      }
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok", server: "ops" });
      await withMcpClient(`http://127.0.0.1:${port}/mcp`, async (client) => {
        expect(client.getServerVersion()?.name).toBe("ops");
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(["hello", "list_items"]);
        expect(firstText(await client.callTool({ name: "hello", arguments: { name: "bundle" } }))).toBe("Hello, bundle! This is the ops MCP server.");
      });
      // The modules came from the bundle, not from anywhere else on the machine.
      expect(out).not.toMatch(/Traceback/);
    } finally {
      proc.kill("SIGINT");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });

  it("launches over stdio exactly as mcp_config says (${__dirname} substituted by @anthropic-ai/mcpb)", async () => {
    const manifest = JSON.parse(await fs.readFile(path.join(bundleDir, "manifest.json"), "utf8"));
    const config = await getMcpConfigForManifest({ manifest, extensionPath: bundleDir, systemDirs: {}, userConfig: { ops_api_key: "k" }, pathSeparator: "/" });
    expect(config).toBeDefined();
    expect(config!.args).toEqual([`${bundleDir}/src/server.py`]);
    expect(config!.env?.PYTHONPATH).toBe(`${bundleDir}:${bundleDir}/deps`);
    expect(config!.env?.OPS_API_KEY).toBe("k");
    // `python` resolves on PATH to the machine's interpreter (no FastMCP installed there).
    const env = { ...(baseEnv({ PATH: `${path.dirname(basePython)}${path.delimiter}${BASE_PATH}` }) as Record<string, string>), ...config!.env };
    const transport = new StdioClientTransport({ command: config!.command, args: config!.args, env, stderr: "pipe" });
    const client = new Client({ name: "bundle-stdio-test", version: "0.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(["hello", "list_items"]);
    } finally {
      await client.close();
    }
  });

  it("is documented in the generated README: build, verify, serve", async () => {
    const readme = await fs.readFile(path.join(root, "README.md"), "utf8");
    expect(readme).toContain("npx create-mcp-monorepo bundle ops");
    expect(readme).toContain("npx create-mcp-monorepo bundle --verify dist/FILE.mcpb --sha256 HEX");
    expect(readme).toContain("PYTHONPATH=/tmp/bundle:/tmp/bundle/deps python3 -m uvicorn asgi:app --app-dir /tmp/bundle/src");
  });

  it("builds for another platform: macOS arm64 wheels, darwin in compatibility and the name", async () => {
    const r = await runCli(["bundle", "ops", "--platform", "macos-arm64", "--out", "out-mac", "--interpreter", basePython], { cwd: root, env: PIP_ENV });
    expect(r.code, r.stderr).toBe(0);
    const file = path.join(root, "out-mac", "server-ops-0.1.0-macos-arm64.mcpb");
    const { stdout } = await execFileP(basePython, ["-c", "import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps([z.namelist(), json.loads(z.read('manifest.json'))['compatibility']]))", file], { env: baseEnv(), maxBuffer: 64 * 1024 * 1024 });
    const [names, compatibility] = JSON.parse(stdout) as [string[], unknown];
    expect(compatibility).toMatchObject({ platforms: ["darwin"] });
    expect(names.filter((n) => /^deps\/pydantic_core\/_pydantic_core\..*\.so$/.test(n))).toEqual([expect.stringMatching(/darwin\.so$/)]);
  }, 600_000);

  it("check --target mcpb --strict passes on the generated monorepo", async () => {
    const r = await runCli(["check", "--strict", "--target", "mcpb", "--json"], { cwd: root, env: { ...process.env, MCPM_PYTHON: basePython } });
    expect(JSON.parse(r.stdout).findings).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("refuses an unknown server with one error line (exit 2)", async () => {
    const r = await runCli(["bundle", "nope"], { cwd: root });
    expect(r.code).toBe(2); // could not run, as in sync and check
    expect(r.stderr).toBe('error: no server named "nope" in mcp-monorepo.yaml (servers: ops)\n');
  });
});
