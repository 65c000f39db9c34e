// The command surface: --help, and the built bin shim (as `npx create-mcp-monorepo add-server` runs it).
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/python.js";
import { addServerCli, makeMonorepo, read } from "./fixture.js";

const execFileP = promisify(execFile);

describe("add-server command surface", () => {
  it("--help lists the argument and every option", async () => {
    const root = await makeMonorepo();
    const r = await addServerCli(root, "--help");
    expect(r.code).toBe(0);
    for (const s of ["add-server [options] [name]", "--description <text>", "--cwd <dir>", "--yes", "--dry-run", "--allow-dirty", "Examples:"]) {
      expect(r.stdout).toContain(s);
    }
  });

  it("an unknown option is a one-line usage error, exit 1", async () => {
    const root = await makeMonorepo();
    const r = await addServerCli(root, "billing", "--nope");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown option '--nope'");
  });

  it("options before or after the name, -d short form, --cwd relative to where it runs", async () => {
    const root = await makeMonorepo();
    const r = await addServerCli(path.dirname(root), "-d", "Short form", "--cwd", path.basename(root), "billing");
    expect(r.code, r.stderr).toBe(0);
    expect(await read(root, "mcp-monorepo.yaml")).toContain("description: Short form");
    expect(r.stdout).toContain("CREATE    demo/server-billing/src/server.py");
  });

  it("runs through the built bin shim", async () => {
    const root = await makeMonorepo();
    const { stdout } = await execFileP(process.execPath, [path.join(REPO_ROOT, "bin", "create-mcp-monorepo.js"), "add-server", "billing", "--description", "Billing"], {
      cwd: root,
      env: { ...process.env, CI: "true", NO_COLOR: "1" },
    });
    expect(stdout).toContain('Added server "billing" in server-billing/: created 14 files, updated 4.');
    expect(await read(root, "README.md")).toContain("`server-billing/src/server.py:mcp`");
  });
});
