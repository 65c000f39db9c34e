// Issue 13 item 6: `sync --force` has add-server's uncommitted-changes guard: a hand edit that
// exists only in the working tree is not discarded unless --allow-dirty.
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { cli, makeFixture, type Fixture } from "./fixture.js";

const execFileP = promisify(execFile);
const git = (cwd: string, ...args: string[]) =>
  execFileP("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args], { cwd });

const made: Fixture[] = [];
afterEach(async () => {
  for (const f of made.splice(0)) await fs.rm(f.root, { recursive: true, force: true });
});

async function committedFixture(): Promise<Fixture> {
  const f = await makeFixture();
  made.push(f);
  await git(f.root, "init", "-q");
  await git(f.root, "add", "-A");
  await git(f.root, "commit", "-q", "-m", "initial");
  return f;
}

describe("sync --force and uncommitted hand edits", () => {
  it("refuses to overwrite an uncommitted edit, writes nothing, and names the file", async () => {
    const f = await committedFixture();
    await f.write("server-alpha/src/shared/config.py", "EDITED = 1\n");
    await f.write("shared/util/text.py", "def shout(s):\n    return s.upper() + '!'\n");
    const r = await cli(f.root, "sync", "--force");
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "error: uncommitted changes in server-alpha/src/shared/config.py, which sync --force would overwrite; commit or stash them first, or pass --allow-dirty (nothing was written)",
    );
    expect(r.stdout).toBe("");
    expect(await f.read("server-alpha/src/shared/config.py")).toBe("EDITED = 1\n");
    // Nothing else was written either (the canonical change is still pending).
    expect(await f.read("server-beta/src/shared/util/text.py")).not.toContain("'!'");
  });

  it("overwrites once the edit is committed (git has it), or with --allow-dirty (and says so)", async () => {
    const f = await committedFixture();
    await f.write("server-alpha/src/shared/config.py", "EDITED = 1\n");
    const allowed = await cli(f.root, "sync", "--force", "--allow-dirty");
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain("note: --allow-dirty: overwrote uncommitted changes in server-alpha/src/shared/config.py");
    expect(await f.read("server-alpha/src/shared/config.py")).toBe(await f.read("shared/config.py"));

    await f.write("server-beta/src/shared/config.py", "EDITED = 2\n");
    await git(f.root, "commit", "-q", "-am", "hand edit");
    const r = await cli(f.root, "sync", "--force");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("OVERWRITE server-beta/src/shared/config.py");
    expect(await f.read("server-beta/src/shared/config.py")).toBe(await f.read("shared/config.py"));
  });

  it("outside git there is nothing to check: --force works as before", async () => {
    const f = await makeFixture();
    made.push(f);
    await f.write("server-alpha/src/shared/config.py", "EDITED = 1\n");
    expect((await cli(f.root, "sync", "--force")).code).toBe(0);
  });
});
