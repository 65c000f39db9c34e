import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CannotRunError, fsUserError } from "../../src/kernel/errors.js";
import { readTextOrNull } from "../../src/kernel/fs.js";
import { LOCK_FILE, readLock } from "../../src/monorepo/vendor.js";

// A folder where a file belongs: the message names it (Node's EISDIR carries no path).

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe("a folder where a file belongs", () => {
  it("the lock: could not run, naming the lock file", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "mcpm-lockdir-"));
    dirs.push(root);
    await mkdir(path.join(root, LOCK_FILE));
    await expect(readLock(root)).rejects.toThrow(new CannotRunError(`${LOCK_FILE} is a folder, not a file: move it away (sync writes the lock again)`));
  });

  it("any text file read through the kernel: the one-line message names it", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "mcpm-textdir-"));
    dirs.push(root);
    await mkdir(path.join(root, "requirements.txt"));
    const err = await readTextOrNull(path.join(root, "requirements.txt")).catch((e: unknown) => e);
    expect(fsUserError(err, root)?.message).toBe("cannot read requirements.txt: is a folder, not a file (EISDIR)");
  });
});
