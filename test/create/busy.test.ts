// The busy marker keeps two writing commands (sync, add-server) from interleaving.
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquireBusy, BUSY_FILE } from "../../src/monorepo/busy.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { deadPid } from "../helpers/pid.js";

describe("busy marker", () => {
  it("refuses a second writer while a live process holds it, and releases on finish", async () => {
    const root = await tempDir("mcpm-busy-");
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      await fs.writeFile(path.join(root, BUSY_FILE), JSON.stringify({ pid: holder.pid, command: "sync" }));
      await expect(acquireBusy(root, "add-server")).rejects.toThrow(
        `sync (pid ${holder.pid}) is changing this monorepo; wait for it to finish, or delete ${BUSY_FILE} if no such process runs`,
      );
    } finally {
      holder.kill();
    }
  });

  it("takes over a marker left by a killed run", async () => {
    const root = await tempDir("mcpm-busy-");
    const dead = { pid: await deadPid() };
    await fs.writeFile(path.join(root, BUSY_FILE), JSON.stringify({ pid: dead.pid, command: "sync" }));
    const release = await acquireBusy(root, "sync");
    expect(JSON.parse(await fs.readFile(path.join(root, BUSY_FILE), "utf8")).pid).toBe(process.pid);
    await release();
    await expect(fs.stat(path.join(root, BUSY_FILE))).rejects.toThrow();
  });

  it("add-server refuses with one line while the monorepo is busy, writing nothing", async () => {
    const parent = await tempDir("mcpm-busy-");
    expect((await runCli(["demo", "--yes", "--no-git"], { cwd: parent })).code).toBe(0);
    const root = path.join(parent, "demo");
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      await fs.writeFile(path.join(root, BUSY_FILE), JSON.stringify({ pid: holder.pid, command: "sync" }));
      const res = await runCli(["add-server", "billing", "--yes"], { cwd: root });
      expect(res.code).toBe(1);
      expect(res.stderr).toBe(`error: sync (pid ${holder.pid}) is changing this monorepo; wait for it to finish, or delete ${BUSY_FILE} if no such process runs\n`);
      await expect(fs.stat(path.join(root, "server-billing"))).rejects.toThrow();
    } finally {
      holder.kill();
    }
  });
});
