// Unit tests of the pure pieces create, add-server and sync share.
import * as fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { markdownInline, pyDocText, pyString, yamlScalar } from "../../src/kernel/escape.js";
import { validateServerName, validateServerNames } from "../../src/monorepo/names.js";
import { applyChanges, diffAgainstDisk, formatPlan, isTransientName, writeTreeAtomically } from "../../src/monorepo/changes.js";
import { replaceDeploymentTable, TABLE_END, TABLE_START } from "../../src/scaffold/readme.js";
import { findNonPypiLines } from "../../src/monorepo/requirements.js";
import { hashTree, listTree, tempDir } from "../helpers/cli.js";
import { runTool } from "../helpers/python.js";
import type { Manifest } from "../../src/monorepo/manifest.js";

describe("escaping", () => {
  const samples = ['plain', 'q"uote', "tri\"\"\"ple", "back\\slash\\", "new\nline\r\n", "nul\u0000bell\u0007", "astral 🚀", "ends with \"", "\u2028sep"];

  it("pyString and pyDocText produce Python that holds the exact text (checked by Python)", async () => {
    const src = samples.map((s, i) => `s${i} = ${pyString(s)}\ndef f${i}():\n    """${pyDocText(s)}"""\n`).join("");
    const dir = await tempDir("mcpm-esc-");
    await fs.writeFile(path.join(dir, "m.py"), src, "utf8");
    const { stdout } = await runTool("python", ["-c", "import json, m; print(json.dumps([[getattr(m, f's{i}'), getattr(m, f'f{i}').__doc__] for i in range(" + samples.length + ")]))"], dir);
    const got = JSON.parse(stdout) as Array<[string, string]>;
    got.forEach(([lit, doc], i) => {
      expect(lit).toBe(samples[i]);
      // Docstrings normalise \r\n to \n; everything else survives.
      expect(doc).toBe(samples[i]!.replace(/\r\n?/g, "\n"));
    });
  });

  it("markdownInline keeps one line and escapes HTML and table pipes", () => {
    expect(markdownInline("a | b\n<i>x</i> *y*")).toBe("a \\| b \\<i\\>x\\</i\\> \\*y\\*");
  });

  it("yamlScalar quotes what YAML would misread", () => {
    expect(yamlScalar("true")).toBe('"true"');
    expect(yamlScalar("3.12")).toBe('"3.12"');
    expect(yamlScalar("a: b")).toBe('"a: b"');
    expect(yamlScalar("plain")).toBe("plain");
  });
});

describe("server names", () => {
  it("accepts the seed's names and hyphenated ones", () => {
    for (const n of ["ops", "customer", "finance", "support-desk", "a1"]) expect(validateServerName(n)).toBe(true);
  });
  it("refuses names that clash with existing servers by identifier", () => {
    expect(validateServerNames(["ops"], ["ops"])).toBe('server name "ops" is already used');
  });
});

describe("plan and transactional apply", () => {
  it("classifies create, update and unchanged, and does not rewrite unchanged files", async () => {
    const root = await tempDir("mcpm-plan-");
    await fs.writeFile(path.join(root, "same.txt"), "same");
    await fs.writeFile(path.join(root, "old.txt"), "old");
    const before = (await fs.stat(path.join(root, "same.txt"))).mtimeMs;
    const changes = await diffAgainstDisk(
      root,
      new Map([
        ["same.txt", { content: "same" }],
        ["old.txt", { content: "new" }],
        ["dir/new.txt", { content: "fresh" }],
      ]),
    );
    expect(changes.map((c) => [c.path, c.kind])).toEqual([
      ["dir/new.txt", "create"],
      ["old.txt", "update"],
      ["same.txt", "unchanged"],
    ]);
    expect(formatPlan(changes)).toEqual(["CREATE    dir/new.txt", "UPDATE    old.txt"]);
    await new Promise((r) => setTimeout(r, 20));
    await applyChanges(root, changes);
    expect(await fs.readFile(path.join(root, "old.txt"), "utf8")).toBe("new");
    expect(await fs.readFile(path.join(root, "dir/new.txt"), "utf8")).toBe("fresh");
    expect((await fs.stat(path.join(root, "same.txt"))).mtimeMs).toBe(before);
  });

  it("rolls back every committed step when a later one fails", async () => {
    const root = await tempDir("mcpm-rollback-");
    await fs.writeFile(path.join(root, "a.txt"), "a0");
    await fs.writeFile(path.join(root, "gone.txt"), "keep me");
    await fs.writeFile(path.join(root, "z.txt"), "z0");
    await fs.chmod(path.join(root, "z.txt"), 0o444); // protected: refused at commit time
    const before = await hashTree(root);
    const changes = await diffAgainstDisk(root, new Map([["a.txt", { content: "a1" }], ["new/b.txt", { content: "b" }], ["z.txt", { content: "z1" }]]));
    changes.splice(2, 0, { path: "gone.txt", kind: "delete" });
    await expect(applyChanges(root, changes)).rejects.toThrow("z.txt is read-only; nothing was changed");
    expect(await hashTree(root)).toEqual(before);
    expect((await listTree(root)).filter((n) => n.includes(".mcpm-"))).toEqual([]);
  });

  it("rolls back on a fault injected between commits", async () => {
    const root = await tempDir("mcpm-fault-");
    await fs.writeFile(path.join(root, "a.txt"), "a0");
    const before = await hashTree(root);
    const changes = await diffAgainstDisk(root, new Map([["a.txt", { content: "a1" }], ["b.txt", { content: "b" }]]));
    let n = 0;
    await expect(applyChanges(root, changes, { beforeCommit: () => { if (++n === 2) throw new Error("disk full"); } })).rejects.toThrow("disk full");
    expect(await hashTree(root)).toEqual(before);
  });

  it("writeTreeAtomically leaves nothing behind when the target is taken", async () => {
    const parent = await tempDir("mcpm-tree-");
    await fs.mkdir(path.join(parent, "t"));
    await fs.writeFile(path.join(parent, "t", "mine"), "x");
    await expect(writeTreeAtomically(path.join(parent, "t"), new Map([["a", { content: "1" }]]))).rejects.toThrow(/is not empty/);
    expect(await listTree(parent)).toEqual(["t", "t/mine"]);
  });

  it("recognises only its own transient names", () => {
    expect(isTransientName(".config.py.mcpm-tmp-0123abcd")).toBe(true);
    expect(isTransientName("config.py")).toBe(false);
    expect(isTransientName(".mcpm-notes")).toBe(false);
  });
});

describe("README Deployment table", () => {
  const manifest = {
    repository: "acme/servers",
    branch: "main",
    python: "3.12",
    servers: [{ name: "ops", description: "Ops | tools", entrypoint: "server-ops/src/server.py:mcp", requirements: "server-ops/requirements.txt", transport: "http" }],
  } as unknown as Manifest;

  it("replaces only what is between the markers", () => {
    const readme = `# Mine\n\nprose above\n${TABLE_START}\nold table\n${TABLE_END}\nprose below\n`;
    const { text, appended } = replaceDeploymentTable(readme, manifest);
    expect(appended).toBe(false);
    expect(text.startsWith("# Mine\n\nprose above\n" + TABLE_START)).toBe(true);
    expect(text.endsWith(TABLE_END + "\nprose below\n")).toBe(true);
    expect(text).toContain("| **ops** | Ops \\| tools | `acme/servers` | `main` | `server-ops/src/server.py:mcp` |");
  });

  it("appends a fresh marked table when the markers are gone", () => {
    const { text, appended } = replaceDeploymentTable("# Mine\n", manifest);
    expect(appended).toBe(true);
    expect(text.startsWith("# Mine\n\n## Deployment\n\n" + TABLE_START)).toBe(true);
  });
});

describe("PyPI-only requirements (seed 002's ❌ list)", () => {
  it("flags every non-PyPI line with its line number and passes plain requirements", () => {
    const text = ["fastmcp>=4.0,<5", "-e ../shared-utils", "-e .", "git+https://github.com/org/repo.git", "../local-package", "file:///path/to/package", "--extra-index-url https://x", "pkg @ https://x/pkg.whl", "httpx>=0.27  # fine", "python-dotenv[cli]>=1.0; python_version>='3.10'"].join("\n");
    expect(findNonPypiLines(text).map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });
});
