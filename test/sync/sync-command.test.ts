import * as fs from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SHARED_BLOCK_BEGIN, SHARED_BLOCK_END } from "../../src/monorepo/requirements.js";
import { LOCK_FILE } from "../../src/monorepo/vendor.js";
import { cli, makeFixture, statTree, type Fixture } from "./fixture.js";

const made: Fixture[] = [];
async function fixture(opts?: Parameters<typeof makeFixture>[0]) {
  const f = await makeFixture(opts);
  made.push(f);
  return f;
}
afterEach(async () => {
  for (const f of made.splice(0)) await fs.rm(f.root, { recursive: true, force: true });
});

describe("sync: no-op", () => {
  it("says already in sync and rewrites nothing (no mtime or inode changes)", async () => {
    const f = await fixture();
    const before = await statTree(f.root);
    await new Promise((r) => setTimeout(r, 20));
    const r = await cli(f.root, "sync");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout.trim()).toBe("already in sync");
    expect(await statTree(f.root)).toEqual(before);
    expect((await cli(f.root, "sync", "--check")).code).toBe(0);
  });

  it("finds the monorepo from a subfolder and with --cwd", async () => {
    const f = await fixture();
    expect((await cli(f.abs("server-alpha/src"), "sync")).stdout).toContain("already in sync");
    expect((await cli("/", "sync", "--cwd", f.root)).stdout).toContain("already in sync");
  });

  it("ignores __pycache__, *.pyc and .env files in vendored folders (Python writes them)", async () => {
    const f = await fixture();
    await f.write("server-alpha/src/shared/__pycache__/config.cpython-312.pyc", Buffer.from([0, 1, 2]));
    await f.write("server-alpha/src/shared/.env", "SECRET=1\n");
    await f.write("shared/__pycache__/config.cpython-312.pyc", Buffer.from([0, 1, 2]));
    await f.write("shared/.env", "SECRET=1\n");
    await f.write("shared/.DS_Store", "junk");
    const r = await cli(f.root, "sync", "--check");
    expect(r.stdout.trim()).toBe("already in sync");
    expect(r.code).toBe(0);
  });
});

describe("sync: canonical changes", () => {
  it("updates, adds and removes files in every server, then the lock, and --check goes green", async () => {
    const f = await fixture();
    await f.write("shared/config.py", "VALUE = 2\n");
    await f.write("shared/extra/new.py", "NEW = True\n");
    await fs.rm(f.abs("shared/util/text.py"));
    const check = await cli(f.root, "sync", "--check");
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("sync --check failed: out of date: server-alpha, server-beta");
    expect(check.stdout).toContain("UPDATE    server-alpha/src/shared/config.py");

    const r = await cli(f.root, "sync");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("CREATE    server-beta/src/shared/extra/new.py");
    expect(r.stdout).toContain("DELETE    server-beta/src/shared/util/text.py");
    expect(r.stdout).toContain(`UPDATE    ${LOCK_FILE}`);
    expect(r.stdout).toContain("synced: 5 files written, 2 deleted, 2 servers updated");
    for (const s of f.servers) {
      expect(await f.read(`server-${s}/src/shared/config.py`)).toBe("VALUE = 2\n");
      expect(await f.read(`server-${s}/src/shared/extra/new.py`)).toBe("NEW = True\n");
      await expect(fs.stat(f.abs(`server-${s}/src/shared/util/text.py`))).rejects.toThrow();
    }
    const lock = await f.lock();
    expect(Object.keys(lock.servers.alpha!.files)).toEqual(["__init__.py", "config.py", "extra/new.py", "util/__init__.py"]);
    expect((await cli(f.root, "sync", "--check")).code).toBe(0);
  });

  it("writes exactly the changed file per server plus the lock", async () => {
    const f = await fixture({ servers: ["alpha", "beta", "gamma"] });
    await f.write("shared/util/text.py", "def shout(s):\n    return s.upper() + '!'\n");
    const before = await statTree(f.root);
    const r = await cli(f.root, "sync", "--json");
    const json = JSON.parse(r.stdout);
    expect(json.written).toEqual(["server-alpha/src/shared/util/text.py", "server-beta/src/shared/util/text.py", "server-gamma/src/shared/util/text.py", LOCK_FILE]);
    const after = await statTree(f.root);
    const touched = [...after.keys()].filter((k) => after.get(k) !== before.get(k)).sort();
    expect(touched).toEqual([LOCK_FILE, "server-alpha/src/shared/util/text.py", "server-beta/src/shared/util/text.py", "server-gamma/src/shared/util/text.py"].sort());
  });

  it("--server syncs only the named servers and keeps the others' lock entries", async () => {
    const f = await fixture();
    const oldLock = await f.lock();
    await f.write("shared/config.py", "VALUE = 3\n");
    const r = await cli(f.root, "sync", "--server", "beta");
    expect(r.code).toBe(0);
    expect(await f.read("server-beta/src/shared/config.py")).toBe("VALUE = 3\n");
    expect(await f.read("server-alpha/src/shared/config.py")).not.toBe("VALUE = 3\n");
    expect((await f.lock()).servers.alpha).toEqual(oldLock.servers.alpha);
    expect((await cli(f.root, "sync", "--check", "--server", "beta")).code).toBe(0);
    expect((await cli(f.root, "sync", "--check")).code).toBe(1);
    const bad = await cli(f.root, "sync", "--server", "nope");
    expect(bad.code).toBe(2); // could not run, as in check and add-server
    expect(bad.stderr).toBe('error: unknown server "nope" (servers in mcp-monorepo.yaml: alpha, beta)\n');
  });

  it("-s is short for --server", async () => {
    const f = await fixture();
    await f.write("shared/config.py", "VALUE = 5\n");
    expect((await cli(f.root, "sync", "-s", "alpha", "--dry-run")).stdout).not.toContain("server-beta");
    expect((await cli(f.root, "sync", "-s", "alpha")).code).toBe(0);
    expect(await f.read("server-alpha/src/shared/config.py")).toBe("VALUE = 5\n");
    expect(await f.read("server-beta/src/shared/config.py")).not.toBe("VALUE = 5\n");
  });

  it("--dry-run prints the plan and writes nothing", async () => {
    const f = await fixture();
    await f.write("shared/config.py", "VALUE = 4\n");
    const before = await statTree(f.root);
    const r = await cli(f.root, "sync", "--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("UPDATE    server-alpha/src/shared/config.py");
    expect(r.stdout).toContain("nothing was written");
    expect(await statTree(f.root)).toEqual(before);
  });

  it("copies binary files byte-exact and keeps file modes", async () => {
    const f = await fixture();
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));
    await f.write("shared/data/blob.bin", bytes);
    await f.write("shared/tool.sh", "#!/bin/sh\necho hi\n");
    await fs.chmod(f.abs("shared/tool.sh"), 0o755);
    expect((await cli(f.root, "sync")).code).toBe(0);
    for (const s of f.servers) {
      expect((await fs.readFile(f.abs(`server-${s}/src/shared/data/blob.bin`))).equals(bytes)).toBe(true);
      expect((await fs.stat(f.abs(`server-${s}/src/shared/tool.sh`))).mode & 0o777).toBe(0o755);
    }
    await fs.chmod(f.abs("shared/tool.sh"), 0o644);
    const r = await cli(f.root, "sync");
    expect(r.stdout).toContain("UPDATE    server-alpha/src/shared/tool.sh");
    expect((await fs.stat(f.abs("server-alpha/src/shared/tool.sh"))).mode & 0o777).toBe(0o644);
  });

  it("refuses a symlink in shared/ that points outside it, with a clear error", async () => {
    const f = await fixture();
    await fs.symlink("../mcp-monorepo.yaml", f.abs("shared/outside.yaml"));
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: shared/outside.yaml is a symlink (or inside a symlinked folder) that points outside shared/; replace it with a real file\n");
  });

  it("vendors a symlink inside shared/ as a real file", async () => {
    const f = await fixture();
    await fs.symlink("config.py", f.abs("shared/alias.py"));
    expect((await cli(f.root, "sync")).code).toBe(0);
    const st = await fs.lstat(f.abs("server-alpha/src/shared/alias.py"));
    expect(st.isFile()).toBe(true);
    expect(await f.read("server-alpha/src/shared/alias.py")).toBe(await f.read("shared/config.py"));
  });
});

describe("sync: hand edits", () => {
  it("reports a conflict with a unified diff, exits 1, leaves the edited server untouched and syncs the others", async () => {
    const f = await fixture();
    await f.write("server-alpha/src/shared/config.py", "# hand edit\n");
    await f.write("shared/util/text.py", "def shout(s):\n    return s\n");
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("server-alpha: blocked (1 conflict); nothing of it is written");
    expect(r.stdout).toContain("CONFLICT  server-alpha/src/shared/config.py  (edited by hand since the last sync)");
    expect(r.stdout).toContain("--- server-alpha/src/shared/config.py\tvendored copy");
    expect(r.stdout).toContain("+++ shared/config.py\tcanonical");
    expect(r.stdout).toContain("    -# hand edit");
    expect(r.stdout).toContain("1 conflict left untouched: move the edits you keep into shared/, then run `npx create-mcp-monorepo sync --force`");
    expect(await f.read("server-alpha/src/shared/config.py")).toBe("# hand edit\n");
    expect(await f.read("server-alpha/src/shared/util/text.py")).not.toContain("return s\n");
    expect(await f.read("server-beta/src/shared/util/text.py")).toBe("def shout(s):\n    return s\n");
    // Still a conflict on the next run (the lock kept the old entry).
    expect((await cli(f.root, "sync")).code).toBe(1);
    expect((await cli(f.root, "sync", "--check")).code).toBe(1);
  });

  it("moving the edit into canonical resolves the conflict without --force", async () => {
    const f = await fixture();
    await f.write("server-alpha/src/shared/config.py", "# hand edit\n");
    expect((await cli(f.root, "sync")).code).toBe(1);
    await f.write("shared/config.py", "# hand edit\n");
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(0);
    expect(await f.read("server-beta/src/shared/config.py")).toBe("# hand edit\n");
    expect((await cli(f.root, "sync", "--check")).code).toBe(0);
  });

  // Issue 20: the conflict message said "run sync again", which blocks on the same conflict
  // unless shared/ matches the copy byte for byte; the way out it names now works as printed.
  it("the way out the conflict message names (edit kept in shared/, then sync --force) ends the conflict", async () => {
    const f = await fixture();
    await f.write("server-alpha/src/shared/config.py", "# hand edit\n");
    const first = await cli(f.root, "sync");
    expect(first.code).toBe(1);
    const said = /then run `npx create-mcp-monorepo (sync --force)`/.exec(first.stdout);
    expect(said, first.stdout).not.toBeNull();
    await f.write("shared/config.py", "# hand edit, kept and tidied in shared/\n");
    expect((await cli(f.root, "sync")).code).toBe(1); // plain sync still refuses: not byte-equal
    const r = await cli(f.root, ...said![1]!.split(" "));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await f.read("server-alpha/src/shared/config.py")).toBe("# hand edit, kept and tidied in shared/\n");
    expect((await cli(f.root, "sync", "--check")).code).toBe(0);
  });

  it("--force prints what it discards before overwriting", async () => {
    const f = await fixture();
    await f.write("server-alpha/src/shared/config.py", "# hand edit\n");
    const r = await cli(f.root, "sync", "--force");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("OVERWRITE server-alpha/src/shared/config.py  (edited by hand since the last sync; --force discards the edit below)");
    expect(r.stdout).toContain("    -# hand edit");
    expect(await f.read("server-alpha/src/shared/config.py")).toBe(await f.read("shared/config.py"));
    expect((await cli(f.root, "sync", "--check")).code).toBe(0);
  });

  it("a file removed from canonical but edited by hand is a conflict; --force removes it", async () => {
    const f = await fixture();
    await f.write("server-alpha/src/shared/util/text.py", "# mine\n");
    await fs.rm(f.abs("shared/util/text.py"));
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("removed from shared/ but edited by hand since the last sync");
    expect(r.stdout).toContain("+++ /dev/null");
    const forced = await cli(f.root, "sync", "--force");
    expect(forced.stdout).toContain("REMOVE    server-alpha/src/shared/util/text.py");
    await expect(fs.stat(f.abs("server-alpha/src/shared/util/text.py"))).rejects.toThrow();
  });

  it("reports unmanaged files and never touches them, not even with --force; --check fails on them", async () => {
    const f = await fixture();
    await f.write("server-beta/src/shared/notes.md", "mine\n");
    const r = await cli(f.root, "sync", "--force");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("UNMANAGED server-beta/src/shared/notes.md");
    expect(r.stdout).toContain("already in sync (1 unmanaged file left alone)");
    expect(await f.read("server-beta/src/shared/notes.md")).toBe("mine\n");
    const check = await cli(f.root, "sync", "--check");
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("1 unmanaged file");
  });

  it("a vendored file replaced by a symlink is a conflict, never followed", async () => {
    const f = await fixture();
    await fs.rm(f.abs("server-alpha/src/shared/config.py"));
    await fs.symlink("../../../shared/config.py", f.abs("server-alpha/src/shared/config.py"));
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("CONFLICT  server-alpha/src/shared/config.py  (replaced by a symlink by hand since the last sync)");
    expect((await fs.lstat(f.abs("server-alpha/src/shared/config.py"))).isSymbolicLink()).toBe(true);
    await cli(f.root, "sync", "--force");
    expect((await fs.lstat(f.abs("server-alpha/src/shared/config.py"))).isFile()).toBe(true);
  });

  it("a deleted lock converges without false conflicts; a lock naming a removed server is cleaned", async () => {
    const f = await fixture();
    await fs.rm(f.abs(LOCK_FILE));
    expect((await cli(f.root, "sync", "--check")).code).toBe(1);
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`CREATE    ${LOCK_FILE}`);
    expect(r.stdout).not.toContain("CONFLICT");
    expect((await cli(f.root, "sync", "--check")).code).toBe(0);
    const lock = await f.lock();
    lock.servers.removed = { files: {} };
    await fs.writeFile(f.abs(LOCK_FILE), JSON.stringify(lock));
    expect((await cli(f.root, "sync")).code).toBe(0);
    expect(Object.keys((await f.lock()).servers)).toEqual(["alpha", "beta"]);
  });

  it("a corrupt lock is a one-line error", async () => {
    const f = await fixture();
    await fs.writeFile(f.abs(LOCK_FILE), "{");
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: mcp-monorepo.lock.json is not valid JSON/);
  });

  it("cleans the temporary files a killed run left, and never reports them as user files", async () => {
    const f = await fixture();
    await f.write("server-alpha/src/shared/.config.py.mcpm-tmp-0123abcd", "half");
    await f.write("server-alpha/src/shared/util/.text.py.mcpm-bak-89abcdef", "old");
    await f.write(`.${LOCK_FILE}.mcpm-tmp-deadbeef`, "{");
    await f.write("server-alpha/.requirements.txt.mcpm-tmp-00000000", "x");
    const check = await cli(f.root, "sync", "--check");
    expect(check.code).toBe(1);
    expect(check.stdout).not.toContain("UNMANAGED");
    expect(check.stdout).toContain("4 leftover temporary files");
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("CLEANUP   server-alpha/src/shared/.config.py.mcpm-tmp-0123abcd");
    const names = (await fs.readdir(f.abs("server-alpha/src/shared"), { recursive: true })).map(String);
    expect(names.some((n) => n.includes(".mcpm-"))).toBe(false);
    expect((await cli(f.root, "sync", "--check")).code).toBe(0);
  });

  it("a missing server folder is a one-line error", async () => {
    const f = await fixture();
    await fs.rm(f.abs("server-beta"), { recursive: true });
    const r = await cli(f.root, "sync");
    expect(r.stderr).toBe('error: server-beta/ (server "beta" in mcp-monorepo.yaml) does not exist; restore it or remove the server from the manifest\n');
  });

  it("--check with --force is refused", async () => {
    const f = await fixture();
    expect((await cli(f.root, "sync", "--check", "--force")).stderr).toContain("error: --check and --force cannot be used together");
  });
});

describe("sync: requirements", () => {
  it("merges shared/requirements.txt into each server's managed block only", async () => {
    const f = await fixture();
    const before = await f.read("server-alpha/requirements.txt");
    await f.write("shared/requirements.txt", "httpx>=0.28\nanyio>=4\n");
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("UPDATE    server-alpha/requirements.txt");
    const after = await f.read("server-alpha/requirements.txt");
    expect(after).toBe(before.replace(`${SHARED_BLOCK_BEGIN}\nhttpx>=0.27\n${SHARED_BLOCK_END}`, `${SHARED_BLOCK_BEGIN}\nhttpx>=0.28\nanyio>=4\n${SHARED_BLOCK_END}`));
    expect(after).toContain("pydantic>=2");
    expect((await cli(f.root, "sync", "--check")).code).toBe(0);
  });

  it("a hand edit inside the managed block is replaced; --check catches it first", async () => {
    const f = await fixture();
    const text = await f.read("server-alpha/requirements.txt");
    await f.write("server-alpha/requirements.txt", text.replace("httpx>=0.27", "httpx>=0.1"));
    expect((await cli(f.root, "sync", "--check")).code).toBe(1);
    await cli(f.root, "sync");
    expect(await f.read("server-alpha/requirements.txt")).toBe(text);
  });

  it("the same package with different specifiers in shared and a server is an error naming both lines; that server is not written", async () => {
    const f = await fixture();
    const text = await f.read("server-alpha/requirements.txt");
    await f.write("server-alpha/requirements.txt", text + "httpx==0.20\n");
    await f.write("shared/config.py", "VALUE = 9\n");
    const r = await cli(f.root, "sync");
    expect(r.code).toBe(1);
    const lineNo = (text + "httpx==0.20\n").split("\n").indexOf("httpx==0.20") + 1;
    expect(r.stdout).toContain(`error: server-alpha/requirements.txt:${lineNo}: httpx has two different specifiers: "httpx>=0.27" in shared/requirements.txt:1 and "httpx==0.20" in server-alpha/requirements.txt:${lineNo}`);
    expect(await f.read("server-alpha/src/shared/config.py")).not.toBe("VALUE = 9\n");
    expect(await f.read("server-beta/src/shared/config.py")).toBe("VALUE = 9\n");
  });

  it("a non-PyPI line in shared/requirements.txt blocks every server, with file:line", async () => {
    const f = await fixture();
    await f.write("shared/requirements.txt", "httpx>=0.27\n-e ../lib\n");
    await f.write("shared/config.py", "VALUE = 10\n");
    const before = await statTree(f.root);
    const r = await cli(f.root, "sync", "--json");
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.requirementErrors[0]).toMatchObject({ server: null, file: "shared/requirements.txt", line: 2 });
    expect(json.servers.map((s: { status: string }) => s.status)).toEqual(["blocked", "blocked"]);
    expect(await statTree(f.root)).toEqual(before);
  });

  it("a non-PyPI line in a server's own requirements is reported with file:line", async () => {
    const f = await fixture();
    const text = await f.read("server-beta/requirements.txt");
    await f.write("server-beta/requirements.txt", text + "git+https://github.com/x/y.git\n");
    const r = await cli(f.root, "sync", "--check");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error: server-beta\/requirements\.txt:\d+: git\+https:\/\/github\.com\/x\/y\.git: VCS URL/);
  });
});

describe("sync --json", () => {
  it("prints one JSON document with the plan as data", async () => {
    const f = await fixture();
    await f.write("server-alpha/src/shared/config.py", "# edit\n");
    const r = await cli(f.root, "sync", "--check", "--json");
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ ok: false, exitCode: 1, mode: "check", inSync: false });
    expect(json.conflicts[0]).toMatchObject({ server: "alpha", path: "server-alpha/src/shared/config.py", canonical: "shared/config.py", forced: false });
    expect(json.conflicts[0].diff).toContain("-# edit");
    expect(path.isAbsolute(json.servers[0].folder)).toBe(false);
  });
});
