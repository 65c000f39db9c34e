// Issue 13 item 4: a monorepo whose manifest was edited into a Python its target cannot run
// (3.13 with FastMCP Cloud) gets a new server with a warning naming the problem and the way out.
import { describe, expect, it } from "vitest";
import path from "node:path";
import { createMonorepo } from "../../src/scaffold/create.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { addServerCli, makeMonorepo, read, snapshot, write } from "./fixture.js";

/** A Python 3.14 monorepo deployed as containers (what `create --python 3.14 --target docker` makes). */
async function python314Docker(): Promise<string> {
  const root = path.join(await tempDir("mcpm-py314-"), "demo");
  await createMonorepo({ targetDir: root, project: "demo", servers: [{ name: "ops", description: "" }], python: "3.14", git: false, repository: "example/demo", branch: "main", targets: ["docker"] });
  return root;
}

describe("add-server and a Python version the target cannot run", () => {
  it("adds the server and warns, naming FastMCP Cloud's Python 3.12 base image", async () => {
    const root = await makeMonorepo();
    const text = await read(root, "mcp-monorepo.yaml");
    await write(root, "mcp-monorepo.yaml", text.replace('python: "3.12"', 'python: "3.13"'));
    const r = await addServerCli(root, "billing", "--yes");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'note: mcp-monorepo.yaml: python "3.13" with target fastmcp-cloud: FastMCP Cloud builds every server on a Python 3.12 base image whatever fastmcp.json asks for',
    );
    expect(r.stderr).toContain("until python is 3.12 or lower");
    const clean = await addServerCli(await makeMonorepo(), "billing", "--yes");
    expect(clean.stderr).not.toContain("base image");
  });
});

// Issue 20: adding FastMCP Cloud to a Python 3.14 monorepo was accepted with a note, though
// `create --python 3.14 --target fastmcp-cloud` refuses the same mix; now both refuse it.
describe("add-target and add-server --target refuse a target that cannot run the monorepo's Python", () => {
  it("add-target fastmcp-cloud on Python 3.14: exit 1, one line, nothing written", async () => {
    const root = await python314Docker();
    const before = await snapshot(root);
    const r = await runCli(["add-target", "fastmcp-cloud"], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: add-target refuses target fastmcp-cloud for this monorepo (python: "3.14" in mcp-monorepo.yaml): FastMCP Cloud builds every server on a Python 3.12 base image whatever fastmcp.json asks for, so a Python 3.14 server fails to build there; set python to 3.12 or lower in mcp-monorepo.yaml first, or deploy Python 3.14 with docker, k8s, mcpb instead (nothing was written)\n',
    );
    expect(await snapshot(root)).toEqual(before);
  });

  it("add-server --target fastmcp-cloud on Python 3.14: refused the same way; --target k8s is fine", async () => {
    const root = await python314Docker();
    const before = await snapshot(root);
    const r = await addServerCli(root, "billing", "--target", "fastmcp-cloud", "--yes");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: add-server --target refuses target fastmcp-cloud .*python: "3\.14".*\(nothing was written\)\n$/);
    expect(await snapshot(root)).toEqual(before);
    const ok = await addServerCli(root, "billing", "--target", "k8s", "--yes");
    expect(ok.code, ok.stderr).toBe(0);
  });
});
