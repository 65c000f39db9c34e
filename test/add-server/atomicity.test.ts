// Issue 3, atomicity: a failure half way rolls every file back (hashes of every file and the list of folders compared).
import * as fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { addServer } from "../../src/add-server/add-server.js";
import { UserError } from "../../src/kernel/errors.js";
import { addServerCli, makeMonorepo, snapshot } from "./fixture.js";

describe("add-server is all or nothing", () => {
  it("a read-only README.md (chmod 0444) stops it after the new server's files were renamed into place, and everything is rolled back", async () => {
    const root = await makeMonorepo();
    await fs.chmod(path.join(root, "README.md"), 0o444);
    const before = await snapshot(root);
    const r = await addServerCli(root, "billing");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: README.md is read-only; nothing was changed\n");
    expect(await snapshot(root)).toEqual(before);
    expect(before.entries).not.toContain("server-billing");

    // The same run through the core, recording commits: the new server and .env.example were in place when README.md refused.
    const committed: string[] = [];
    await expect(addServer({ cwd: root, name: "billing" }, { beforeCommit: (c) => void committed.push(c.path) })).rejects.toThrow("README.md is read-only");
    expect(committed).toContain("server-billing/tests/test_tools.py");
    expect(committed.slice(-2)).toEqual([".env.example", "README.md"]);
    expect(await snapshot(root)).toEqual(before);
  });

  it("a fault injected before the last commit (the lock) rolls back the server folder, .env.example, README.md and the manifest", async () => {
    const root = await makeMonorepo();
    const before = await snapshot(root);
    const committed: string[] = [];
    const err = await addServer(
      { cwd: root, name: "billing" },
      {
        beforeCommit: (change) => {
          if (change.path === "mcp-monorepo.lock.json") throw Object.assign(new Error("disk full"), { code: "ENOSPC", path: path.join(root, ".mcp-monorepo.lock.json.mcpm-tmp-0123abcd") });
          committed.push(change.path);
        },
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe("add-server could not write mcp-monorepo.lock.json (ENOSPC); every change was rolled back, nothing was changed");
    // Everything else had been committed when the fault hit.
    expect(committed).toContain("server-billing/src/server.py");
    expect(committed.slice(-3)).toEqual([".env.example", "README.md", "mcp-monorepo.yaml"]);
    expect(await snapshot(root)).toEqual(before);
  });

  it("a fault on the very first file leaves no folder behind", async () => {
    const root = await makeMonorepo();
    const before = await snapshot(root);
    await expect(
      addServer({ cwd: root, name: "billing" }, { beforeCommit: () => { throw new Error("boom"); } }),
    ).rejects.toThrow(/could not write a file \(boom\); every change was rolled back/);
    expect(await snapshot(root)).toEqual(before);
  });
});
