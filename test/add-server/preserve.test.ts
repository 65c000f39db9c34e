// Issue 3: hand edits outside the generated parts survive add-server byte for byte.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMonorepo } from "../../src/scaffold/create.js";
import { TABLE_END, TABLE_START } from "../../src/scaffold/readme.js";
import { hashTree, tempDir } from "../helpers/cli.js";
import { addServerCli, makeMonorepo, read, write } from "./fixture.js";

/** Splits a README around its marked table. */
function aroundTable(text: string): { before: string; table: string; after: string } {
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END) + TABLE_END.length;
  return { before: text.slice(0, start), table: text.slice(start, end), after: text.slice(end) };
}

describe("add-server keeps hand edits", () => {
  it("README: prose added above and below the table is kept byte for byte; only the table changes", async () => {
    const root = await makeMonorepo();
    const original = aroundTable(await read(root, "README.md"));
    const above = original.before.replace("## Deployment\n", "## Deployment\n\n> **Note** our *own* words | with a pipe\r\nand a CRLF line, `code`, trailing spaces   \n");
    const below = "\n\nMore prose right after the table.\n\n<!-- a comment of ours -->\n" + original.after + "\n## Appendix\n\nLast line without newline";
    await write(root, "README.md", above + original.table + below);

    const r = await addServerCli(root, "billing", "--description", "Billing | refunds");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const after = aroundTable(await read(root, "README.md"));
    expect(after.before).toBe(above);
    expect(after.after).toBe(below);
    expect(after.table).toContain("| **billing** | Billing \\| refunds | `example/demo` | `main` | `server-billing/src/server.py:mcp` | `server-billing/requirements.txt` | 3.12 | streamable HTTP (`/mcp`) |");
    expect(after.table.split("\n").filter((l) => l.startsWith("| **"))).toHaveLength(4);
  });

  it("README without markers: a fresh marked table is appended at the end, the output says so, and the text above is untouched", async () => {
    const root = await makeMonorepo();
    const { before, after } = aroundTable(await read(root, "README.md"));
    const prose = before + "(we removed the generated table)" + after;
    await write(root, "README.md", prose);
    const planned = await addServerCli(root, "billing", "--dry-run");
    expect(planned.stderr).toBe("note: README.md had no Deployment table markers, so a fresh marked table would be appended at its end (the rest of README.md is unchanged)\n");
    expect(await read(root, "README.md")).toBe(prose);
    const r = await addServerCli(root, "billing");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: README.md had no Deployment table markers, so a fresh marked table was appended at its end");
    const text = await read(root, "README.md");
    expect(text.startsWith(prose)).toBe(true);
    const tail = text.slice(prose.length);
    expect(tail.startsWith("\n## Deployment\n\n" + TABLE_START)).toBe(true);
    expect(tail.endsWith(TABLE_END + "\n")).toBe(true);
    for (const name of ["ops", "customer", "finance", "billing"]) expect(tail).toContain(`**${name}**`);

    const dry = await addServerCli(root, "payments", "--dry-run");
    expect(dry.stderr).toBe("");
  });

  it("manifest: comments, blank lines, odd spacing and quoting are kept byte for byte; the entry is appended to servers", async () => {
    const root = await makeMonorepo(["ops", "customer"]);
    const generated = await read(root, "mcp-monorepo.yaml");
    const edited = generated
      .replace("formatVersion: 1", "formatVersion: 1    # do not bump by hand")
      .replace("branch: main", "# We deploy from main.\nbranch: 'main'")
      .replace("  - name: customer", "\n  # Customer team owns this one.\n  - name: customer   # since 2025")
      .replace("shared: shared", "shared: shared  # canonical package") + "# end of file comment\n";
    await write(root, "mcp-monorepo.yaml", edited);
    const r = await addServerCli(root, "billing", "--description", "Billing: invoices # not a comment");
    expect(r.code, r.stderr).toBe(0);
    const text = await read(root, "mcp-monorepo.yaml");
    const lastEntryEnd = edited.indexOf("    transport: http\n", edited.indexOf("name: customer")) + "    transport: http\n".length;
    const inserted = [
      "  - name: billing",
      '    description: "Billing: invoices # not a comment"',
      "    folder: server-billing",
      "    entrypoint: server-billing/src/server.py:mcp",
      "    requirements: server-billing/requirements.txt",
      "    transport: http",
      "",
    ].join("\n");
    expect(text).toBe(edited.slice(0, lastEntryEnd) + inserted + edited.slice(lastEntryEnd));
  });

  it("manifest written by hand in another layout (unindented items, folded description, keys after servers)", async () => {
    const root = await makeMonorepo(["ops"]);
    const hand = [
      "# hand-written",
      "formatVersion: 1",
      "project: demo",
      "python: '3.12'",
      "repository: example/demo",
      "branch: main",
      "servers:",
      "- name: ops   # first",
      "  description: >-",
      "    Operations",
      "    tools.",
      "  folder: server-ops",
      "  entrypoint: server-ops/src/server.py:mcp",
      "  requirements: server-ops/requirements.txt",
      "",
      "targets: [fastmcp-cloud]   # flow style stays",
      "shared: shared",
    ].join("\n");
    await write(root, "mcp-monorepo.yaml", hand);
    const r = await addServerCli(root, "billing");
    expect(r.code, r.stderr).toBe(0);
    const text = await read(root, "mcp-monorepo.yaml");
    const at = hand.indexOf("\n\ntargets") + 1;
    expect(text).toBe(
      hand.slice(0, at) +
        "- name: billing\n  description: Billing MCP server.\n  folder: server-billing\n  entrypoint: server-billing/src/server.py:mcp\n  requirements: server-billing/requirements.txt\n  transport: http\n" +
        hand.slice(at),
    );
  });

  it("root .env.example: the new section is appended and the rest is untouched (even a file without a final newline)", async () => {
    const root = await makeMonorepo();
    const env = (await read(root, ".env.example")) + "\n# our own\nMY_TOKEN=required";
    await write(root, ".env.example", env);
    const r = await addServerCli(root, "billing", "--description", "Billing\nmulti-line");
    expect(r.code, r.stderr).toBe(0);
    expect(await read(root, ".env.example")).toBe(env + "\n\n# --- server-billing: Billing multi-line ---\n# Greeting used by the hello tool.\nBILLING_GREETING=Hello\n");
  });

  it("files add-server does not own are never touched (hash of every other file unchanged)", async () => {
    const root = await makeMonorepo();
    const before = await hashTree(root);
    const r = await addServerCli(root, "billing");
    expect(r.code, r.stderr).toBe(0);
    const after = await hashTree(root);
    const changed = Object.keys(after).filter((p) => after[p] !== before[p]);
    const touched = changed.filter((p) => !p.startsWith("server-billing/")).sort();
    expect(touched).toEqual([".env.example", "README.md", "mcp-monorepo.lock.json", "mcp-monorepo.yaml"]);
    expect(Object.keys(before).filter((p) => !(p in after))).toEqual([]);
  });

  it("produces the same server folder, manifest, lock and .env.example as create would have with the server from the start", async () => {
    const root = await makeMonorepo(["ops", "customer", "finance"]);
    expect((await addServerCli(root, "billing", "--description", "billing tools.")).code).toBe(0);
    const parent = await tempDir("mcpm-add-ref-");
    const ref = path.join(parent, "demo");
    await createMonorepo({
      targetDir: ref,
      project: "demo",
      servers: ["ops", "customer", "finance", "billing"].map((name) => ({ name, description: `${name} tools.` })),
      python: "3.12",
      git: false,
      repository: "example/demo",
      branch: "main",
      targets: ["fastmcp-cloud"],
    });
    const mine = await hashTree(path.join(root, "server-billing"));
    expect(mine).toEqual(await hashTree(path.join(ref, "server-billing")));
    for (const f of ["mcp-monorepo.yaml", "mcp-monorepo.lock.json", ".env.example"]) expect(await read(root, f), f).toBe(await read(ref, f));
    expect(aroundTable(await read(root, "README.md")).table).toBe(aroundTable(await read(ref, "README.md")).table);
  });
});
