import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PYTHON, REPO_ROOT } from "../helpers/python.js";
import { FIXTURES } from "./helpers.js";

// The built CLI (bin shim → the dist/ bundle), as users run it: finds python/mcpm_check/ and
// schemas/fastmcp-config-v1.schema.json from the package root, and exits with check's codes.
// dist/ is built by `pnpm test`'s pretest step; without it these tests are skipped.

const execFileP = promisify(execFile);
const BIN = path.join(REPO_ROOT, "bin", "create-mcp-monorepo.js");
const built = existsSync(path.join(REPO_ROOT, "dist", "cli.js"));

async function bin(args: string[], env: NodeJS.ProcessEnv = { ...process.env, MCPM_PYTHON: PYTHON }): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP(process.execPath, [BIN, ...args], { env, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe.skipIf(!built)("the built check command", () => {
  it("exits 0, 1 and 2 as documented", async () => {
    expect((await bin(["check", "--cwd", path.join(FIXTURES, "server-object", "pass")])).code).toBe(0);
    const failing = await bin(["check", "--json", "--cwd", path.join(FIXTURES, "fastmcp-json", "fail")]);
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout).findings.some((f: { rule: string }) => f.rule === "fastmcp-json")).toBe(true);
    const cannot = await bin(["check", "--cwd", path.join(FIXTURES, "server-object", "pass")], { PATH: "/nonexistent-bin" });
    expect(cannot.code).toBe(2);
    expect(cannot.stderr).toContain("needs Python 3.10+");
  });
});
