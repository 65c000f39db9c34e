// Unit tests of the pure parts of add-server, and the core called directly.
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { addServer } from "../../src/add-server/add-server.js";
import { parsePorcelainZ, uncommittedChanges } from "../../src/monorepo/git.js";
import { appendServerPreservingText } from "../../src/add-server/manifest-append.js";
import { parseAddServerOptions } from "../../src/add-server/options.js";
import { planAddServer } from "../../src/add-server/plan.js";
import { appendEnvSection, definesVariable } from "../../src/add-server/root-files.js";
import { parseManifest, serverEntry } from "../../src/monorepo/manifest.js";
import { runCli } from "../helpers/cli.js";
import { makeMonorepo, read, snapshot, write } from "./fixture.js";

const execFileP = promisify(execFile);
const BASE = 'formatVersion: 1\nproject: demo\npython: "3.12"\nrepository: a/b\nbranch: main\n';
const OPS = { name: "ops", description: "d", folder: "server-ops", entrypoint: "server-ops/src/server.py:mcp", requirements: "server-ops/requirements.txt" };

describe("appendServerPreservingText", () => {
  const entry = serverEntry("billing", "Billing");
  const append = (text: string) => appendServerPreservingText(parseManifest(text, "/r"), entry);

  it("splices after the last item, keeping CRLF line endings", () => {
    const text = (BASE + "servers:\n  - name: ops\n    description: d\n    folder: server-ops\n    entrypoint: server-ops/src/server.py:mcp\n    requirements: server-ops/requirements.txt\n").replace(/\n/g, "\r\n");
    const r = append(text);
    expect(r.spliced).toBe(true);
    expect(r.text.startsWith(text)).toBe(true);
    expect(r.text.slice(text.length)).toBe("  - name: billing\r\n    description: Billing\r\n    folder: server-billing\r\n    entrypoint: server-billing/src/server.py:mcp\r\n    requirements: server-billing/requirements.txt\r\n    transport: http\r\n");
  });

  it("adds the missing final newline of a file that ends in the last item", () => {
    const text = BASE + "servers:\n- name: ops\n  description: d\n  folder: server-ops\n  entrypoint: server-ops/src/server.py:mcp\n  requirements: server-ops/requirements.txt";
    const r = append(text);
    expect(r.spliced).toBe(true);
    expect(r.text.startsWith(text + "\n- name: billing\n")).toBe(true);
    expect(parseManifest(r.text, "/r").manifest.servers.map((s) => s.name)).toEqual(["ops", "billing"]);
  });

  it("falls back to the yaml Document API for a flow-style servers list (comments kept, data right)", () => {
    const text = `# keep me\n${BASE}servers: [${JSON.stringify(OPS)}]\n`;
    const r = append(text);
    expect(r.spliced).toBe(false);
    expect(r.text).toContain("# keep me");
    expect(parseManifest(r.text, "/r").manifest.servers.map((s) => s.name)).toEqual(["ops", "billing"]);
  });

  it("falls back for an empty servers list", () => {
    const r = append(`${BASE}servers: []\n`);
    expect(r.spliced).toBe(false);
    expect(parseManifest(r.text, "/r").manifest.servers).toEqual([entry]);
  });
});

describe("appendEnvSection / definesVariable", () => {
  const section = "# --- server-x: X ---\nX_GREETING=Hello\n";
  it("separates sections by exactly one blank line", () => {
    expect(appendEnvSection("A=1\n", section)).toBe("A=1\n\n" + section);
    expect(appendEnvSection("A=1\n\n", section)).toBe("A=1\n\n" + section);
    expect(appendEnvSection("A=1", section)).toBe("A=1\n\n" + section);
    expect(appendEnvSection(null, section)).toBe(section);
    expect(appendEnvSection("A=1\r\n", section)).toBe("A=1\r\n\r\n# --- server-x: X ---\r\nX_GREETING=Hello\r\n");
  });
  it("recognises an existing assignment", () => {
    expect(definesVariable("# X_GREETING=1\nexport X_GREETING=2\n", "X_GREETING")).toBe(true);
    expect(definesVariable("# X_GREETING=1\nXX_GREETING=2\n", "X_GREETING")).toBe(false);
  });
});

describe("uncommittedChanges", () => {
  it("is not checked (null) outside a git work tree, or when git is not installed", async () => {
    const root = await makeMonorepo();
    expect(await uncommittedChanges(root, ["README.md"])).toBeNull();
    await execFileP("git", ["init", "-q"], { cwd: root });
    expect(await uncommittedChanges(root, ["README.md", "server-new"])).toEqual(["README.md"]);
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(root, "no-such-bin");
    try {
      expect(await uncommittedChanges(root, ["README.md"])).toBeNull();
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe("parsePorcelainZ", () => {
  it("reads modified, untracked and renamed entries", () => {
    expect(parsePorcelainZ(" M README.md\0?? server-x/a.py\0R  new.yaml\0old.yaml\0")).toEqual(["README.md", "new.yaml", "server-x/a.py"]);
  });
});

describe("parseAddServerOptions", () => {
  it("fills the default description and refuses bad input with one line", () => {
    expect(parseAddServerOptions({ cwd: "/r", name: "support-desk" }).description).toBe("Support Desk MCP server.");
    expect(parseAddServerOptions({ cwd: "/r", name: "x", description: "  " }).description).toBe("X MCP server.");
    expect(() => parseAddServerOptions({ cwd: "rel", name: "x" })).toThrow("cwd must be an absolute path");
    expect(() => parseAddServerOptions({ cwd: "/r", name: "x", description: "y".repeat(501) })).toThrow("longer than 500 characters");
    expect(() => parseAddServerOptions({ cwd: "/r", name: "Ops" })).toThrow('server name "Ops" must start with a lowercase letter');
  });
});

describe("the core, called directly", () => {
  it("planAddServer returns the plan as data and writes nothing", async () => {
    const root = await makeMonorepo();
    const before = await snapshot(root);
    const plan = await planAddServer({ cwd: root, name: "billing" });
    expect(await snapshot(root)).toEqual(before);
    expect(plan.root).toBe(root);
    expect(plan.server).toEqual(serverEntry("billing", "Billing MCP server."));
    expect(plan.manifest.servers.map((s) => s.name)).toEqual(["ops", "customer", "finance", "billing"]);
    expect(plan.changes.slice(-4).map((c) => [c.kind, c.path])).toEqual([
      ["update", ".env.example"],
      ["update", "README.md"],
      ["update", "mcp-monorepo.yaml"],
      ["update", "mcp-monorepo.lock.json"],
    ]);
  });

  it("vendors the CURRENT canonical shared/ (edited, with a new file) and its requirements", async () => {
    const root = await makeMonorepo();
    await write(root, "shared/config.py", (await read(root, "shared/config.py")) + "\n# edited after create\n");
    await fs.mkdir(path.join(root, "shared", "util"));
    await write(root, "shared/util/__init__.py", "def shout(s: str) -> str:\n    return s.upper()\n");
    await write(root, "shared/requirements.txt", (await read(root, "shared/requirements.txt")) + "tenacity>=8\n");
    await addServer({ cwd: root, name: "billing" });
    for (const f of ["config.py", "util/__init__.py"]) expect(await read(root, `server-billing/src/shared/${f}`)).toBe(await read(root, `shared/${f}`));
    expect(await read(root, "server-billing/requirements.txt")).toMatch(/# >>> shared requirements[^\n]*\n(.*\n)*tenacity>=8\n# <<< shared requirements <<</);
    const lock = JSON.parse(await read(root, "mcp-monorepo.lock.json"));
    expect(Object.keys(lock.servers.billing.files)).toContain("util/__init__.py");
    // The originals were not synced: their lock entries are as before (sync's business, not add-server's).
    expect(Object.keys(lock.servers.ops.files)).not.toContain("util/__init__.py");
    // ...while the new server is exactly what sync would have written.
    const check = await runCli(["sync", "--check", "--server", "billing"], { cwd: root });
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it("refuses a shared/requirements.txt line FastMCP Cloud cannot install (file:line)", async () => {
    const root = await makeMonorepo();
    const reqs = await read(root, "shared/requirements.txt");
    await write(root, "shared/requirements.txt", reqs + "git+https://github.com/example/lib.git\n");
    const line = (reqs + "x").split("\n").length;
    const before = await snapshot(root);
    await expect(addServer({ cwd: root, name: "billing" })).rejects.toThrow(new RegExp(`^shared/requirements\\.txt:${line}: git\\+https://github\\.com/example/lib\\.git: VCS URL`));
    expect(await snapshot(root)).toEqual(before);
  });

  it("warns (does not refuse) when another server's folder is missing", async () => {
    const root = await makeMonorepo();
    await fs.rm(path.join(root, "server-customer"), { recursive: true });
    const r = await addServer({ cwd: root, name: "billing" }, { dryRun: true });
    expect(r.warnings).toEqual([
      'server "customer" is listed in mcp-monorepo.yaml but server-customer/ is missing; the Deployment table still lists it (restore the folder or remove the entry)',
    ]);
  });

  it("creates README.md when there is none (says so) and a root .env.example when there is none", async () => {
    const root = await makeMonorepo();
    await fs.rm(path.join(root, "README.md"));
    await fs.rm(path.join(root, ".env.example"));
    const r = await addServer({ cwd: root, name: "billing" });
    expect(r.changes.filter((c) => !c.path.startsWith("server-billing/")).map((c) => [c.kind, c.path])).toEqual([
      ["create", ".env.example"],
      ["create", "README.md"],
      ["update", "mcp-monorepo.yaml"],
      ["update", "mcp-monorepo.lock.json"],
    ]);
    expect(r.warnings).toContain("README.md did not exist; it is created with just the Deployment table");
    expect(r.readmeAppended).toBe(false);
    expect(await read(root, ".env.example")).toBe("# --- server-billing: Billing MCP server. ---\n# Greeting used by the hello tool.\nBILLING_GREETING=Hello\n");
  });

  it("does not document a variable twice in the root .env.example", async () => {
    const root = await makeMonorepo();
    const env = (await read(root, ".env.example")) + "\nBILLING_GREETING=Hi\n";
    await write(root, ".env.example", env);
    const r = await addServer({ cwd: root, name: "billing" });
    expect(await read(root, ".env.example")).toBe(env);
    expect(r.changes.find((c) => c.path === ".env.example")?.kind).toBe("unchanged");
    expect(r.warnings).toContain(".env.example already defines BILLING_GREETING; left it as it is");
  });

  it("refuses an invalid lock file before writing anything", async () => {
    const root = await makeMonorepo();
    await write(root, "mcp-monorepo.lock.json", "{ nope");
    const before = await snapshot(root);
    await expect(addServer({ cwd: root, name: "billing" })).rejects.toThrow(/^mcp-monorepo\.lock\.json is not valid JSON/);
    expect(await snapshot(root)).toEqual(before);
  });
});
