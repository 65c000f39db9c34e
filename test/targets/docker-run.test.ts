// docker target, proven without a container engine (none runs on these machines): the
// Dockerfile's CMD runs as-is from the server folder (the image's WORKDIR holds exactly
// requirements.txt + src/), in a fresh venv made from requirements.txt alone, with the
// Dockerfile's ENV and PORT set; a real MCP client lists tools at /mcp, and the HEALTHCHECK
// command itself exits 0 (and non-zero once the server is gone).
import { execFile } from "node:child_process";
import { cp, mkdir, readFile } from "node:fs/promises";
import { request } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { readDockerfile } from "../../src/check/dockerfile.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { expectGeneratedToolsOverHttp } from "../helpers/generated-server.js";
import { PYTHON, serveHttp } from "../helpers/python.js";

const execFileP = promisify(execFile);
let appDir: string;
let venvBin: string;
let facts: ReturnType<typeof readDockerfile>;

/** POST an MCP initialize to `url` with a chosen Host header (fetch cannot set Host). */
function initializeWithHost(url: string, host: string): Promise<number> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } } });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { host, "content-type": "application/json", accept: "application/json, text/event-stream", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(body);
  });
}

beforeAll(async () => {
  const parent = await tempDir("mcpm-docker-run-");
  const res = await runCli(["demo", "--yes", "--no-git", "--server", "ops", "--target", "docker"], { cwd: parent });
  expect(res.code, res.stderr).toBe(0);
  const serverDir = path.join(parent, "demo", "server-ops");
  facts = readDockerfile(await readFile(path.join(serverDir, "Dockerfile"), "utf8"));
  // What the image holds under WORKDIR /app: the two COPY instructions, nothing else.
  appDir = path.join(parent, "app");
  await mkdir(appDir);
  await cp(path.join(serverDir, "requirements.txt"), path.join(appDir, "requirements.txt"));
  await cp(path.join(serverDir, "src"), path.join(appDir, "src"), { recursive: true });
  // RUN pip install --no-cache-dir -r requirements.txt, in a fresh venv (not the test venv).
  const venv = path.join(parent, "venv");
  const { stdout: base } = await execFileP(PYTHON, ["-c", "import sys; print(sys._base_executable)"]);
  await execFileP(base.trim(), ["-m", "venv", venv]);
  venvBin = path.join(venv, "bin");
  await execFileP(path.join(venvBin, "python"), ["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", "requirements.txt"], { cwd: appDir, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
}, 900_000);

describe("the Dockerfile's CMD, outside a container", () => {
  const env = () => ({ ...facts.env, PATH: `${venvBin}${path.delimiter}${process.env.PATH ?? ""}`, VIRTUAL_ENV: path.dirname(venvBin) });

  it("the fresh venv has only what requirements.txt brings (fastmcp from it, not from the test venv)", async () => {
    const { stdout } = await execFileP(path.join(venvBin, "python"), ["-c", "import fastmcp, sys; print(fastmcp.__file__); print(sys.prefix)"]);
    expect(stdout).toContain(path.dirname(venvBin));
  });

  it("serves the generated tools at /mcp to a real MCP client, with /health", async () => {
    const cmd = facts.cmd!.value as string[];
    expect(Array.isArray(cmd)).toBe(true);
    await expectGeneratedToolsOverHttp(appDir, "ops", { command: cmd[0], args: cmd.slice(1), env: env(), portVia: "env" }, true);
  });

  it("the HEALTHCHECK command exits 0 while it serves, non-zero once it stopped; container Host headers are accepted", async () => {
    const cmd = facts.cmd!.value as string[];
    const hc = facts.healthcheck!.command as string[];
    expect(Array.isArray(hc)).toBe(true);
    const served = await serveHttp(appDir, { command: cmd[0], args: cmd.slice(1), env: env(), portVia: "env" });
    const hcEnv = { ...process.env, ...env(), PORT: String(served.port) };
    try {
      const ok = await execFileP(hc[0]!, hc.slice(1), { env: hcEnv, cwd: appDir }).then(() => 0, (e: { code?: number }) => e.code ?? 1);
      expect(ok, served.output()).toBe(0);
      // Kubernetes and Docker clients send the Service/host name: FastMCP's Host/Origin guard
      // is off by default for http_app (fastmcp.settings.http_host_origin_protection = False).
      for (const host of ["server-ops.default.svc.cluster.local:8000", "10.1.2.3:8000", "ops:8000"]) {
        expect(await initializeWithHost(served.url, host), host).toBe(200);
      }
    } finally {
      await served.stop();
    }
    const down = await execFileP(hc[0]!, hc.slice(1), { env: hcEnv, cwd: appDir }).then(() => 0, (e: { code?: number }) => e.code ?? 1);
    expect(down).not.toBe(0);
  });
});
