// Drives the real @clack/prompts flow through injected streams (STYLE.md §6).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENTER, DOWN, UP, CTRL_C, BACKSPACE, terminal } from "../helpers/terminal.js";
import { run } from "../../src/cli.js";
import { hashTree, listTree, runCli, tempDir } from "../helpers/cli.js";
import { mkdir, realpath, writeFile } from "node:fs/promises";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileP = promisify(execFile);


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
    await t.answer("Add another server?", ["n"]); // default yes until three; "n" answers at once
    await t.answer("Deployment targets", [DOWN, " ", ENTER]); // FastMCP Cloud (preselected) + Docker
    await t.answer("Python version", [UP, ENTER]); // 3.12 → 3.11 (3.13+ disabled: FastMCP Cloud is chosen)
    await t.answer("GitHub repository", [ENTER]); // your-github-user/<project>: no git config in the test env
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
    expect(manifest).toContain('python: "3.11"');
    expect(manifest).toContain("description: Invoices \"and\" refunds");
    expect(manifest).toContain("description: Support Desk MCP server.");
    expect(t.screen()).toContain("npm create mcp-monorepo@latest team-servers -- --server 'billing=Invoices \"and\" refunds' --server 'support-desk=Support Desk MCP server.' --python 3.11 --no-git --target fastmcp-cloud --target docker");
    expect(manifest).toContain("targets:\n  - fastmcp-cloud\n  - docker\n");
    expect(t.screen()).toContain("cd team-servers");
  });

  it("rejects an invalid server name at the prompt and accepts a corrected one", async () => {
    const cwd = await tempDir("mcpm-tty-");
    const t = terminal(cwd);
    const done = run(["fixed", "--python", "3.12", "--no-git"], t.ctx);
    await t.answer("Name of the first server", [..."mcp", ENTER]);
    await t.answer("would shadow the MCP_ environment variables", ["\x7f", "\x7f", "\x7f", ..."ops", ENTER]);
    await t.answer("One-line description of ops", [ENTER]);
    await t.answer("Add another server?", [DOWN, "n", ENTER]);
    await t.answer("Deployment targets", [ENTER]);
    await t.answer("GitHub repository", [ENTER]); // your-github-user/<project>: no git config in the test env
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

// Issue 13 item 1: every prompt that shows a default takes it on Enter, and taking them all
// gives exactly the monorepo `--yes` gives (three servers, same descriptions, same files).
describe("interactive create: Enter on every prompt equals --yes", () => {
  it("produces the same tree, byte for byte, as --yes", async () => {
    const cwd = await tempDir("mcpm-tty-");
    const t = terminal(path.join(cwd, "a"));
    await mkdir(path.join(cwd, "a"));
    const done = run(["--no-git"], t.ctx);
    await t.answer("Where should the monorepo go?", [ENTER]);
    await t.answer("Name of the first server", [ENTER]);
    await t.answer("One-line description of ops", [ENTER]);
    await t.answer("Add another server?", [ENTER]);
    await t.answer("Name of the next server", [ENTER]);
    await t.answer("One-line description of customer", [ENTER]);
    await t.answer("Add another server?", [ENTER]);
    await t.answer("Name of the next server", [ENTER]);
    await t.answer("One-line description of finance", [ENTER]);
    await t.answer("Add another server?", [ENTER]); // default no after three
    await t.answer("Deployment targets", [ENTER]); // FastMCP Cloud, preselected
    await t.answer("Python version", [ENTER]);
    await t.answer("GitHub repository", [ENTER]); // your-github-user/<project>: no git config in the test env
    expect(await done, t.screen()).toBe(0);
    expect(t.screen()).not.toContain("server name is empty");
    expect(t.screen()).toContain("npm create mcp-monorepo@latest my-mcp-servers -- --yes --no-git\n");

    await mkdir(path.join(cwd, "b"));
    const yes = await runCli(["--yes", "--no-git"], { cwd: path.join(cwd, "b") });
    expect(yes.code, yes.stderr).toBe(0);
    const interactive = await hashTree(path.join(cwd, "a", "my-mcp-servers"));
    expect(Object.keys(interactive)).toContain("server-finance/src/server.py");
    expect(interactive).toEqual(await hashTree(path.join(cwd, "b", "my-mcp-servers")));
  });
});

// Issue 13 item 3: the folder is checked as soon as it is typed, before any other question.
describe("interactive create validates the folder as it is typed", () => {
  it("suggests a valid project name, points an existing monorepo to add-server, and refuses a non-empty folder", async () => {
    const cwd = await tempDir("mcpm-tty-");
    await mkdir(path.join(cwd, "taken"));
    await writeFile(path.join(cwd, "taken", "notes.txt"), "mine\n");
    await mkdir(path.join(cwd, "mono"));
    await writeFile(path.join(cwd, "mono", "mcp-monorepo.yaml"), "formatVersion: 1\n");
    const t = terminal(cwd);
    const done = run(["--no-git", "--python", "3.12"], t.ctx);
    await t.answer("Where should the monorepo go?", [..."My Servers", ENTER]);
    await t.answer('try "my-servers"', [...Array(10).fill(BACKSPACE), ..."mono", ENTER]);
    await t.answer("mono is already an mcp-monorepo", []);
    await t.answer("add-server", [...Array(4).fill(BACKSPACE), ..."taken", ENTER]);
    await t.answer("taken is not empty (notes.txt)", [...Array(5).fill(BACKSPACE), ..."my-servers", ENTER]);
    // Only now the server questions start.
    await t.answer("Name of the first server", [ENTER]);
    await t.answer("One-line description of ops", [ENTER]);
    await t.answer("Add another server?", [DOWN, "n", ENTER]);
    await t.answer("GitHub repository", [ENTER]); // your-github-user/<project>: no git config in the test env
    expect(await done, t.screen()).toBe(0);
    expect(await listTree(path.join(cwd, "my-servers"))).toContain("server-ops/src/server.py");
    expect(await readFile(path.join(cwd, "taken", "notes.txt"), "utf8")).toBe("mine\n");
  });
});

// Issue 13 item 4: FastMCP Cloud builds on Python 3.12, so with its target the wizard does not
// let 3.13+ be chosen (shown disabled, with the reason and the way out).
describe("interactive create keeps Python and the targets in agreement", () => {
  it("shows 3.13 and 3.14 disabled with the reason, and cannot select them", async () => {
    const cwd = await tempDir("mcpm-tty-");
    const t = terminal(cwd);
    const done = run(["py", "--server", "ops", "--no-git"], t.ctx);
    await t.answer("Deployment targets", [ENTER]); // FastMCP Cloud, preselected
    await t.answer("Python version", [DOWN, DOWN, ENTER]); // tries to go past 3.12
    await t.answer("GitHub repository", [ENTER]); // your-github-user/<project>: no git config in the test env
    expect(await done, t.screen()).toBe(0);
    // Issue 20: the blocker is the selected FastMCP Cloud target, not a missing docker/k8s one.
    expect(t.screen()).toContain("3.13 (the selected FastMCP Cloud runs 3.12: deselect it for 3.13)");
    expect(t.screen()).not.toContain("needs a docker, k8s or mcpb target");
    const manifest = await readFile(path.join(cwd, "py", "mcp-monorepo.yaml"), "utf8");
    expect(manifest).not.toMatch(/python: "3\.1[34]"/);
  });
});

describe("interactive create checks its flags before the first question", () => {
  it("--python 3.13 (FastMCP Cloud target) and a bad --server are refused before the wizard starts", async () => {
    const cwd = await tempDir("mcpm-tty-");
    for (const argv of [["early", "--python", "3.13", "--target", "fastmcp-cloud"], ["early", "--server", "Bad"]]) {
      const t = terminal(cwd);
      const code = await run(argv, t.ctx);
      expect(code, argv.join(" ")).toBe(1);
      expect(t.screen(), argv.join(" ")).not.toContain("create-mcp-monorepo 0."); // no intro: no prompt was shown
      expect(t.screen()).toMatch(/^error: /m);
    }
    expect(await listTree(cwd)).toEqual([]);
  });
});

describe("interactive create with --python 3.13 asks for targets that run it", () => {
  it("preselects docker instead of FastMCP Cloud, and writes a monorepo for it", async () => {
    const cwd = await tempDir("mcpm-tty-");
    const t = terminal(cwd);
    const done = run(["py13", "--server", "ops", "--no-git", "--python", "3.13"], t.ctx);
    await t.answer("Deployment targets", [ENTER]); // docker, preselected
    await t.answer("GitHub repository", [ENTER]); // your-github-user/<project>: no git config in the test env
    expect(await done, t.screen()).toBe(0);
    const manifest = await readFile(path.join(cwd, "py13", "mcp-monorepo.yaml"), "utf8");
    expect(manifest).toContain('python: "3.13"');
    expect(manifest).toContain("targets:\n  - docker\n");
    expect(await listTree(path.join(cwd, "py13"))).toContain("server-ops/Dockerfile");
  });
});

// Issue 20, a new user's first hour in the wizard.
describe("interactive create: folder, names, repository and git as a new user meets them", () => {
  const git = (cwd: string, ...args: string[]) => execFileP("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd });

  it("expands ~/x to the home folder, as a shell would (not a literal ./~/x)", async () => {
    const cwd = await tempDir("mcpm-tty-");
    const home = await tempDir("mcpm-home-");
    const t = terminal(cwd);
    t.ctx.env = { HOME: home };
    const done = run(["--server", "ops", "--python", "3.12", "--target", "fastmcp-cloud", "--no-git"], t.ctx);
    await t.answer("Where should the monorepo go?", [..."~/tilde-servers", ENTER]);
    await t.answer("GitHub repository", [ENTER]);
    expect(await done, t.screen()).toBe(0);
    expect(await listTree(path.join(home, "tilde-servers"))).toContain("server-ops/src/server.py");
    expect(await listTree(cwd)).toEqual([]);
  });

  it("after a name of the user's own, suggests a related free name (not ops) and defaults to no more after two", async () => {
    const cwd = await tempDir("mcpm-tty-");
    const t = terminal(cwd);
    const done = run(["own", "--python", "3.12", "--target", "fastmcp-cloud", "--no-git"], t.ctx);
    await t.answer("Name of the first server", [..."billing", ENTER]);
    await t.answer("One-line description of billing", [ENTER]);
    await t.answer("Add another server?", [ENTER]); // yes after the first
    await t.answer("Name of the next server", [ENTER]); // takes the suggestion
    await t.answer("One-line description of billing-2", [ENTER]);
    await t.answer("Add another server?", [ENTER]); // no after two of the user's own
    await t.answer("GitHub repository", [ENTER]);
    expect(await done, t.screen()).toBe(0);
    const manifest = await readFile(path.join(cwd, "own", "mcp-monorepo.yaml"), "utf8");
    expect(manifest).toContain("- name: billing-2");
    expect(manifest).not.toContain("name: ops");
  });

  it("asks for the GitHub repository, defaulting to the enclosing repository's origin, and skips git init inside it", async () => {
    const outer = await tempDir("mcpm-outer-");
    await git(outer, "init", "-q");
    await git(outer, "remote", "add", "origin", "git@github.com:acme/platform.git");
    const t = terminal(outer);
    t.ctx.env = { PATH: process.env.PATH };
    const done = run(["mcp", "--server", "ops", "--python", "3.12", "--target", "fastmcp-cloud"], t.ctx);
    await t.answer("GitHub repository", [ENTER]);
    expect(await done, t.screen()).toBe(0);
    const root = path.join(outer, "mcp");
    const manifest = await readFile(path.join(root, "mcp-monorepo.yaml"), "utf8");
    expect(manifest).toContain("repository: acme/platform");
    expect(await readFile(path.join(root, "README.md"), "utf8")).toContain("acme/platform");
    expect(await listTree(root)).not.toContain(".git");
    expect(t.screen()).not.toContain("Initialize a git repository?");
    expect(t.screen()).toContain(`inside the git repository at ${await realpath(outer)}`);
    expect(t.screen()).toContain("--repository acme/platform");
  });

  it("a repository typed by hand lands in the manifest and the one-shot command", async () => {
    const cwd = await tempDir("mcpm-tty-");
    const t = terminal(cwd);
    const done = run(["typed", "--server", "ops", "--python", "3.12", "--target", "mcpb", "--no-git"], t.ctx);
    await t.answer("GitHub repository", [..."ada/tools", ENTER]);
    expect(await done, t.screen()).toBe(0);
    expect(await readFile(path.join(cwd, "typed", "mcp-monorepo.yaml"), "utf8")).toContain("repository: ada/tools");
    expect(t.screen()).toContain("--repository ada/tools");
  });
});
