// Hostile input: every refusal is one clear line, exit 1, and writes nothing; any
// description text still yields valid Python, JSON, YAML, .env and Markdown.
import { readFile } from "node:fs/promises";
import * as fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../../src/monorepo/manifest.js";
import { hashTree, runCli, tempDir } from "../helpers/cli.js";
import { runTool } from "../helpers/python.js";

async function refused(argv: string[], setup?: (parent: string) => Promise<void>) {
  const parent = await tempDir("mcpm-hostile-");
  await setup?.(parent);
  const before = await hashTree(parent);
  const res = await runCli(argv, { cwd: parent });
  expect(res.code).toBe(1);
  expect(await hashTree(parent)).toEqual(before);
  // Nothing half-written: no staging folder either.
  expect((await fs.readdir(parent)).filter((e) => e.includes(".mcpm-"))).toEqual([]);
  const lines = res.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(res.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe("create refuses bad input with one line and writes nothing", () => {
  const cases: Array<[string, string[], string]> = [
    ["uppercase name", ["demo", "--server", "Ops"], 'error: server name "Ops" must start with a lowercase letter (a-z)'],
    ["leading digit", ["demo", "--server", "9lives"], 'error: server name "9lives" must start with a lowercase letter (a-z)'],
    ["underscore", ["demo", "--server", "my_server"], 'error: server name "my_server" may only hold lowercase letters, digits and hyphens'],
    ["path traversal", ["demo", "--server", "../evil"], 'error: server name "../evil" must start with a lowercase letter (a-z)'],
    ["slash", ["demo", "--server", "a/b"], 'error: server name "a/b" may only hold lowercase letters, digits and hyphens'],
    ["python keyword", ["demo", "--server", "class"], 'error: server name "class" is a Python keyword'],
    ["soft keyword", ["demo", "--server", "match"], 'error: server name "match" is a Python keyword'],
    ["shadows the MCP SDK", ["demo", "--server", "mcp"], 'error: server name "mcp" would shadow the MCP_ environment variables that the generated server.py (MCP_TRANSPORT) reads (its settings are named MCP_...); pick another name'],
    ["shadows pydantic", ["demo", "--server", "pydantic"], 'error: server name "pydantic" would shadow the PYDANTIC_ environment variables that pydantic reads (its settings are named PYDANTIC_...); pick another name'],
    ["double hyphen", ["demo", "--server", "a--b"], 'error: server name "a--b" has a doubled or trailing hyphen'],
    ["trailing hyphen", ["demo", "--server", "ops-"], 'error: server name "ops-" has a doubled or trailing hyphen'],
    ["server- prefix", ["demo", "--server", "server-ops"], 'error: server name "server-ops" must not start with "server": the folder is already named server-<name>'],
    ["too long", ["demo", "--server", "a".repeat(41)], `error: server name "${"a".repeat(41)}" is longer than 40 characters`],
    ["empty name", ["demo", "--server", "=just a description"], "error: server name is empty"],
    ["duplicate", ["demo", "--server", "ops", "--server", "ops"], 'error: server name "ops" is already used'],
    ["same identifier", ["demo", "--server", "ops-team", "--server", "ops-team"], 'error: server name "ops-team" is already used'],
    ["unsupported python", ["demo", "--yes", "--python", "3.9"], "error: option '--python <version>' argument '3.9' is invalid. Allowed choices are 3.10, 3.11, 3.12, 3.13, 3.14."],
    ["description before server", ["demo", "--description", "x", "--server", "ops"], "error: --description must follow a --server"],
    ["two descriptions", ["demo", "--server", "ops=a", "--description", "b"], 'error: server "ops" already has a description'],
    ["no servers, no terminal", ["demo"], "error: no servers given: pass --server NAME (repeatable) or --yes for the defaults (prompts need a terminal)"],
    ["unknown flag", ["demo", "--yes", "--frobnicate"], "error: unknown option '--frobnicate'"],
    ["bad repository", ["demo", "--yes", "--repository", "not a repo"], "error: repository must look like owner/name"],
    ["long description", ["demo", "--server", `ops=${"x".repeat(501)}`], "error: a server description is longer than 500 characters"],
    ["bad project folder name", ["my project", "--yes"], "error: folder \"my project\" is not a valid project name: a project name may hold letters, digits, '.', '_' and '-' (at most 100, starting with a letter or digit); try \"my-project\""],
  ];
  it.each(cases)("%s", async (_label, argv, message) => {
    expect(await refused(argv)).toBe(message);
  });

  it("a target folder with files in it", async () => {
    const line = await refused(["demo", "--yes"], async (parent) => {
      await fs.mkdir(path.join(parent, "demo"));
      await fs.writeFile(path.join(parent, "demo", "notes.txt"), "mine");
    });
    expect(line).toMatch(/^error: .*demo is not empty \(notes\.txt\); pick a new folder$/);
  });

  it("a target that is a file", async () => {
    const line = await refused(["demo", "--yes"], async (parent) => {
      await fs.writeFile(path.join(parent, "demo"), "mine");
    });
    expect(line).toMatch(/^error: .*demo exists and is not a folder; pick a new folder name$/);
  });

  // Regression (issue 12): a symlinked target crashed with ENOTDIR/ENOENT; it must be refused, and the link's target untouched.
  it.each([
    ["to an empty folder", "empty"],
    ["dangling", "missing"],
  ])("a target that is a symbolic link %s", async (_label, to) => {
    let parent = "";
    const line = await refused(["demo", "--yes", "--no-git"], async (p) => {
      parent = p;
      await fs.mkdir(path.join(p, "empty"));
      await fs.symlink(path.join(p, to), path.join(p, "demo"));
    });
    expect(line).toMatch(/^error: .*demo is a symbolic link; pick a real folder, nothing was written$/);
    expect(await fs.readdir(path.join(parent, "empty"))).toEqual([]);
  });

  // Regression (issue 12): commander quoted a bad --python value with its newline, splitting the error in two lines.
  it("a bad choice holding a newline or an escape sequence is still one line", async () => {
    const line = await refused(["demo", "--yes", "--python", "3.12\n\u001b[31mred"]);
    expect(line).toBe("error: option '--python <version>' argument '3.12\\n\\u001b[31mred' is invalid. Allowed choices are 3.10, 3.11, 3.12, 3.13, 3.14.");
  });

  it("accepts a folder holding only .git, keeping it", async () => {
    const parent = await tempDir("mcpm-git-");
    await fs.mkdir(path.join(parent, "demo", ".git"), { recursive: true });
    await fs.writeFile(path.join(parent, "demo", ".git", "HEAD"), "ref: refs/heads/main\n");
    const res = await runCli(["demo", "--yes"], { cwd: parent });
    expect(res.code).toBe(0);
    expect(await readFile(path.join(parent, "demo", ".git", "HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
    expect(await fs.stat(path.join(parent, "demo", "server-ops", "src", "server.py"))).toBeTruthy();
  });
});

describe("any description text yields valid Python, JSON, YAML, .env and Markdown", () => {
  const hostile = 'He said "hi" \'x\' """triple""" \\ back\\slash {{ handlebars }} {{{raw}}}\nnew line\ttab | pipe <b>html</b> `code` # not a comment ünïcödé 🚀 \u2028 end"';

  it("round-trips a hostile description through every generated file", async () => {
    const parent = await tempDir("mcpm-desc-");
    const res = await runCli(["demo", "--server", `weird=${hostile}`, "--no-git"], { cwd: parent });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const root = path.join(parent, "demo");
    const server = path.join(root, "server-weird");

    // Python: the module parses, and the literal holds exactly the description.
    const { stdout } = await runTool(
      "python",
      ["-c", "import ast, json; t = ast.parse(open('src/server.py', encoding='utf-8').read()); print(json.dumps([ast.literal_eval(n.value) for n in t.body if isinstance(n, ast.Assign) and n.targets[0].id == 'SERVER_DESCRIPTION'][0]))"],
      server,
    );
    expect(JSON.parse(stdout)).toBe(hostile);
    // ...and the server's own tests still pass against real FastMCP.
    await runTool("python", ["-m", "pytest", "-q", "-p", "no:cacheprovider"], server);

    // YAML: the manifest holds the exact text.
    const manifest = parseManifest(await readFile(path.join(root, "mcp-monorepo.yaml"), "utf8"), root);
    expect(manifest.manifest.servers[0]!.description).toBe(hostile);

    // JSON files parse.
    JSON.parse(await readFile(path.join(server, "fastmcp.json"), "utf8"));
    JSON.parse(await readFile(path.join(root, "mcp-monorepo.lock.json"), "utf8"));

    // .env.example: only comments, blanks and NAME=value lines.
    for (const file of [path.join(root, ".env.example"), path.join(server, ".env.example")]) {
      for (const line of (await readFile(file, "utf8")).split("\n")) {
        expect(line === "" || line.startsWith("#") || /^[A-Z_][A-Z0-9_]*=/.test(line), `${file}: ${line}`).toBe(true);
      }
    }

    // Markdown: the description stays inside its one table row, with HTML and pipes escaped.
    const readme = await readFile(path.join(root, "README.md"), "utf8");
    const row = readme.split("\n").find((l) => l.startsWith("| **weird** |"))!;
    expect(row).toContain("\\<b\\>html\\</b\\>");
    expect(row).toContain("\\| pipe");
    // 8 columns: exactly 9 unescaped pipes.
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(9);
    expect(readme).not.toContain("<b>");
  });
});
