import * as fs from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/kernel/errors.js";
import { loadManifest } from "../../src/monorepo/manifest.js";
import { readLock } from "../../src/monorepo/vendor.js";
import { applySync } from "../../src/sync/apply.js";
import { planSync } from "../../src/sync/plan.js";
import { cli, makeFixture, readTree, type Fixture } from "./fixture.js";

const made: Fixture[] = [];
afterEach(async () => {
  for (const f of made.splice(0)) await fs.rm(f.root, { recursive: true, force: true });
});

async function plan(f: Fixture) {
  const loaded = await loadManifest(f.root);
  return planSync({ root: f.root, servers: loaded.manifest.servers, lock: await readLock(f.root), force: false });
}

describe("applySync", () => {
  it("rolls every change back when a write fails mid-way, and names the problem in one line", async () => {
    const f = await makeFixture();
    made.push(f);
    await f.write("shared/config.py", "VALUE = 1\n");
    await f.write("shared/new.py", "NEW = 1\n");
    const before = await readTree(f.root);
    const p = await plan(f);
    let n = 0;
    const err = await applySync(f.root, p, {
      beforeCommit: () => {
        if (++n === 3) throw Object.assign(new Error("disk full"), { code: "ENOSPC" });
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe("sync could not write a file (ENOSPC); every change was rolled back");
    expect(await readTree(f.root)).toEqual(before);
    expect((await cli(f.root, "sync")).code).toBe(0);
    expect((await cli(f.root, "sync", "--check")).code).toBe(0);
  });

  it("a read-only canonical file is vendored writable, so later syncs can update it", async () => {
    const f = await makeFixture();
    made.push(f);
    await f.write("shared/frozen.py", "A = 1\n");
    await fs.chmod(f.abs("shared/frozen.py"), 0o444);
    expect((await cli(f.root, "sync")).code).toBe(0);
    expect((await fs.stat(f.abs("server-alpha/src/shared/frozen.py"))).mode & 0o777).toBe(0o644);
    expect((await cli(f.root, "sync", "--check")).code).toBe(0);
    await fs.chmod(f.abs("shared/frozen.py"), 0o644);
    await f.write("shared/frozen.py", "A = 2\n");
    expect((await cli(f.root, "sync")).code).toBe(0);
    expect(await f.read("server-beta/src/shared/frozen.py")).toBe("A = 2\n");
  });

  it("removes folders that deletions leave empty, never src/shared itself", async () => {
    const f = await makeFixture();
    made.push(f);
    await fs.rm(f.abs("shared/util"), { recursive: true });
    await fs.rm(f.abs("shared/__init__.py"));
    await fs.rm(f.abs("shared/config.py"));
    expect((await cli(f.root, "sync")).code).toBe(0);
    expect(await fs.readdir(f.abs("server-alpha/src/shared"))).toEqual([]);
  });
});
