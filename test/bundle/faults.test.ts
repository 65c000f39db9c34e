// Faults of `bundle`, with real tools: the CLI process interrupted with SIGINT while it installs,
// a manifest folder that does not exist, an index that refuses connections (uv and pip), a full
// disk (/dev/full), a file that vanishes while the zip is written. Each is one line, and nothing is
// left behind.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReproducibleZip } from "../../src/bundle/zip.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { REPO_ROOT, VENV_BIN } from "../helpers/python.js";

let work: string;
let root: string;
/** A refused index: nothing listens on port 9 (discard) of the loopback here. */
const REFUSED = "http://127.0.0.1:9/simple";
const BIN = path.join(REPO_ROOT, "bin", "create-mcp-monorepo.js");

beforeAll(async () => {
  work = await tempDir("mcpm-faults-");
  const created = await runCli(["demo", "--server", "ops=Ops tools", "--python", "3.11", "--target", "mcpb", "--no-git"], { cwd: work });
  expect(created.code, created.stderr).toBe(0);
  root = path.join(work, "demo");
}, 120_000);

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

/** Output folder holds nothing (no bundle, no staging folder). */
async function empty(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => []);
}

describe("bundle faults", () => {
  it("a manifest folder that does not exist: one line naming it", async () => {
    const manifest = path.join(root, "mcp-monorepo.yaml");
    const text = await fs.readFile(manifest, "utf8");
    await fs.writeFile(manifest, text.replace("folder: server-ops", "folder: server-gone"));
    try {
      const r = await runCli(["bundle", "--out", "out-gone"], { cwd: root });
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: .*server-gone.*(does not exist|missing)/);
      expect(r.stderr).not.toMatch(/unexpected error|ENOENT/);
      expect(await empty(path.join(root, "out-gone"))).toEqual([]);
    } finally {
      await fs.writeFile(manifest, text);
    }
  });

  it.each([
    ["uv", { MCPM_UV: path.join(VENV_BIN, "uv"), UV_DEFAULT_INDEX: REFUSED, UV_NO_CACHE: "1" }],
    ["pip", { PIP_INDEX_URL: REFUSED, PIP_RETRIES: "0", PIP_NO_CACHE_DIR: "1", PIP_FIND_LINKS: "" }],
  ] as const)("a refused index (%s): one line saying the index is unreachable, nothing left", async (installer, env) => {
    const r = await runCli(["bundle", "--out", `out-${installer}`, "--installer", installer, "--no-verify"], { cwd: root, env: { ...process.env, ...env } });
    expect(r.code).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^error: ${installer} could not install server-ops/requirements.txt .*: the index is unreachable`));
    expect(await empty(path.join(root, `out-${installer}`))).toEqual([]);
  }, 180_000);

  it("SIGINT while the dependencies install: exit 130, no bundle, no staging folder", async () => {
    const out = path.join(root, "out-int");
    const child = spawn(process.execPath, [BIN, "bundle", "--out", out, "--installer", "pip"], { cwd: root, env: { ...process.env, PIP_NO_CACHE_DIR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    // Wait until the build is under way: its staging folder exists.
    const deadline = Date.now() + 120_000;
    while (!(await empty(out)).some((n) => n.includes(".mcpm-staging-")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await empty(out)).some((n) => n.includes(".mcpm-staging-")), stderr).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/Cancelled/);
    expect(await empty(out)).toEqual([]);
    expect(existsSync(out)).toBe(false);
  }, 180_000);

  it("a full disk while the zip is written: one line 'no space left on', no crash", async () => {
    if (!existsSync("/dev/full")) return;
    const err = await writeReproducibleZip([{ name: "a", data: Buffer.alloc(1 << 20, 1) }], "/dev/full").catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("UserError");
    expect((err as Error).message).toMatch(/^no space left on \//);
  });

  it("a file that vanishes while the zip is written: yazl's error becomes one line, no crash", async () => {
    const dir = await tempDir("mcpm-zip-gone-");
    const err = await writeReproducibleZip([{ name: "gone.txt", file: path.join(dir, "gone.txt") }], path.join(dir, "out.zip")).catch((e: Error) => e);
    expect((err as Error).name).toBe("UserError");
    expect((err as Error).message).toMatch(/^cannot write the bundle out\.zip: ENOENT/);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
