// Issue 20: a shared file written with CRLF, synced (vendored byte for byte) and committed under the
// generated .gitattributes (`* text=auto eol=lf`: git stores and checks out LF) made every fresh
// clone fail `sync --check` (the lock held the CRLF bytes' hashes). Hashes now compare text with
// line endings as that checkout leaves them. Real git, real clone.
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";

const execFileP = promisify(execFile);
const git = (cwd: string, ...args: string[]) =>
  execFileP("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", "-c", "core.autocrlf=false", ...args], { cwd });
const cli = (cwd: string, ...argv: string[]) => runCli(argv, { cwd, env: { ...process.env, NO_COLOR: "1" } });

describe("a CRLF shared file, synced and committed under eol=lf", () => {
  it("a fresh git clone passes sync --check and check's shared-drift", async () => {
    const parent = await tempDir("mcpm-crlf-");
    expect((await cli(parent, "repo", "--server", "ops", "--server", "billing", "--no-git")).code).toBe(0);
    const root = path.join(parent, "repo");
    await fs.writeFile(path.join(root, "shared", "crlf_helper.py"), '"""Written on Windows."""\r\n\r\nVALUE = 1\r\n');
    const synced = await cli(root, "sync");
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);
    // Vendored byte for byte, CRLF included.
    expect(await fs.readFile(path.join(root, "server-ops", "src", "shared", "crlf_helper.py"), "utf8")).toContain("\r\n");
    expect((await cli(root, "sync", "--check")).code).toBe(0);
    await git(root, "init", "-q");
    await git(root, "add", "-A");
    await git(root, "commit", "-q", "-m", "initial");

    const clone = path.join(parent, "clone");
    await git(parent, "clone", "-q", root, clone);
    // The clone has LF everywhere (what git stored), as every fresh clone will.
    expect(await fs.readFile(path.join(clone, "server-ops", "src", "shared", "crlf_helper.py"), "utf8")).toBe('"""Written on Windows."""\n\nVALUE = 1\n');
    const check = await cli(clone, "sync", "--check");
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const drift = await cli(clone, "check", "--json", "--offline");
    const findings = (JSON.parse(drift.stdout) as { findings: Array<{ rule: string }> }).findings;
    expect(findings.filter((f) => f.rule === "shared-drift")).toEqual([]);
    // And the original tree (still CRLF on disk) agrees with its lock as well.
    expect((await cli(root, "sync", "--check")).code).toBe(0);
  });

  it("a real edit is still drift: only line endings are normalised", async () => {
    const parent = await tempDir("mcpm-crlf-");
    expect((await cli(parent, "repo", "--server", "ops", "--no-git")).code).toBe(0);
    const root = path.join(parent, "repo");
    await fs.writeFile(path.join(root, "shared", "crlf_helper.py"), "VALUE = 1\r\n");
    expect((await cli(root, "sync")).code).toBe(0);
    await fs.writeFile(path.join(root, "server-ops", "src", "shared", "crlf_helper.py"), "VALUE = 2\n");
    expect((await cli(root, "sync", "--check")).code).toBe(1);
  });
});
