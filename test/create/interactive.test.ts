// Drives the real @clack/prompts flow through injected streams (STYLE.md §6).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENTER, DOWN, CTRL_C, terminal } from "../helpers/terminal.js";
import { run } from "../../src/cli.js";
import { listTree, tempDir } from "../helpers/cli.js";


describe("interactive create (real clack prompts)", () => {
  it("creates a two-server monorepo and prints the one-shot command and next steps", async () => {
    const cwd = await tempDir("mcpm-tty-");
    const t = terminal(cwd);
    const done = run([], t.ctx);
    await t.answer("Where should the monorepo go?", [..."team-servers", ENTER]);
    await t.answer("Name of the first server", [..."billing", ENTER]);
    await t.answer("One-line description of billing", [..."Invoices \"and\" refunds", ENTER]);
    await t.answer("Add another server?", [ENTER]); // default yes for the first
    await t.answer("Name of the next server", [..."support-desk", ENTER]);
    await t.answer("One-line description of support-desk", [ENTER]); // take the default
    await t.answer("Add another server?", [ENTER]); // default no after two
    await t.answer("Python version", [DOWN, ENTER]); // 3.12 → 3.13
    await t.answer("Deployment targets", [DOWN, " ", ENTER]); // FastMCP Cloud (preselected) + Docker
    await t.answer("Initialize a git repository?", ["n", ENTER]);
    const code = await done;
    expect(code, t.screen()).toBe(0);

    const root = path.join(cwd, "team-servers");
    const tree = await listTree(root);
    expect(tree).toContain("server-billing/src/server.py");
    expect(tree).toContain("server-support-desk/src/server.py");
    expect(tree).not.toContain(".git");
    expect(tree).toContain("server-billing/Dockerfile");
    expect(tree).not.toContain("server-billing/k8s.yaml");
    const manifest = await readFile(path.join(root, "mcp-monorepo.yaml"), "utf8");
    expect(manifest).toContain('python: "3.13"');
    expect(manifest).toContain("description: Invoices \"and\" refunds");
    expect(manifest).toContain("description: Support Desk MCP server.");
    expect(t.screen()).toContain("npm create mcp-monorepo@latest team-servers -- --server 'billing=Invoices \"and\" refunds' --server 'support-desk=Support Desk MCP server.' --python 3.13 --no-git --target fastmcp-cloud --target docker");
    expect(manifest).toContain("targets:\n  - fastmcp-cloud\n  - docker\n");
    expect(t.screen()).toContain("Python 3.13 is newer than FastMCP Cloud's base image");
    expect(t.screen()).toContain("cd team-servers");
  });

  it("rejects an invalid server name at the prompt and accepts a corrected one", async () => {
    const cwd = await tempDir("mcpm-tty-");
    const t = terminal(cwd);
    const done = run(["fixed", "--python", "3.12", "--no-git"], t.ctx);
    await t.answer("Name of the first server", [..."mcp", ENTER]);
    await t.answer('would shadow the Python module "mcp"', ["\x7f", "\x7f", "\x7f", ..."ops", ENTER]);
    await t.answer("One-line description of ops", [ENTER]);
    await t.answer("Add another server?", [DOWN, "n", ENTER]);
    await t.answer("Deployment targets", [ENTER]);
    expect(await done, t.screen()).toBe(0);
    expect(await listTree(path.join(cwd, "fixed"))).toContain("server-ops/src/server.py");
  });

  it("Ctrl-C at a prompt cancels, writes nothing and exits non-zero", async () => {
    const cwd = await tempDir("mcpm-tty-");
    const t = terminal(cwd);
    const done = run([], t.ctx);
    await t.answer("Where should the monorepo go?", [..."half-done", ENTER]);
    await t.answer("Name of the first server", [..."ops", ENTER]);
    await t.answer("One-line description of ops", [CTRL_C]);
    const code = await done;
    expect(code).toBe(130);
    expect(t.screen()).toContain("Cancelled, nothing was written.");
    expect(await listTree(cwd)).toEqual([]);
  });
});
