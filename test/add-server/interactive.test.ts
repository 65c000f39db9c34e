// Drives the real @clack/prompts of add-server through injected streams (STYLE.md §6).
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENTER, CTRL_C, BACKSPACE, terminal } from "../helpers/terminal.js";
import { run } from "../../src/cli.js";
import { makeMonorepo, read, snapshot } from "./fixture.js";


describe("interactive add-server (real clack prompts)", () => {
  it("asks for the name (rejecting one already used) and the description, then adds the server", async () => {
    const root = await makeMonorepo();
    const t = terminal(path.join(root, "server-ops"));
    const done = run(["add-server"], t.ctx);
    await t.answer("Name of the new server", [..."ops", ENTER]);
    await t.answer('server name "ops" is already used', [BACKSPACE, BACKSPACE, BACKSPACE, ..."billing", ENTER]);
    await t.answer("One-line description of billing", [..."Invoices and refunds", ENTER]);
    const code = await done;
    expect(code, t.screen()).toBe(0);
    expect(t.screen()).toContain("add-server to demo");
    expect(t.screen()).toContain("Next steps:");
    expect(t.screen()).toContain("cd ../server-billing");
    expect(await read(root, "mcp-monorepo.yaml")).toContain("  - name: billing\n    description: Invoices and refunds\n");
    expect(await read(root, "server-billing/src/server.py")).toContain('SERVER_DESCRIPTION = "Invoices and refunds"');
  });

  it("the name prompt also rejects an unlisted server-<name>/ folder on disk and a deleted server's name", async () => {
    const root = await makeMonorepo();
    await mkdir(path.join(root, "server-billing"));
    await rm(path.join(root, "server-finance"), { recursive: true });
    const t = terminal(root);
    const done = run(["add-server", "--description", "Payments"], t.ctx);
    await t.answer("Name of the new server", [..."billing", ENTER]);
    await t.answer("server-billing/ already exists but is not listed", [...Array(7).fill(BACKSPACE), ..."finance", ENTER]);
    await t.answer('server "finance" is still listed in mcp-monorepo.yaml', [...Array(7).fill(BACKSPACE), ..."payments", ENTER]);
    expect(await done, t.screen()).toBe(0);
    expect(t.screen()).not.toContain("One-line description");
    expect(await read(root, "mcp-monorepo.yaml")).toContain("  - name: payments\n    description: Payments\n");
    // Warnings are shown inside the clack frame (issue 13 item 7), not as loose stderr lines.
    expect(t.screen()).toMatch(/│\n▲  server "finance" is listed in mcp-monorepo\.yaml but server-finance\/ is missing/);
  });

  it("with the name on the command line, asks only for the description (Enter takes the default)", async () => {
    const root = await makeMonorepo();
    const t = terminal(root);
    const done = run(["add-server", "support-desk"], t.ctx);
    await t.answer("One-line description of support-desk", [ENTER]);
    expect(await done, t.screen()).toBe(0);
    expect(t.screen()).not.toContain("Name of the new server");
    expect(await read(root, "mcp-monorepo.yaml")).toContain("description: Support Desk MCP server.");
  });

  it("Ctrl-C at a prompt exits 130 having written nothing", async () => {
    const root = await makeMonorepo();
    const before = await snapshot(root);
    const t = terminal(root);
    const done = run(["add-server"], t.ctx);
    await t.answer("Name of the new server", [..."bil", CTRL_C]);
    expect(await done).toBe(130);
    expect(t.screen()).toContain("Cancelled, nothing was written.");
    expect(await snapshot(root)).toEqual(before);
  });

  it("--yes never prompts", async () => {
    const root = await makeMonorepo();
    const t = terminal(root);
    expect(await run(["add-server", "billing", "--yes"], t.ctx), t.screen()).toBe(0);
    expect(t.screen()).not.toContain("One-line description");
    expect(await read(root, "mcp-monorepo.yaml")).toContain("description: Billing MCP server.");
  });
});
