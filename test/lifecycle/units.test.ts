// Pure parts of the server life commands, on real files: folder deletes in the transaction, the
// text edits of the manifest and the root .env.example, renaming names in text, tools in code.
import * as fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMonorepo } from "../../src/scaffold/create.js";
import { applyChanges, rollForward } from "../../src/monorepo/changes.js";
import { parseManifest } from "../../src/monorepo/manifest.js";
import { openMonorepoAt } from "../../src/monorepo/monorepo.js";
import { removeEnvSection, removeServerFromManifestText, removeTargetsFromManifestText, renameEnvSection, updateServerInManifestText } from "../../src/monorepo/server-edits.js";
import { removeTransientFiles } from "../../src/monorepo/transaction.js";
import { renameInText } from "../../src/rename-server/index.js";
import { toolsInSource } from "../../src/list/index.js";
import { tempDir } from "../helpers/cli.js";

async function repo(): Promise<string> {
  const root = path.join(await tempDir("mcpm-life-unit-"), "repo");
  await createMonorepo({ targetDir: root, project: "repo", servers: [{ name: "ops", description: "Ops tools." }, { name: "billing", description: "Billing tools." }], python: "3.12", git: false, repository: "example/repo", branch: "main", targets: ["fastmcp-cloud"] });
  return root;
}
const exists = (root: string, rel: string) => fs.lstat(path.join(root, rel)).then(() => true, () => false);

describe("text edits", () => {
  const yaml = "# ours\nformatVersion: 1\nproject: p\npython: \"3.12\"\nrepository: a/b\nbranch: main\ntargets:\n  - fastmcp-cloud # cloud\n  - docker\nservers:\n  - name: ops # first\n    description: Ops.\n    folder: server-ops\n    entrypoint: server-ops/src/server.py:mcp\n    requirements: server-ops/requirements.txt\n  - name: billing\n    description: Billing.\n    folder: server-billing\n    entrypoint: server-billing/src/server.py:mcp\n    requirements: server-billing/requirements.txt\n# tail\n";
  const loaded = () => parseManifest(yaml, "/x");
  it("cuts a server's item and keeps every other byte", () => {
    expect(removeServerFromManifestText(loaded(), "ops")).toBe(yaml.replace(/  - name: ops # first\n(?: {4}.*\n)+/, ""));
    expect(removeServerFromManifestText(loaded(), "billing")).toBe(yaml.replace(/  - name: billing\n(?: {4}.*\n)+/, ""));
  });
  it("renames scalars in place", () => {
    const out = updateServerInManifestText(loaded(), "ops", { name: "infra", folder: "server-infra", entrypoint: "server-infra/src/server.py:mcp", requirements: "server-infra/requirements.txt" });
    expect(out).toBe(yaml.replace("name: ops # first", "name: infra # first").replace(/server-ops/g, "server-infra"));
  });
  it("cuts a target's line", () => {
    expect(removeTargetsFromManifestText(loaded(), ["docker"])).toBe(yaml.replace("  - docker\n", ""));
  });
  it("removes and renames a server's section of the root .env.example, keeping what follows it", () => {
    const env = "# head\n\n# --- server-ops: Ops. ---\n# Greeting.\nOPS_GREETING=Hello\n\n# --- server-billing: B. ---\nBILLING_GREETING=Hello\n\n# ours\nTEAM_TOKEN=x\n";
    expect(removeEnvSection(env, "server-ops")).toBe("# head\n\n# --- server-billing: B. ---\nBILLING_GREETING=Hello\n\n# ours\nTEAM_TOKEN=x\n");
    expect(removeEnvSection(env, "server-billing")).toBe("# head\n\n# --- server-ops: Ops. ---\n# Greeting.\nOPS_GREETING=Hello\n\n# ours\nTEAM_TOKEN=x\n");
    expect(renameEnvSection(env, { folder: "server-ops", prefix: "OPS_" }, { folder: "server-infra", prefix: "INFRA_" })).toBe(env.replace("server-ops:", "server-infra:").replace("OPS_GREETING", "INFRA_GREETING"));
    expect(removeEnvSection(env, "server-nope")).toBeNull();
  });
});

describe("names and tools in text", () => {
  it("renames names in text by the rules for Python and other files", () => {
    const from = { name: "ops", folder: "server-ops" };
    const to = { name: "infra", folder: "server-infra" };
    expect(renameInText("ops = 1  # the ops MCP server\nSERVER_NAME = \"ops\"\nOPS_X = os.getenv('OPS_GREETING')\n", "src/server.py", from, to)).toBe(
      "ops = 1  # the infra MCP server\nSERVER_NAME = \"infra\"\nINFRA_X = os.getenv('INFRA_GREETING')\n",
    );
    expect(renameInText("docker build -t ops server-ops # ops-team devops server-ops-config\n", "Dockerfile", from, to)).toBe("docker build -t infra server-infra # ops-team devops server-infra-config\n");
  });

  it("reads tool names from decorated functions", () => {
    expect(toolsInSource("@mcp.tool(name=\"find\")\nasync def search(q): ...\n@app.tool\ndef b(): ...\n@mcp.resource(\"x://y\")\ndef r(): ...\n")).toEqual(["find", "b"]);
  });
});

describe("the transaction deletes folders", () => {
  it("rolls a folder delete back on a failure, and a killed run's journal finishes it", async () => {
    const root = await repo();
    await expect(
      applyChanges(root, [{ path: "server-ops", kind: "delete", dir: true }, { path: "README.md", kind: "update", content: Buffer.from("x") }], {
        beforeCommit: (c) => {
          if (c.path === "README.md") throw new Error("injected");
        },
      }),
    ).rejects.toThrow("injected");
    expect(await exists(root, "server-ops/src/server.py")).toBe(true);
    expect((await fs.readdir(root)).filter((n) => n.includes(".mcpm-"))).toEqual([]);
    expect(await rollForward(root, [{ path: "server-ops", tmp: null }])).toEqual(["server-ops"]);
    expect(await exists(root, "server-ops")).toBe(false);
    // A backup folder a killed run left is removed by the next writer.
    await fs.mkdir(path.join(root, ".server-billing.mcpm-bak-0123abcd"));
    await fs.writeFile(path.join(root, ".server-billing.mcpm-bak-0123abcd/x"), "x");
    expect(await removeTransientFiles(await openMonorepoAt(root).catch(() => null as never))).toContain(".server-billing.mcpm-bak-0123abcd");
  });
});

describe("the root .env.example as the union of the servers'", () => {
  it("adds a server's missing variables to its section, or a new section, and nothing else", async () => {
    const { unionServerSections } = await import("../../src/monorepo/server-edits.js");
    const root = "# head\n\n# --- server-ops: Ops. ---\n# Greeting.\nOPS_GREETING=Hello\n\n# ours\nTEAM_TOKEN=x\n";
    const ops = "# server-ops: every variable.\n\n# >>> shared settings: managed by `mcp-monorepo sync`, edit shared/.env.example instead >>>\nLOG_LEVEL=INFO\n# <<< shared settings <<<\n\n# Greeting.\nOPS_GREETING=Hello\n# Region of the ops API.\nOPS_REGION=eu\nTEAM_TOKEN=y\n";
    const out = unionServerSections(root, [
      { folder: "server-ops", description: "Ops.", envText: ops },
      { folder: "server-new", description: "New.", envText: "NEW_KEY=1\n" },
    ]);
    expect(out).toBe("# head\n\n# --- server-ops: Ops. ---\n# Greeting.\nOPS_GREETING=Hello\n# Region of the ops API.\nOPS_REGION=eu\n\n# ours\nTEAM_TOKEN=x\n\n# --- server-new: New. ---\nNEW_KEY=1\n");
    expect(unionServerSections(out, [{ folder: "server-ops", description: "Ops.", envText: ops }])).toBe(out);
  });
});
