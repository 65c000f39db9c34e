// Each refusal of issue 3: one clear line on stderr, exit 1, and not one byte written.
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";
import { addServerCli, makeMonorepo, read, snapshot, write } from "./fixture.js";

const execFileP = promisify(execFile);
const git = (cwd: string, ...args: string[]) =>
  execFileP("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args], { cwd });

/**
 * Runs add-server and asserts: exit `code` (1 refused; 2 could not run: no or broken manifest),
 * exactly one `error:` line matching `message` (followed only by a code frame of the manifest
 * line at fault, when there is one), nothing on stdout, tree unchanged.
 */
async function expectRefusal(root: string, cwd: string, argv: string[], message: RegExp | string, code = 1): Promise<string> {
  const before = await snapshot(root);
  const r = await addServerCli(cwd, ...argv);
  expect(r.code, r.stderr + r.stdout).toBe(code);
  const lines = r.stderr.trimEnd().split("\n");
  for (const frame of lines.slice(1)) expect(frame, r.stderr).toMatch(/^[ >] +\d+ \||^ +\| +\^$/);
  if (code === 1) expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  if (typeof message === "string") expect(lines[0]).toContain(message);
  else expect(lines[0]).toMatch(message);
  expect(r.stdout).toBe("");
  expect(await snapshot(root)).toEqual(before);
  return lines[0]!;
}

describe("add-server refusals (nothing written)", () => {
  it("outside a monorepo: says which file it looked for and from where", async () => {
    const dir = await tempDir("mcpm-nomono-");
    await write(dir, "notes.txt", "mine\n");
    const line = await expectRefusal(dir, dir, ["billing"], "not inside an mcp-monorepo: no mcp-monorepo.yaml in", 2);
    expect(line).toContain(dir);
  });

  it("--cwd pointing outside a monorepo is refused the same way", async () => {
    const root = await makeMonorepo();
    const other = await tempDir("mcpm-other-");
    const line = await expectRefusal(root, root, ["billing", "--cwd", other], "no mcp-monorepo.yaml in", 2);
    expect(line).toContain(other);
  });

  it("a manifest that is not valid YAML: file, line and problem", async () => {
    const root = await makeMonorepo();
    const text = await read(root, "mcp-monorepo.yaml");
    await write(root, "mcp-monorepo.yaml", text.replace("branch: main", "branch: [main"));
    await expectRefusal(root, root, ["billing"], /^error: mcp-monorepo\.yaml:\d+: invalid YAML: /, 2);
  });

  it("a manifest that breaks the schema: file, line and the key at fault", async () => {
    const root = await makeMonorepo();
    const text = await read(root, "mcp-monorepo.yaml");
    const line = text.split("\n").findIndex((l) => l.startsWith("python:")) + 1;
    await write(root, "mcp-monorepo.yaml", text.replace('python: "3.12"', 'python: "2.7"'));
    await expectRefusal(root, root, ["billing"], new RegExp(`^error: mcp-monorepo\\.yaml:${line}: python: `), 2);
  });

  // Root reads any file whatever its mode, so this runs only as an ordinary user.
  it.skipIf(process.getuid?.() === 0)("a manifest it cannot read: file and reason", async () => {
    const root = await makeMonorepo();
    await fs.chmod(path.join(root, "mcp-monorepo.yaml"), 0o000);
    try {
      await expectRefusal(root, root, ["billing"], `cannot read ${path.join(root, "mcp-monorepo.yaml")}: EACCES`, 2);
    } finally {
      await fs.chmod(path.join(root, "mcp-monorepo.yaml"), 0o644);
    }
  });

  it.each([
    ["Billing", "must start with a lowercase letter"],
    ["bill_ing", "may only hold lowercase letters, digits and hyphens"],
    ["bill--ing", "doubled or trailing hyphen"],
    ["server-billing", 'must not start with "server"'],
    ["class", "is a Python keyword"],
    ["mcp", "would shadow the MCP_ environment variables"],
    ["9lives", "must start with a lowercase letter"],
  ])("an invalid name %j (same rules as create)", async (name, message) => {
    const root = await makeMonorepo();
    await expectRefusal(root, root, [name], message);
  });

  it("a name already in the manifest", async () => {
    const root = await makeMonorepo();
    await expectRefusal(root, root, ["ops"], 'server name "ops" is already used in mcp-monorepo.yaml (its folder: server-ops/)');
  });

  it("a name whose folder is another entry's custom folder", async () => {
    const root = await makeMonorepo(["ops"]);
    const text = await read(root, "mcp-monorepo.yaml");
    await fs.rename(path.join(root, "server-ops"), path.join(root, "server-billing"));
    await write(root, "mcp-monorepo.yaml", text.replace("folder: server-ops", "folder: server-billing"));
    await expectRefusal(root, root, ["billing"], 'server-billing/ is already the folder of server "ops" in mcp-monorepo.yaml');
  });

  it("a server-<name>/ folder on disk that is not in the manifest is never overwritten", async () => {
    const root = await makeMonorepo();
    await fs.mkdir(path.join(root, "server-billing", "src"), { recursive: true });
    await write(root, "server-billing/src/server.py", "# my own work\n");
    await expectRefusal(root, root, ["billing"], "server-billing/ already exists but is not listed in mcp-monorepo.yaml; add-server never overwrites it");
  });

  it("a server deleted by hand (folder gone, still in the manifest): says how to proceed", async () => {
    const root = await makeMonorepo();
    await fs.rm(path.join(root, "server-finance"), { recursive: true });
    const line = await expectRefusal(root, root, ["finance"], 'server "finance" is still listed in mcp-monorepo.yaml but its folder server-finance/ was deleted');
    expect(line).toContain("remove its entry from the servers list in mcp-monorepo.yaml and run add-server again");
    expect(line).toContain("restore the folder (e.g. git restore server-finance)");
  });

  it("no name and no terminal for prompts", async () => {
    const root = await makeMonorepo();
    await expectRefusal(root, root, [], "no server name given");
  });

  it("uncommitted changes in a file it would modify (README.md), unless --allow-dirty", async () => {
    const root = await makeMonorepo();
    await git(root, "init", "-q");
    await git(root, "add", "-A");
    await git(root, "commit", "-q", "-m", "initial");
    const readme = await read(root, "README.md");
    await write(root, "README.md", readme + "\nWork in progress.\n");
    await expectRefusal(root, root, ["billing"], "uncommitted changes in README.md, which add-server would modify; commit or stash them first, or pass --allow-dirty");

    const ok = await addServerCli(root, "billing", "--allow-dirty");
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain("--allow-dirty: wrote over uncommitted changes in README.md");
    expect(await read(root, "README.md")).toContain("Work in progress.\n");
    expect(await read(root, "README.md")).toContain("`server-billing/src/server.py:mcp`");
  });

  it("uncommitted (untracked) files it would modify are listed, from a subfolder of the repository too", async () => {
    const parent = await tempDir("mcpm-gitparent-");
    await git(parent, "init", "-q");
    await write(parent, "top.txt", "x\n");
    await git(parent, "add", "-A");
    await git(parent, "commit", "-q", "-m", "top");
    const root = await makeMonorepo();
    const inside = path.join(parent, "servers");
    await fs.cp(root, inside, { recursive: true });
    await expectRefusal(inside, inside, ["billing"], "uncommitted changes in .env.example, README.md, mcp-monorepo.lock.json, mcp-monorepo.yaml, which add-server would modify");
  });

  it("changes to files it does not modify do not block it", async () => {
    const root = await makeMonorepo();
    await git(root, "init", "-q");
    await git(root, "add", "-A");
    await git(root, "commit", "-q", "-m", "initial");
    await write(root, "shared/config.py", (await read(root, "shared/config.py")) + "\n# edited\n");
    await write(root, "server-ops/notes.md", "untracked\n");
    const r = await addServerCli(root, "billing");
    expect(r.code, r.stderr).toBe(0);
  });
});

describe("add-server --dry-run", () => {
  it("lists CREATE/UPDATE lines and changes nothing", async () => {
    const root = await makeMonorepo();
    const before = await snapshot(root);
    const r = await addServerCli(root, "billing", "--dry-run", "--description", "Invoices");
    expect(r.code, r.stderr).toBe(0);
    expect(await snapshot(root)).toEqual(before);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("Dry run: add-server billing would create 14 files and update 4 (nothing written)");
    expect(lines.slice(1)).toEqual([
      "CREATE    server-billing/.env.example",
      "CREATE    server-billing/fastmcp.json",
      "CREATE    server-billing/pyproject.toml",
      "CREATE    server-billing/pytest.ini",
      "CREATE    server-billing/requirements.txt",
      "CREATE    server-billing/src/asgi.py",
      "CREATE    server-billing/src/server.py",
      "CREATE    server-billing/src/shared/__init__.py",
      "CREATE    server-billing/src/shared/config.py",
      "CREATE    server-billing/src/shared/http_client.py",
      "CREATE    server-billing/src/shared/pagination.py",
      "CREATE    server-billing/tests/test_http.py",
      "CREATE    server-billing/tests/test_import.py",
      "CREATE    server-billing/tests/test_tools.py",
      "UPDATE    .env.example",
      "UPDATE    README.md",
      "UPDATE    mcp-monorepo.yaml",
      "UPDATE    mcp-monorepo.lock.json",
    ]);
    expect(r.stdout).not.toContain("Next steps");
  });

  it("from a subfolder, paths are shown relative to where it runs", async () => {
    const root = await makeMonorepo();
    const r = await addServerCli(path.join(root, "server-ops", "src"), "billing", "--dry-run");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("CREATE    ../../server-billing/src/server.py");
    expect(r.stdout).toContain("UPDATE    ../../README.md");
  });
});

// Issue 13 item 7: the same exit code for a broken manifest in every command, with a code frame
// and, for an unquoted version, the quoting hint.
describe("a broken manifest is 'could not run' (exit 2) in every command", () => {
  it("python: 3.10 unquoted: names the number YAML read, shows the line, suggests the quotes", async () => {
    const root = await makeMonorepo();
    const text = await read(root, "mcp-monorepo.yaml");
    const line = text.split("\n").findIndex((l) => l.startsWith("python:")) + 1;
    await write(root, "mcp-monorepo.yaml", text.replace('python: "3.12"', "python: 3.10"));
    const expected = [
      `error: mcp-monorepo.yaml:${line}: python: must be one of "3.10", "3.11", "3.12", "3.13", "3.14"; unquoted, YAML reads 3.10 as the number 3.1: quote it, python: "3.10"`,
      `> ${line} | python: 3.10`,
      `  ${" ".repeat(String(line).length)} |         ^`,
    ];
    for (const argv of [["add-server", "billing", "--yes"], ["sync"], ["sync", "--check"], ["check"]]) {
      const res = await runCli(argv, { cwd: root, env: { NO_COLOR: "1", PATH: process.env.PATH } });
      expect(res.code, argv.join(" ")).toBe(2);
      const lines = res.stderr.trimEnd().split("\n");
      expect(lines[0], argv.join(" ")).toBe(expected[0]);
      expect(lines, argv.join(" ")).toContain(expected[1]);
      expect(lines, argv.join(" ")).toContain(expected[2]);
    }
  });
});
