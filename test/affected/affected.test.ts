// `affected` on real git histories (temp repositories made by `create`): a change in a server's
// folder selects it, one in shared/ or the manifest selects every server, one in README selects
// none; and the generated CI workflow's own step, run with bash, turns that into the job matrix.
import { execFile } from "node:child_process";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { affectedBy } from "../../src/affected/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { REPO_ROOT } from "../helpers/python.js";

const execFileP = promisify(execFile);
const IDENTITY = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
const FOLDERS = ["server-a", "server-b", "server-c"];
let root: string;
let first: string;

const git = async (...args: string[]) => (await execFileP("git", args, { cwd: root, env: { ...process.env, ...IDENTITY } })).stdout.trim();

/** Commits a change to `rel` on top of `first` (a fresh branch each time) and returns nothing. */
async function changeOnBranch(branch: string, rel: string): Promise<void> {
  await git("checkout", "-q", "-B", branch, first);
  await appendFile(path.join(root, rel), "\n# changed\n");
  await git("commit", "-qam", `change ${rel}`);
}

async function affected(...args: string[]): Promise<{ code: number; json: { all: boolean; reason: string | null; servers: string[]; folders: string[]; changed: string[] | null } }> {
  const r = await runCli(["affected", "--cwd", root, "--json", ...args], { cwd: root });
  return { code: r.code, json: JSON.parse(r.stdout) };
}

beforeAll(async () => {
  const parent = await tempDir("mcpm-affected-");
  // create commits the tree when git has an identity (spawned with the process environment).
  const saved = { ...process.env };
  Object.assign(process.env, IDENTITY);
  try {
    const res = await runCli(["demo", "--yes", "--server", "a", "--server", "b", "--server", "c"], { cwd: parent });
    expect(res.code, res.stderr).toBe(0);
  } finally {
    process.env = saved;
  }
  root = path.join(parent, "demo");
  first = await git("rev-parse", "HEAD");
}, 120_000);

describe("affected on git histories", () => {
  it("a change in server-a/ selects a only", async () => {
    await changeOnBranch("only-a", "server-a/src/server.py");
    const { code, json } = await affected("--base", first);
    expect(code).toBe(0);
    expect(json).toEqual({ all: false, reason: null, servers: ["a"], folders: ["server-a"], changed: ["server-a/src/server.py"] });
  });

  it("a change in shared/ selects every server", async () => {
    await changeOnBranch("shared", "shared/config.py");
    const { json } = await affected("--base", first);
    expect(json.servers).toEqual(["a", "b", "c"]);
    expect(json.reason).toBe("shared/config.py changed (shared code)");
  });

  it("a change in the manifest selects every server", async () => {
    await changeOnBranch("manifest", "mcp-monorepo.yaml");
    expect((await affected("--base", first)).json.folders).toEqual(FOLDERS);
  });

  it("a change in README.md selects none; two servers changed in two commits select both", async () => {
    await changeOnBranch("readme", "README.md");
    expect((await affected("--base", first)).json).toMatchObject({ all: false, servers: [], folders: [], changed: ["README.md"] });
    await appendFile(path.join(root, "server-c", "README.md"), "c\n");
    await git("add", "-A");
    await git("commit", "-qm", "c");
    await appendFile(path.join(root, "server-b", "tests", "test_tools.py"), "\n");
    await git("commit", "-qam", "b");
    expect((await affected("--base", first)).json.servers).toEqual(["b", "c"]);
  });

  it("compares with the merge base, as a pull request does: main moving on selects nothing extra", async () => {
    await changeOnBranch("feature", "server-b/src/server.py");
    await git("checkout", "-q", "-B", "main2", first);
    await appendFile(path.join(root, "server-a", "src", "server.py"), "\n");
    await git("commit", "-qam", "main moves");
    const main2 = await git("rev-parse", "HEAD");
    await git("checkout", "-q", "feature");
    expect((await affected("--base", main2)).json.servers).toEqual(["b"]);
  });

  it("--all, an all-zero or unknown base select every server, saying why; text mode prints folders", async () => {
    await changeOnBranch("x", "README.md");
    expect((await affected("--all")).json).toMatchObject({ all: true, folders: FOLDERS });
    expect((await affected("--base", "0000000000000000000000000000000000000000")).json.all).toBe(true);
    const unknown = await affected("--base", "1234567890abcdef1234567890abcdef12345678");
    expect(unknown.json.reason).toMatch(/is not a commit of this clone/);
    const text = await runCli(["affected", "--cwd", root, "--base", first], { cwd: root });
    expect(text.code).toBe(0);
    expect(text.stdout).toBe("");
  });

  it("the generated workflow's step feeds the matrix: [] for README (the server job is skipped), folders for a server change, all on schedule", async () => {
    const wf = parse(await readFile(path.join(root, ".github", "workflows", "ci.yml"), "utf8"));
    expect(wf.on).toHaveProperty("schedule");
    expect(wf.on).toHaveProperty("workflow_dispatch");
    expect(wf.jobs.server.if).toBe("needs.monorepo.outputs.servers != '[]'");
    const step = wf.jobs.monorepo.steps.find((s: { id?: string }) => s.id === "servers");
    // The step as GitHub runs it (bash -e), with this build in place of the published package.
    const script = String(step.run).replace(/npx -y create-mcp-monorepo@\S+/g, `node ${path.join(REPO_ROOT, "bin", "create-mcp-monorepo.js")}`);
    const runStep = async (event: string, base: string) => {
      const out = path.join(await tempDir("mcpm-gh-out-"), "output");
      await writeFile(out, "");
      await execFileP("bash", ["-e", "-c", script], { cwd: root, env: { ...process.env, EVENT: event, BASE: base, GITHUB_OUTPUT: out } });
      return (await readFile(out, "utf8")).trim();
    };
    await changeOnBranch("wf-readme", "README.md");
    expect(await runStep("push", first)).toBe("servers=[]");
    await changeOnBranch("wf-a", "server-a/src/server.py");
    expect(await runStep("pull_request", first)).toBe('servers=["server-a"]');
    expect(await runStep("schedule", "")).toBe('servers=["server-a","server-b","server-c"]');
    expect(await runStep("workflow_dispatch", "")).toBe('servers=["server-a","server-b","server-c"]');
  });
});

describe("affectedBy (pure)", () => {
  const repo = {
    manifest: { shared: "shared" },
    servers: [
      { name: "a", folder: "server-a" },
      { name: "ab", folder: "server-ab" },
    ],
  } as unknown as Parameters<typeof affectedBy>[0];
  it("matches whole folder names only (server-a is not server-ab), the lock and the workflow select all", () => {
    expect(affectedBy(repo, ["server-ab/x.py"]).servers).toEqual(["ab"]);
    expect(affectedBy(repo, ["server-a.md"]).servers).toEqual([]);
    expect(affectedBy(repo, ["mcp-monorepo.lock.json"]).all).toBe(true);
    expect(affectedBy(repo, [".github/workflows/ci.yml"]).all).toBe(true);
    expect(affectedBy(repo, ["docs/x.md", "compose.yaml"]).servers).toEqual([]);
  });
});
