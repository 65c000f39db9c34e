// Secrets never leave: a server and shared/ holding every kind of secret-looking file. Real tools:
// the docker CLI computes the build context from the generated .dockerignore (captured by a fake
// engine on a unix socket: the CLI sends the context as a tar with POST /build), sync vendors
// shared/, check reports each file.
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerignoreSecretLines, secretKind } from "../../src/monorepo/secrets.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { PYTHON } from "../helpers/python.js";

const execFileP = promisify(execFile);

/** Secret-looking files planted in a server folder (and the same under src/ and in shared/). */
const SECRETS = ["id_rsa", "id_ed25519", "id_ecdsa", "id_dsa", "tls.pem", "tls.key", "cert.p12", "cert.pfx", ".netrc", ".npmrc", ".pypirc", ".aws/credentials", ".ssh/id_ed25519", ".envrc", "secrets.json", "credentials.txt"];
/** Local settings: left out everywhere, but not a check error (the documented place for them). */
const LOCAL = [".env", ".env.local", "src/.env"];

let work: string;
let root: string;

beforeAll(async () => {
  work = await tempDir("mcpm-secrets-");
  const created = await runCli(["demo", "--server", "ops=Ops tools", "--python", "3.12", "--target", "docker", "--target", "mcpb", "--no-git"], { cwd: work });
  expect(created.code, created.stderr).toBe(0);
  root = path.join(work, "demo");
  for (const rel of [...SECRETS, ...SECRETS.map((s) => `src/${s}`), ...LOCAL]) {
    await fs.mkdir(path.dirname(path.join(root, "server-ops", rel)), { recursive: true });
    await fs.writeFile(path.join(root, "server-ops", rel), "do-not-ship\n");
  }
  for (const rel of SECRETS) {
    await fs.mkdir(path.dirname(path.join(root, "shared", rel)), { recursive: true });
    await fs.writeFile(path.join(root, "shared", rel), "do-not-ship\n");
  }
}, 120_000);

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe("the secret patterns", () => {
  it("match keys, credential files and folders at any depth, and keep .env.example and ordinary files", () => {
    for (const rel of [...SECRETS, ...SECRETS.map((s) => `src/deep/${s}`), ...LOCAL]) expect(secretKind(rel), rel).not.toBeNull();
    for (const rel of [".env.example", "src/.env.example", "src/server.py", "README.md", "id_rsa.pub", "src/keys.py", "requirements.txt"]) expect(secretKind(rel), rel).toBeNull();
    expect(dockerignoreSecretLines()).toEqual(expect.arrayContaining(["**/id_rsa", "**/*.pem", "**/.ssh", "**/.env", "**/.env.*", "!**/.env.example"]));
  });
});

describe("docker build context (computed by the docker CLI from the generated .dockerignore)", () => {
  it("holds none of the secrets, at the root or nested, and keeps .env.example", async () => {
    const docker = await execFileP("docker", ["--version"]).then(() => true, () => false);
    if (!docker) return; // the docker CLI is needed to compute a context the way docker does
    const sock = path.join(work, "engine.sock");
    const bodies: Buffer[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.url?.includes("/build")) {
          bodies.push(Buffer.concat(chunks));
          res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "context captured" }));
          return;
        }
        res.writeHead(200, { "Content-Type": "application/json", "Api-Version": "1.47", OSType: "linux" }).end(req.url?.includes("_ping") ? "OK" : "{}");
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const child = spawn("docker", ["build", "-t", "ops", path.join(root, "server-ops")], { env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_BUILDKIT: "0" }, stdio: "ignore" });
      await new Promise((r) => child.on("close", r));
    } finally {
      server.close();
    }
    expect(bodies).toHaveLength(1);
    const tar = path.join(work, "context.tar");
    await fs.writeFile(tar, bodies[0]!);
    const names = (await execFileP("tar", ["tf", tar])).stdout.split("\n").filter(Boolean).map((n) => n.replace(/\/$/, ""));
    expect(names).toContain("src/server.py");
    expect(names).toContain(".env.example");
    for (const rel of [...SECRETS, ...SECRETS.map((s) => `src/${s}`), ...LOCAL]) expect(names, rel).not.toContain(rel);
    expect(names.filter((n) => /(^|\/)\.(ssh|aws)(\/|$)/.test(n))).toEqual([]);
  }, 60_000);
});

describe("sync", () => {
  it("vendors none of shared/'s secrets and names each in a warning", async () => {
    const r = await runCli(["sync"], { cwd: root });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const vendored = await fs.readdir(path.join(root, "server-ops", "src", "shared"), { recursive: true });
    for (const rel of SECRETS) expect(vendored, rel).not.toContain(rel);
    expect(vendored.filter((n) => /\.(ssh|aws)/.test(String(n)))).toEqual([]);
    for (const rel of SECRETS.filter((s) => !s.includes("/"))) expect(r.stdout + r.stderr).toContain(`warning: shared/${rel} is not vendored into any server`);
    const json = JSON.parse((await runCli(["sync", "--json", "--dry-run"], { cwd: root })).stdout);
    expect(json.secretsLeftOut.map((x: { path: string }) => x.path)).toEqual(expect.arrayContaining(["shared/id_rsa", "shared/.aws/credentials"]));
  }, 60_000);
});

describe("check secret-file", () => {
  it("reports each secret in the server and in shared/ as an error, and no .env file", async () => {
    const r = await runCli(["check", "--json", "--offline", "--interpreter", PYTHON], { cwd: root });
    const findings = (JSON.parse(r.stdout).findings as Array<{ rule: string; severity: string; file: string; message: string }>).filter((f) => f.rule === "secret-file");
    expect(r.code).toBe(1);
    const files = findings.map((f) => f.file);
    for (const rel of SECRETS.filter((s) => !s.includes("/"))) {
      expect(files, rel).toContain(`server-ops/${rel}`);
      expect(files, rel).toContain(`server-ops/src/${rel}`);
      expect(files, rel).toContain(`shared/${rel}`);
    }
    for (const dir of [".aws/", ".ssh/"]) for (const where of ["server-ops/", "server-ops/src/", "shared/"]) expect(files).toContain(where + dir);
    expect(files.filter((f) => /(^|\/)\.env(\.[^/]*)?$/.test(f))).toEqual([]);
    expect(findings.every((f) => f.severity === "error" && /docker build copies the folder/.test(f.message) && /MCPB bundle zips the folder/.test(f.message))).toBe(true);
  }, 120_000);
});
