// Issue 13 item 8: a variable added to shared/ is documented once, in shared/.env.example, and
// `sync` puts it into every .env.example (root and each server) as a managed block.
import * as fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkSharedEnv, ENV_BLOCK_BEGIN, ENV_BLOCK_END, mergeEnvBlock } from "../../src/monorepo/env-block.js";
import { runCli, tempDir } from "../helpers/cli.js";

const SHARED = "# shared\nLOG_LEVEL=INFO\nNEW=1\n";

describe("mergeEnvBlock", () => {
  it("replaces only the block, keeping every other byte (CRLF too)", () => {
    const before = `# mine\r\nA=1\r\n\r\n${ENV_BLOCK_BEGIN}\r\nLOG_LEVEL=DEBUG\r\n${ENV_BLOCK_END}\r\n\r\n# after\r\nB=2\r\n`;
    const r = mergeEnvBlock({ sharedText: SHARED, fileText: before, file: "x/.env.example", header: "" });
    expect(r.problems).toEqual([]);
    expect(r.text).toBe(`# mine\r\nA=1\r\n\r\n${ENV_BLOCK_BEGIN}\r\n# shared\r\nLOG_LEVEL=INFO\r\nNEW=1\r\n${ENV_BLOCK_END}\r\n\r\n# after\r\nB=2\r\n`);
    // Idempotent.
    expect(mergeEnvBlock({ sharedText: SHARED, fileText: r.text, file: "x", header: "" }).text).toBe(r.text);
  });

  it("appends the block to a file without one, and writes a missing file", () => {
    expect(mergeEnvBlock({ sharedText: SHARED, fileText: "A=1", file: "x", header: "" }).text).toBe(`A=1\n\n${ENV_BLOCK_BEGIN}\n# shared\nLOG_LEVEL=INFO\nNEW=1\n${ENV_BLOCK_END}\n`);
    expect(mergeEnvBlock({ sharedText: SHARED, fileText: null, file: "x", header: "server-a: its variables." }).text).toBe(
      `# server-a: its variables.\n# Copy to .env for local runs (never commit .env).\n\n${ENV_BLOCK_BEGIN}\n# shared\nLOG_LEVEL=INFO\nNEW=1\n${ENV_BLOCK_END}\n`,
    );
  });

  it("adopts the canonical lines where a file already has them verbatim (migrating a monorepo made before shared/.env.example)", () => {
    const old = "# header\n\n# --- shared ---\nLOG_LEVEL=INFO\nNEW=1\n\n# --- mine ---\nA=1\n";
    const r = mergeEnvBlock({ sharedText: "LOG_LEVEL=INFO\nNEW=1\n", fileText: old, file: "x", header: "" });
    expect(r.problems).toEqual([]);
    expect(r.text).toBe(`# header\n\n# --- shared ---\n${ENV_BLOCK_BEGIN}\nLOG_LEVEL=INFO\nNEW=1\n${ENV_BLOCK_END}\n\n# --- mine ---\nA=1\n`);
    // Not verbatim (a different value): no guessing, the duplicate is reported instead.
    expect(mergeEnvBlock({ sharedText: "LOG_LEVEL=DEBUG\nNEW=1\n", fileText: old, file: "x", header: "" }).text).toBeNull();
  });

  it("refuses a variable set both outside and inside the block, and broken markers", () => {
    const dup = mergeEnvBlock({ sharedText: SHARED, fileText: "export NEW=2\n", file: "server-a/.env.example", header: "" });
    expect(dup.text).toBeNull();
    expect(dup.problems).toEqual([
      { file: "server-a/.env.example", line: 1, message: "NEW is set here and in the shared settings block (from shared/.env.example:3); delete this line, or the variable from shared/.env.example" },
    ]);
    const broken = mergeEnvBlock({ sharedText: SHARED, fileText: `${ENV_BLOCK_END}\n${ENV_BLOCK_BEGIN}\n`, file: "f", header: "" });
    expect(broken.text).toBeNull();
    expect(broken.problems[0]!.message).toContain("block is broken");
  });

  it("checks the canonical file: NAME=value lines, no duplicates, no markers", () => {
    expect(checkSharedEnv("# ok\n\nA=1\nexport B=2\n")).toEqual([]);
    expect(checkSharedEnv("A=1\nnot a line\nA=2\n").map((p) => [p.line, p.message])).toEqual([
      [2, '"not a line" is not a NAME=value line (or a # comment)'],
      [3, "A is set twice (lines 1 and 3); keep one"],
    ]);
    expect(checkSharedEnv(`${ENV_BLOCK_BEGIN}\n`)[0]!.message).toContain("marker");
  });
});

describe("sync and the .env.example blocks of a created monorepo", () => {
  async function created(): Promise<string> {
    const parent = await tempDir("mcpm-env-");
    const r = await runCli(["demo", "--yes", "--no-git"], { cwd: parent });
    expect(r.code, r.stderr).toBe(0);
    return path.join(parent, "demo");
  }
  const ENV_FILES = [".env.example", "server-ops/.env.example", "server-customer/.env.example", "server-finance/.env.example"];

  it("one edit of shared/.env.example reaches all four .env.example files; check --strict agrees", async () => {
    const root = await created();
    const sync = (...a: string[]) => runCli(["sync", ...a, "--cwd", root], { cwd: root, env: { NO_COLOR: "1" } });
    // The new variable is read in shared/ and documented once.
    const config = path.join(root, "shared", "config.py");
    await fs.writeFile(config, (await fs.readFile(config, "utf8")).replace('    LOG_LEVEL: str = os.getenv("LOG_LEVEL", "INFO").upper()', '    LOG_LEVEL: str = os.getenv("LOG_LEVEL", "INFO").upper()\n    REGION: str = os.getenv("REGION", "eu-west-1")'));
    const lint = (env = { NO_COLOR: "1", PATH: process.env.PATH }) => runCli(["check", "--strict", "--cwd", root], { cwd: root, env });
    // Read but documented nowhere: check --strict says so for every server.
    expect((await sync()).code).toBe(0);
    const undocumented = await lint();
    expect(undocumented.code).toBe(1);
    expect(undocumented.stdout).toContain("REGION is read here but not documented in server-ops/.env.example");
    await fs.appendFile(path.join(root, "shared", ".env.example"), "# Region the shared client calls.\nREGION=eu-west-1\n");
    const before = Object.fromEntries(await Promise.all(ENV_FILES.map(async (f) => [f, await fs.readFile(path.join(root, f), "utf8")])));

    const check = await sync("--check");
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("sync --check failed: out of date: server-ops, server-customer, server-finance, .env.example");
    expect(check.stdout).not.toContain("src/shared/"); // only the .env.example blocks are stale
    expect(check.stdout).toContain("UPDATE    .env.example  (shared settings block)");

    const r = await sync();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const f of ENV_FILES) {
      const now = await fs.readFile(path.join(root, f), "utf8");
      expect(now, f).toContain("# Region the shared client calls.\nREGION=eu-west-1\n" + ENV_BLOCK_END);
      // Nothing else in the file moved: removing the two new lines gives the old text back.
      expect(now.replace("# Region the shared client calls.\nREGION=eu-west-1\n", ""), f).toBe(before[f]);
    }
    // shared/.env.example is merged, never vendored.
    await expect(fs.stat(path.join(root, "server-ops", "src", "shared", ".env.example"))).rejects.toThrow();
    expect((await sync("--check")).code).toBe(0);
    const clean = await lint();
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  }, 120_000);

  it("a hand edit inside a block is put back; a duplicate outside it blocks that server with file:line", async () => {
    const root = await created();
    const ops = path.join(root, "server-ops", ".env.example");
    const original = await fs.readFile(ops, "utf8");
    await fs.writeFile(ops, original.replace("LOG_LEVEL=INFO", "LOG_LEVEL=DEBUG"));
    const fixed = await runCli(["sync", "--cwd", root], { cwd: root, env: { NO_COLOR: "1" } });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain("UPDATE    server-ops/.env.example");
    expect(await fs.readFile(ops, "utf8")).toBe(original);

    await fs.appendFile(ops, "HTTP_TIMEOUT=5\n");
    await fs.appendFile(path.join(root, "shared", "config.py"), "# changed\n");
    const r = await runCli(["sync", "--cwd", root], { cwd: root, env: { NO_COLOR: "1" } });
    expect(r.code).toBe(1);
    const lines = (await fs.readFile(ops, "utf8")).split("\n");
    expect(r.stdout).toContain(
      `error: server-ops/.env.example:${lines.indexOf("HTTP_TIMEOUT=5") + 1}: HTTP_TIMEOUT is set here and in the shared settings block (from shared/.env.example:7); delete this line, or the variable from shared/.env.example`,
    );
    expect(r.stdout).toContain("server-ops: blocked (1 .env.example error); nothing of it is written");
    // The other servers were synced; ops kept its old vendored copy.
    expect(await fs.readFile(path.join(root, "server-customer/src/shared/config.py"), "utf8")).toContain("# changed");
    expect(await fs.readFile(path.join(root, "server-ops/src/shared/config.py"), "utf8")).not.toContain("# changed");
  }, 60_000);

  it("add-server writes the current shared block into the new server", async () => {
    const root = await created();
    await fs.appendFile(path.join(root, "shared", ".env.example"), "EXTRA=1\n");
    expect((await runCli(["sync", "--cwd", root], { cwd: root })).code).toBe(0);
    const r = await runCli(["add-server", "billing", "--yes", "--cwd", root], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(await fs.readFile(path.join(root, "server-billing", ".env.example"), "utf8")).toContain(`EXTRA=1\n${ENV_BLOCK_END}`);
    expect((await runCli(["sync", "--check", "--cwd", root], { cwd: root })).code).toBe(0);
  }, 60_000);
});
