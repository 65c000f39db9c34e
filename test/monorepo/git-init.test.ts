import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { initRepository } from "../../src/monorepo/git.js";

// `create --git` says which git step failed and why: a full disk is not "git was not found".
// A stand-in `git` on PATH fails the way git does when the disk is full.

let bin: string;
let repo: string;
const PATH = process.env.PATH;
beforeAll(async () => {
  bin = await mkdtemp(path.join(tmpdir(), "mcpm-git-bin-"));
  repo = await mkdtemp(path.join(tmpdir(), "mcpm-git-repo-"));
});
afterEach(() => {
  process.env.PATH = PATH;
});
afterAll(async () => Promise.all([bin, repo].map((d) => rm(d, { recursive: true, force: true }))));

const fakeGit = async (script: string) => {
  await writeFile(path.join(bin, "git"), `#!/bin/sh\n${script}\n`);
  await chmod(path.join(bin, "git"), 0o755);
  process.env.PATH = `${bin}${path.delimiter}${PATH}`;
};

describe("initRepository", () => {
  it("a git init that fails on a full disk is reported as such, with git's words", async () => {
    await fakeGit(`echo "fatal: could not write config file .git/config: No space left on device" >&2\nexit 128`);
    const r = await initRepository(repo, "init");
    expect(r.state).toBe("failed");
    expect(r.reason).toBe("git init: exit 128: fatal: could not write config file .git/config: No space left on device");
  });

  it("a failing commit names the commit step", async () => {
    await fakeGit(`[ "$1" = commit ] && { echo "fatal: unable to auto-detect email address" >&2; exit 128; }\nexit 0`);
    const r = await initRepository(repo, "init");
    expect(r).toEqual({ state: "initialized", reason: "git commit: exit 128: fatal: unable to auto-detect email address" });
  });

  it("no git on PATH is 'unavailable'", async () => {
    process.env.PATH = bin + "-missing";
    expect(await initRepository(repo, "init")).toEqual({ state: "unavailable" });
  });
});
