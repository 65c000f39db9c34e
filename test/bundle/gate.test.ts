// Bundles that cannot fail in the runtime, with real tools: uv (or pip) and PyPI, CPython 3.12 and
// 3.11 from this machine, Python's zipfile and compileall, uvicorn, the MCP TypeScript SDK and
// @anthropic-ai/mcpb's validator. A 3.12 monorepo with three servers: `ops` (secrets planted
// beside it), `app` (its entry file is src/app.py) and `nomcp` (no module-level `mcp`).
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { getMcpConfigForManifest, validateManifest } from "@anthropic-ai/mcpb/node";
import { v0_4 } from "@anthropic-ai/mcpb/schemas";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEntry } from "../../src/bundle/build-cache.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { firstText, withMcpClient } from "../helpers/mcp-client.js";
import { freePort, REPO_ROOT, VENV_BIN } from "../helpers/python.js";

const execFileP = promisify(execFile);

const PYENV = process.env.PYENV_ROOT ?? path.join(os.homedir(), ".pyenv");
/** A CPython of a minor version from pyenv's versions folder (its shims may not be active). */
async function pyenvPython(minor: string): Promise<string | null> {
  const versions = await fs.readdir(path.join(PYENV, "versions")).catch(() => [] as string[]);
  const v = versions.filter((x) => x.startsWith(`${minor}.`)).sort().at(-1);
  return v ? path.join(PYENV, "versions", v, "bin", `python${minor}`) : null;
}

/** PATH without the test venv, so `python` is never the venv's (which has FastMCP). */
const BASE_PATH = (process.env.PATH ?? "").split(path.delimiter).filter((p) => path.resolve(p) !== path.resolve(VENV_BIN)).join(path.delimiter);
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: BASE_PATH, FASTMCP_SHOW_CLI_BANNER: "false", FASTMCP_CHECK_FOR_UPDATES: "off", ...extra };
  delete env.VIRTUAL_ENV;
  if (!extra.PYTHONPATH) delete env.PYTHONPATH;
  return env;
}
/** The build's environment: uv from the test venv, pip's cache shared by test runs. */
const BUILD_ENV = { ...process.env, MCPM_UV: path.join(VENV_BIN, "uv"), PIP_CACHE_DIR: path.join(REPO_ROOT, ".cache", "pip") };

const zipNames = async (file: string, py: string) =>
  JSON.parse((await execFileP(py, ["-c", "import json,sys,zipfile; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))", file], { maxBuffer: 64 * 1024 * 1024 })).stdout) as string[];
const sha = async (file: string) => createHash("sha256").update(await fs.readFile(file)).digest("hex");

let py312: string | null;
let py311: string | null;
let work: string;
let root: string;
const built: Record<string, { code: number; stdout: string; stderr: string }> = {};
const OPS = "server-ops-0.1.0-linux-x86_64.mcpb";
let cacheEntries: string[] = [];
/** The unit entries of a build cache folder. */
async function unitEntries(cache: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(cache, "bundle", "unit"), { recursive: true, withFileTypes: true }).catch(() => [])) if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  return out.sort();
}
const APP = "server-app-0.1.0-linux-x86_64.mcpb";

beforeAll(async () => {
  py312 = await pyenvPython("3.12");
  py311 = await pyenvPython("3.11");
  if (!py312 || !py311 || process.platform !== "linux" || process.arch !== "x64") return;
  work = await tempDir("mcpm-gate-");
  const created = await runCli(["demo", "--server", "ops=Ops tools", "--server", "app=App tools", "--server", "nomcp=No server object", "--python", "3.12", "--target", "mcpb", "--no-git"], { cwd: work });
  expect(created.code, created.stderr).toBe(0);
  root = path.join(work, "demo");
  // ops: secret-looking files beside the server's own.
  for (const rel of ["id_rsa", "src/.ssh/id_ed25519", "tls.pem", "secrets.json", ".npmrc", ".netrc", ".pypirc", ".aws/credentials", ".envrc", "credentials.txt"]) {
    await fs.mkdir(path.dirname(path.join(root, "server-ops", rel)), { recursive: true });
    await fs.writeFile(path.join(root, "server-ops", rel), "do-not-ship\n");
  }
  // app: the entry file is src/app.py (manifest, fastmcp.json and asgi.py agree).
  const app = path.join(root, "server-app");
  await fs.rename(path.join(app, "src", "server.py"), path.join(app, "src", "app.py"));
  await fs.writeFile(path.join(app, "src", "asgi.py"), (await fs.readFile(path.join(app, "src", "asgi.py"), "utf8")).replace("from server import mcp", "from app import mcp"));
  await fs.writeFile(path.join(app, "fastmcp.json"), (await fs.readFile(path.join(app, "fastmcp.json"), "utf8")).replace("src/server.py", "src/app.py"));
  const manifest = path.join(root, "mcp-monorepo.yaml");
  await fs.writeFile(manifest, (await fs.readFile(manifest, "utf8")).replace("server-app/src/server.py:mcp", "server-app/src/app.py:mcp"));
  for (const f of await fs.readdir(path.join(app, "tests"))) await fs.rm(path.join(app, "tests", f), { force: true });
  // nomcp: the server object is called `server`, so `from server import mcp` fails.
  const nomcp = path.join(root, "server-nomcp", "src", "server.py");
  await fs.writeFile(nomcp, (await fs.readFile(nomcp, "utf8")).replace(/^mcp = create_server\(\)$/m, "server = create_server()").replace(/\bmcp\.run\(/g, "server.run("));

  built.ops = await runCli(["bundle", "ops", "--out", "out1", "--interpreter", py311], { cwd: root, env: BUILD_ENV });
  // The same build in another time zone, through pip this time is not needed: uv again, TZ moved.
  // The bytecode shares all at once there; one at a time in a third build: the bytes must not change.
  // Each with a build cache of its own, so both compile every unit.
  built.ops2 = await runCli(["bundle", "ops", "--out", "out2", "--interpreter", py311], { cwd: root, env: { ...BUILD_ENV, TZ: "Pacific/Kiritimati", MCPM_COMPILE_JOBS: "4", MCPM_CACHE_DIR: path.join(work, "cache-jobs-4") } });
  built.ops3 = await runCli(["bundle", "ops", "--out", "out3", "--interpreter", py311], { cwd: root, env: { ...BUILD_ENV, MCPM_COMPILE_JOBS: "1", MCPM_CACHE_DIR: path.join(work, "cache-jobs-1") } });
  // The build cache (bytecode and deflated files per package): a fresh one, the same again, then
  // with every entry damaged (a flipped byte, a torn write, garbage in turn).
  const cacheEnv = { ...BUILD_ENV, MCPM_CACHE_DIR: path.join(work, "build-cache") };
  built.cold = await runCli(["bundle", "ops", "--out", "out-cold", "--interpreter", py311], { cwd: root, env: cacheEnv });
  built.warm = await runCli(["bundle", "ops", "--out", "out-warm", "--interpreter", py311], { cwd: root, env: cacheEnv });
  cacheEntries = await unitEntries(path.join(work, "build-cache"));
  for (const [i, f] of cacheEntries.entries()) {
    const b = Buffer.from(await fs.readFile(f));
    if (i % 3 === 0) b[b.length >> 1]! ^= 0xff;
    await fs.writeFile(f, i % 3 === 0 ? b : i % 3 === 1 ? b.subarray(0, b.length >> 1) : Buffer.from("not a cache entry"));
  }
  built.damaged = await runCli(["bundle", "ops", "--out", "out-damaged", "--interpreter", py311], { cwd: root, env: cacheEnv });
  built.app = await runCli(["bundle", "app", "--out", "out1", "--interpreter", py311], { cwd: root, env: BUILD_ENV });
  built.uv = await runCli(["bundle", "ops", "--type", "uv", "--out", "out-uv", "--interpreter", py311], { cwd: root, env: BUILD_ENV });
  built.nomcp = await runCli(["bundle", "nomcp", "--out", "out-nomcp", "--interpreter", py311], { cwd: root, env: BUILD_ENV });
}, 900_000);

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

/** Extracts a bundle with Python's zipfile into a fresh folder. */
async function extract(file: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(work, "x-"));
  await execFileP(py312!, ["-m", "zipfile", "-e", file, dir]);
  return dir;
}

/** Serves a bundle as the MCPB runtime does and runs `fn` against it. */
async function serve(dir: string, appDir: string, fn: (url: string) => Promise<void>): Promise<void> {
  const port = await freePort();
  const proc = spawn(py312!, ["-m", "uvicorn", "asgi:app", "--app-dir", path.join(dir, appDir), "--host", "127.0.0.1", "--port", String(port)], { env: cleanEnv({ PYTHONPATH: `${dir}:${dir}/deps` }), stdio: ["ignore", "pipe", "pipe"] });
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
    await fn(`http://127.0.0.1:${port}/mcp`);
    expect(out).not.toMatch(/Traceback/);
  } finally {
    proc.kill("SIGINT");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

describe.runIf(process.platform === "linux" && process.arch === "x64")("bundles that cannot fail in the runtime", () => {
  it("the load gate refuses the server without a module-level mcp: one line naming the check rule, no .mcpb, no staging", async () => {
    if (!py312) return;
    const r = built.nomcp!;
    expect(r.code, r.stderr).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: server-nomcp: the bundle does not load on Python 3\.12 .*(AttributeError|ImportError).*mcp.*check --explain server-object.*--no-verify/);
    expect(await fs.readdir(path.join(root, "out-nomcp")).catch(() => [])).toEqual([]);
  });

  it("the src/app.py server bundles: entry_point, mcp_config and the HTTP app follow the manifest's entrypoint", async () => {
    if (!py312) return;
    expect(built.app!.code, built.app!.stderr).toBe(0);
    const dir = await extract(path.join(root, "out1", APP));
    const manifest = JSON.parse(await fs.readFile(path.join(dir, "manifest.json"), "utf8"));
    expect(manifest.server.entry_point).toBe("src/app.py");
    expect(manifest.server.mcp_config.args).toEqual(["${__dirname}/src/app.py"]);
    expect(validateManifest(dir)).toBe(true);
    await serve(dir, "src", async (url) => {
      await withMcpClient(url, async (client) => {
        expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(["hello", "list_items"]);
        expect(firstText(await client.callTool({ name: "hello", arguments: { name: "app" } }))).toBe("Hello, app! This is the app MCP server.");
      });
    });
  }, 180_000);

  it("is byte-identical across two builds in different time zones, with bytecode for CPython 3.12 in it", async () => {
    if (!py312) return;
    expect(built.ops!.code, built.ops!.stderr).toBe(0);
    expect(built.ops2!.code, built.ops2!.stderr).toBe(0);
    expect(await sha(path.join(root, "out2", OPS))).toBe(await sha(path.join(root, "out1", OPS)));
    const names = await zipNames(path.join(root, "out1", OPS), py312);
    expect(names).toContain("src/__pycache__/server.cpython-312.pyc");
    expect(names).toContain("deps/pydantic/__pycache__/main.cpython-312.pyc");
    expect(names).toContain("sitecustomize.py");
    // certifi's CA list is a dependency's file, not a secret of the server's.
    expect(names).toContain("deps/certifi/cacert.pem");
  });

  it("is byte-identical whether its bytecode units compile one at a time or four at once", async () => {
    if (!py312) return;
    expect(built.ops3!.code, built.ops3!.stderr).toBe(0);
    expect(await sha(path.join(root, "out3", OPS))).toBe(await sha(path.join(root, "out1", OPS)));
    expect(await sha(path.join(root, "out3", OPS))).toBe(await sha(path.join(root, "out2", OPS)));
  });

  it("is byte-identical with a cold build cache, a warm one and one whose every entry is damaged; damaged entries are rebuilt", async () => {
    if (!py312) return;
    for (const k of ["cold", "warm", "damaged"]) expect(built[k]!.code, built[k]!.stderr).toBe(0);
    const want = await sha(path.join(root, "out1", OPS));
    expect(await sha(path.join(root, "out-cold", OPS))).toBe(want);
    expect(await sha(path.join(root, "out-warm", OPS))).toBe(want);
    expect(await sha(path.join(root, "out-damaged", OPS))).toBe(want);
    // One entry per unit (the server's files, each top-level entry of deps/), all sound again.
    expect(cacheEntries.length).toBeGreaterThan(60);
    expect(await unitEntries(path.join(work, "build-cache"))).toEqual(cacheEntries);
    for (const f of cacheEntries) expect(await readEntry(f), f).not.toBeNull();
  });

  it("leaves every secret-looking file out and names each in a warning", async () => {
    if (!py312) return;
    const names = await zipNames(path.join(root, "out1", OPS), py312);
    expect(names.filter((n) => !n.startsWith("deps/") && /id_rsa|\.ssh|\.pem$|secrets\.json|\.npmrc|\.netrc|\.pypirc|\.aws|\.envrc|credentials/.test(n))).toEqual([]);
    for (const rel of ["id_rsa", "src/.ssh/", "tls.pem", "secrets.json", ".npmrc", ".netrc", ".pypirc", ".aws/", ".envrc", "credentials.txt"]) {
      expect(built.ops!.stderr).toContain(`warning: server-ops/${rel} is left out of the bundle`);
    }
  });

  it("serves over HTTP on a 3.12 without FastMCP, and over stdio as mcp_config says", async () => {
    if (!py312) return;
    const noFastmcp = await execFileP(py312, ["-c", "import fastmcp"], { env: cleanEnv() }).then(() => "imported", (e: { stderr: string }) => e.stderr);
    expect(noFastmcp).toMatch(/No module named 'fastmcp'/);
    const dir = await extract(path.join(root, "out1", OPS));
    await serve(dir, "src", async (url) => {
      await withMcpClient(url, async (client) => {
        expect(firstText(await client.callTool({ name: "hello", arguments: { name: "bundle" } }))).toBe("Hello, bundle! This is the ops MCP server.");
      });
    });
    const manifest = JSON.parse(await fs.readFile(path.join(dir, "manifest.json"), "utf8"));
    const config = await getMcpConfigForManifest({ manifest, extensionPath: dir, systemDirs: {}, userConfig: {}, pathSeparator: "/" });
    const env = { ...(cleanEnv({ PATH: `${path.dirname(py312)}${path.delimiter}${BASE_PATH}` }) as Record<string, string>), ...config!.env };
    const transport = new StdioClientTransport({ command: py312, args: config!.args, env, stderr: "pipe" });
    const client = new Client({ name: "gate-stdio-test", version: "0.0.0" });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(["hello", "list_items"]);
    } finally {
      await client.close();
    }
  }, 180_000);

  it("--type uv: a small platform-independent bundle (pyproject.toml, no deps/) that mcpb's validator accepts and `uv run` serves", async () => {
    if (!py312) return;
    expect(built.uv!.code, built.uv!.stderr).toBe(0);
    const file = path.join(root, "out-uv", "server-ops-0.1.0-uv.mcpb");
    expect((await fs.stat(file)).size).toBeLessThan(64 * 1024);
    const names = await zipNames(file, py312);
    expect(names).toContain("pyproject.toml");
    expect(names.filter((n) => n.startsWith("deps/") || n.endsWith(".pyc") || n === "sitecustomize.py")).toEqual([]);
    const dir = await extract(file);
    const manifest = JSON.parse(await fs.readFile(path.join(dir, "manifest.json"), "utf8"));
    const parsed = v0_4.McpbManifestSchema.safeParse(manifest);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(manifest.manifest_version).toBe("0.4");
    expect(manifest.server.type).toBe("uv");
    expect(validateManifest(dir)).toBe(true);
    const config = await getMcpConfigForManifest({ manifest, extensionPath: dir, systemDirs: {}, userConfig: {}, pathSeparator: "/" });
    expect(config!.command).toBe("uv");
    expect(config!.args).toEqual(["run", "--directory", dir, "src/server.py"]);
    // uv from the test venv; the interpreter named explicitly (no downloads on this machine).
    const env = { ...(cleanEnv({ UV_PYTHON: py312, UV_PYTHON_DOWNLOADS: "never" }) as Record<string, string>), ...config!.env };
    const transport = new StdioClientTransport({ command: path.join(VENV_BIN, "uv"), args: config!.args, env, stderr: "pipe" });
    const client = new Client({ name: "gate-uv-test", version: "0.0.0" });
    await client.connect(transport);
    try {
      expect(firstText(await client.callTool({ name: "hello", arguments: { name: "uv" } }))).toBe("Hello, uv! This is the ops MCP server.");
    } finally {
      await client.close();
    }
  }, 300_000);

  it("started on Python 3.11, it exits at once with one line naming what it was built for and what it got", async () => {
    if (!py311 || !py312) return;
    const dir = await extract(path.join(root, "out1", OPS));
    const started = Date.now();
    const r = await execFileP(py311, ["-m", "uvicorn", "asgi:app", "--app-dir", path.join(dir, "src")], { env: cleanEnv({ PYTHONPATH: `${dir}:${dir}/deps` }) }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    const elapsed = Date.now() - started;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: this bundle is for CPython 3.12 on linux-x86_64, but it was started with CPython 3.11 on linux-x86_64; start it with Python 3.12 on linux-x86_64, or build a bundle for this one\n");
    // Reported, not asserted as a timing (the guard runs before any import of deps/).
    console.log(`guard line after ${elapsed} ms`);
  });
});
