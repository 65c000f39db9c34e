// Issue 13 item 4: a monorepo whose manifest was edited into a Python its target cannot run
// (3.13 with FastMCP Cloud) gets a new server with a warning naming the problem and the way out.
import { describe, expect, it } from "vitest";
import { addServerCli, makeMonorepo, read, write } from "./fixture.js";

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
