// The table of command specs the property suite runs (issue 12). Adding a command is one entry:
// an arbitrary of cases, how to lay out the sandbox and argv for a case, and what an accepted
// run must satisfy. The generic checks (one error line, nothing written on refusal, no write
// outside the target, no crash, no hang, valid files) live in property.test.ts and harness.ts.
import fc from "fast-check";
import * as fs from "node:fs/promises";
import path from "node:path";
import { parseManifest } from "../../src/core/manifest.js";
import { createMonorepo, DEFAULT_SERVERS } from "../../src/core/create.js";
import { tempDir } from "../helpers/cli.js";
import { toIdentifier } from "../../src/core/names.js";
import { changedPaths, checkTreeFiles, fingerprint, looksLikeCrash, resolveTokens, runBounded, type Outcome, type Problem, type Sandbox } from "./harness.js";
import { description, flagValue, goodServerName, hostileString, serverName } from "./hostile.js";

/** What a case becomes once its sandbox is laid out. */
export interface Prepared {
  cwd: string;
  argv: string[];
  /** Absolute paths the command may change (a folder covers its subtree); empty: must write nothing. */
  writable: string[];
}

/** Checks run after the property pass, in batches (Python compile, sync --check, check --strict, an import). */
export interface Deferred {
  /** Monorepo root to validate. */
  tree: string;
  /** Names that must be usable Python identifiers. */
  idents: string[];
  /** Expect `sync --check` and `check --strict` to pass on the tree. */
  clean: boolean;
  /** Rules `check --strict` may still report (e.g. `python-version` for a Python FastMCP Cloud cannot build, which create warns about). */
  allowRules?: string[];
  /** `src/` folders whose `server` module can be imported with real FastMCP (sampled). */
  importable: string[];
}

/** The verdict on a run that was not a one-line refusal. */
export interface Judged {
  verdict: "accepted" | "findings";
  problems: Problem[];
  deferred?: Deferred;
}

/**
 * One command under test.
 *
 * @typeParam C - the generated case.
 */
export interface CommandSpec<C> {
  name: string;
  /** Cases in a normal run (the slow tier, MCPM_SLOW=1, runs 4x as many). */
  runs: number;
  cases: fc.Arbitrary<C>;
  /** Lays out the sandbox (fixture copies, hostile symlinks) and returns cwd, argv and what may be written. */
  prepare(c: C, box: Sandbox): Promise<Prepared>;
  /** Exit code of a refusal (`error: ...` on one line, nothing written). */
  refusalCode: number;
  /** Judges any other run (the generic checks have passed or been recorded). */
  judge(c: C, prep: Prepared, out: Outcome, changed: string[], box: Sandbox): Promise<Judged>;
}

// A spec table of mixed case types; each entry is type-checked where it is written.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySpec = CommandSpec<any>;

/** True when `p` is `dir` or inside it (lexically). */
export function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

// ---------------------------------------------------------------- create

type TargetKind = "absent" | "empty-dir" | "git-only" | "symlink-to-empty" | "dangling-symlink" | "symlink-to-file" | "file" | "nonempty";

interface CreateCase {
  dir: string | null;
  servers: Array<{ name: string; description: string | null; form: "eq" | "flag" }>;
  yes: boolean;
  python: string | null;
  repository: string | null;
  branch: string | null;
  dryRun: boolean;
  targetKind: TargetKind;
}

const projectDir = fc.oneof(
  { weight: 12, arbitrary: fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/) },
  { weight: 2, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.constantFrom("..", ".", "../x", "a/b", "a/../b", "./nested/deeper/x", "@BOX@/abs-target", "@SENTINEL@/new", "@SENTINEL@", "@SENTINEL@/empty-dir", "/", "x\u0000y", "", " ", "-x", "x\ny", "my project") },
);

const createCase: fc.Arbitrary<CreateCase> = fc.record({
  dir: fc.option(projectDir, { freq: 8 }),
  servers: fc.oneof(
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 6, arbitrary: fc.array(fc.record({ name: serverName, description: fc.option(description, { freq: 5 }), form: fc.constantFrom("eq" as const, "flag" as const) }), { minLength: 1, maxLength: 3 }) },
  ),
  yes: fc.boolean(),
  python: fc.option(flagValue(fc.constantFrom("3.10", "3.11", "3.12", "3.13", "3.14")), { freq: 3 }),
  repository: fc.option(flagValue(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}\/[A-Za-z0-9_.-]{1,12}$/)), { freq: 4 }),
  branch: fc.option(flagValue(fc.stringMatching(/^[A-Za-z0-9._/-]{1,20}$/)), { freq: 4 }),
  dryRun: fc.boolean().map((b) => b && Math.random() < 0.3),
  targetKind: fc.constantFrom<TargetKind>("absent", "absent", "absent", "absent", "empty-dir", "git-only", "symlink-to-empty", "dangling-symlink", "symlink-to-file", "file", "nonempty"),
});

/** Lays a target of the given kind at `abs` (inside the sandbox's work folder). */
async function layTarget(abs: string, kind: TargetKind, box: Sandbox): Promise<void> {
  await fs.mkdir(path.dirname(abs), { recursive: true });
  switch (kind) {
    case "absent":
      return;
    case "empty-dir":
      return fs.mkdir(abs).then(() => undefined);
    case "git-only":
      await fs.mkdir(path.join(abs, ".git"), { recursive: true });
      return fs.writeFile(path.join(abs, ".git", "HEAD"), "ref: refs/heads/main\n");
    case "symlink-to-empty":
      return fs.symlink(path.join(box.sentinel, "empty-dir"), abs);
    case "dangling-symlink":
      return fs.symlink(path.join(box.sentinel, "does-not-exist"), abs);
    case "symlink-to-file":
      return fs.symlink(path.join(box.sentinel, "keep.txt"), abs);
    case "file":
      return fs.writeFile(abs, "a user file\n");
    case "nonempty":
      await fs.mkdir(abs);
      return fs.writeFile(path.join(abs, "notes.txt"), "mine\n");
  }
}

export const createSpec: CommandSpec<CreateCase> = {
  name: "create",
  runs: 400,
  cases: createCase,
  refusalCode: 1,
  async prepare(c, box) {
    let dir = c.dir === null ? null : resolveTokens(c.dir, box);
    // Generated absolute paths and `..` chains must not reach outside the sandbox (we may run as root).
    if (dir !== null && !isInside(path.resolve(box.work, dir.replaceAll("\u0000", "")), box.root)) dir = `escaped-${dir.replace(/[/\\]/g, "_")}`;
    const argv = dir === null ? [] : [dir];
    for (const s of c.servers) {
      if (s.description === null) argv.push("--server", s.name);
      else if (s.form === "eq") argv.push("--server", `${s.name}=${s.description}`);
      else argv.push("--server", s.name, "--description", s.description);
    }
    if (c.yes) argv.push("--yes");
    if (c.python !== null) argv.push("--python", c.python);
    if (c.repository !== null) argv.push("--repository", c.repository);
    if (c.branch !== null) argv.push("--branch", c.branch);
    if (c.dryRun) argv.push("--dry-run");
    argv.push("--no-git");
    const target = path.resolve(box.work, dir ?? "my-mcp-servers");
    if (!dir?.includes("\u0000") && isInside(target, box.work) && target !== box.work) await layTarget(target, c.targetKind, box).catch(() => undefined); // e.g. a name too long for the file system
    return { cwd: box.work, argv, writable: c.dryRun ? [] : [target] };
  },
  async judge(c, prep, out, changed) {
    const problems: Problem[] = [];
    if (out.code !== 0) return { verdict: "accepted", problems: looksLikeCrash(out.stderr) ? [] : [{ kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` }] };
    if (c.dryRun) {
      if (changed.length) problems.push({ kind: "partial-tree", detail: `--dry-run wrote ${changed.slice(0, 5).join(", ")}` });
      return { verdict: "accepted", problems };
    }
    const target = prep.writable[0]!;
    const st = await fs.lstat(target).catch(() => null);
    if (!st?.isDirectory()) return { verdict: "accepted", problems: [{ kind: "partial-tree", detail: `exit 0 but ${target} is not a folder` }] };
    const files = await checkTreeFiles(target);
    problems.push(...files.problems);
    // The staging folder beside the target must be gone.
    for (const e of await fs.readdir(path.dirname(target))) if (e.includes(".mcpm-staging-")) problems.push({ kind: "partial-tree", detail: `staging left: ${e}` });
    const text = await fs.readFile(path.join(target, "mcp-monorepo.yaml"), "utf8").catch(() => null);
    if (text === null) return { verdict: "accepted", problems: [...problems, { kind: "partial-tree", detail: "no mcp-monorepo.yaml" }] };
    let names: string[] = [];
    try {
      const m = parseManifest(text, target).manifest;
      names = m.servers.map((s) => s.name);
      const given = c.servers.length ? c.servers : c.yes ? DEFAULT_SERVERS.map((s) => ({ ...s })) : [];
      given.forEach((g, i) => {
        const want = g.name.includes("=") && "form" in g && g.form === "eq" ? null : g.description;
        if (want && m.servers[i]?.description !== want) {
          problems.push({ kind: "invalid-file", detail: `description of ${g.name} did not round-trip through mcp-monorepo.yaml: ${JSON.stringify(m.servers[i]?.description)?.slice(0, 100)}` });
        }
      });
    } catch (err) {
      problems.push({ kind: "invalid-file", detail: `mcp-monorepo.yaml: ${(err as Error).message}` });
    }
    const importable = names.length ? [path.join(target, `server-${names[0]}`, "src")] : [];
    return { verdict: "accepted", problems, deferred: { tree: target, idents: names.map(toIdentifier), clean: true, importable, allowRules: ["3.13", "3.14"].includes(c.python ?? "") ? ["python-version"] : [] } };
  },
};

// ---------------------------------------------------------------- fixtures shared by the commands that run inside a monorepo

/** Root files that list servers (add-server updates them); everything else pre-existing must stay byte-identical. */
const LISTING_FILES = new Set(["README.md", "mcp-monorepo.yaml", ".env.example", "mcp-monorepo.lock.json"]);
const USER_README_LINE = "Our own notes: keep this line \u2014 {{ not a template }} | pipe";
const USER_YAML_COMMENT = "# our comment: servers are reviewed by ops";
const USER_ENV_LINE = "# our own variable\nTEAM_TOKEN=changeme";

let templateRoot: Promise<string> | null = null;

/**
 * A generated monorepo (two servers, no git) with user text added where users add it: a README
 * line outside the generated table, a YAML comment, a root .env.example variable. Made once per
 * test file; cases copy it.
 */
export function monorepoTemplate(): Promise<string> {
  templateRoot ??= (async () => {
    const root = path.join(await tempDir("mcpm-robust-tpl-"), "repo");
    await createMonorepo({ targetDir: root, project: "repo", servers: [{ name: "ops", description: "Ops tools." }, { name: "billing", description: "Billing tools." }], python: "3.12", git: false, repository: "example/repo", branch: "main", targets: ["fastmcp-cloud"] });
    await fs.appendFile(path.join(root, "README.md"), `\n${USER_README_LINE}\n`);
    const yaml = await fs.readFile(path.join(root, "mcp-monorepo.yaml"), "utf8");
    await fs.writeFile(path.join(root, "mcp-monorepo.yaml"), `${USER_YAML_COMMENT}\n${yaml}`);
    await fs.appendFile(path.join(root, ".env.example"), `\n${USER_ENV_LINE}\n`);
    return root;
  })();
  return templateRoot;
}

/** Removes the template (afterAll). */
export async function removeTemplate(): Promise<void> {
  if (templateRoot) await fs.rm(path.dirname(await templateRoot), { recursive: true, force: true });
  templateRoot = null;
}

/** Copies the template into the sandbox (symlinks copied as links). */
async function copyTemplate(box: Sandbox): Promise<string> {
  const repo = path.join(box.work, "repo");
  await fs.cp(await monorepoTemplate(), repo, { recursive: true, verbatimSymlinks: true });
  return repo;
}

/** Reads the manifest's server names, or null when it does not parse. */
async function manifestNames(root: string): Promise<string[] | null> {
  try {
    return parseManifest(await fs.readFile(path.join(root, "mcp-monorepo.yaml"), "utf8"), root).manifest.servers.map((s) => s.name);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- add-server

type AddVariant = "plain" | "readme-symlink" | "env-symlink" | "manifest-symlink" | "shared-symlink" | "server-dir-symlink" | "server-dir-file" | "no-markers";

interface AddCase {
  name: string;
  description: string | null;
  yes: boolean;
  dryRun: boolean;
  cwd: string | null;
  variant: AddVariant;
}

const addCase: fc.Arbitrary<AddCase> = fc.record({
  name: serverName,
  description: fc.option(description, { freq: 4 }),
  yes: fc.boolean(),
  dryRun: fc.boolean().map((b) => b && Math.random() < 0.3),
  cwd: fc.option(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(".", "server-ops", "server-ops/src/shared", "shared", "..", "@SENTINEL@", "@BOX@", "missing-dir", "README.md") }, { weight: 1, arbitrary: hostileString }), { freq: 3 }),
  variant: fc.constantFrom<AddVariant>("plain", "plain", "plain", "plain", "plain", "readme-symlink", "env-symlink", "manifest-symlink", "shared-symlink", "server-dir-symlink", "server-dir-file", "no-markers"),
});

async function layAddVariant(repo: string, c: AddCase, box: Sandbox): Promise<void> {
  const link = async (rel: string, to: string) => {
    await fs.copyFile(path.join(repo, rel), to);
    await fs.rm(path.join(repo, rel));
    await fs.symlink(to, path.join(repo, rel));
  };
  switch (c.variant) {
    case "readme-symlink":
      return link("README.md", path.join(box.sentinel, "README.md"));
    case "env-symlink":
      return link(".env.example", path.join(box.sentinel, "env.example"));
    case "manifest-symlink":
      return link("mcp-monorepo.yaml", path.join(box.sentinel, "mcp-monorepo.yaml"));
    case "shared-symlink":
      return link("shared/config.py", path.join(box.sentinel, "shared-config.py"));
    case "server-dir-symlink":
      if (/^[a-z0-9-]{1,40}$/.test(c.name)) await fs.symlink(path.join(box.sentinel, "empty-dir"), path.join(repo, `server-${c.name}`));
      return;
    case "server-dir-file":
      if (/^[a-z0-9-]{1,40}$/.test(c.name)) await fs.writeFile(path.join(repo, `server-${c.name}`), "a user file\n");
      return;
    case "no-markers": {
      const readme = await fs.readFile(path.join(repo, "README.md"), "utf8");
      return fs.writeFile(path.join(repo, "README.md"), readme.replace(/<!-- mcp-monorepo:deployment-table:[^\n]*\n/g, ""));
    }
    case "plain":
      return;
  }
}

/** Lines outside the generated README table (what users wrote). */
function userReadmeLines(text: string): string[] {
  const start = text.indexOf("<!-- mcp-monorepo:deployment-table:start");
  const end = text.indexOf("<!-- mcp-monorepo:deployment-table:end");
  const outside = start >= 0 && end > start ? text.slice(0, start) + text.slice(end) : text;
  return outside.split("\n").filter((l) => l.trim() && !l.startsWith("<!--"));
}

export const addServerSpec: CommandSpec<AddCase> = {
  name: "add-server",
  runs: 300,
  cases: addCase,
  refusalCode: 1,
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    await layAddVariant(repo, c, box);
    const argv = ["add-server", c.name];
    if (c.description !== null) argv.push("--description", c.description);
    if (c.yes) argv.push("--yes");
    if (c.dryRun) argv.push("--dry-run");
    let cwdArg = c.cwd === null ? null : resolveTokens(c.cwd, box);
    if (cwdArg !== null && !isInside(path.resolve(repo, cwdArg.replaceAll("\u0000", "")), box.root)) cwdArg = `escaped-${cwdArg.replace(/[/\\]/g, "_")}`;
    if (cwdArg !== null) argv.push("--cwd", cwdArg);
    const before = new Map<string, Buffer>();
    for (const rel of [...LISTING_FILES]) before.set(rel, await fs.readFile(path.join(repo, rel)));
    preState.set(repo, before);
    return { cwd: repo, argv, writable: c.dryRun ? [] : [repo] };
  },
  async judge(c, prep, out, changed, box) {
    const problems: Problem[] = [];
    if (out.code !== 0) return { verdict: "accepted", problems: looksLikeCrash(out.stderr) ? [] : [{ kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` }] };
    if (c.dryRun) {
      if (changed.length) problems.push({ kind: "partial-tree", detail: `--dry-run wrote ${changed.slice(0, 5).join(", ")}` });
      return { verdict: "accepted", problems };
    }
    const repo = prep.cwd;
    const relRepo = path.relative(box.root, repo).split(path.sep).join("/");
    const names = (await manifestNames(repo)) ?? [];
    const added = names.filter((n) => n !== "ops" && n !== "billing");
    if (added.length !== 1) problems.push({ kind: "invalid-file", detail: `manifest servers after add-server: ${JSON.stringify(names)}` });
    const folder = `server-${added[0]}`;
    for (const p of changed) {
      if (!p.startsWith(`${relRepo}/`)) continue; // outside: counted by the generic check
      const rel = p.slice(relRepo.length + 1);
      if (rel.startsWith(`${folder}/`) || rel === `${folder}/` || LISTING_FILES.has(rel) || rel.startsWith(".mcp-monorepo.busy")) continue;
      problems.push({ kind: "user-data-lost", detail: `add-server changed ${rel}, which it does not own` });
    }
    const before = preState.get(repo)!;
    const now = async (rel: string) => fs.readFile(path.join(repo, rel), "utf8").catch(() => "");
    if (!(await now(".env.example")).startsWith(before.get(".env.example")!.toString("utf8").trimEnd())) problems.push({ kind: "user-data-lost", detail: ".env.example lost its old content" });
    if (!(await now("mcp-monorepo.yaml")).includes(USER_YAML_COMMENT)) problems.push({ kind: "user-data-lost", detail: "mcp-monorepo.yaml lost the user's comment" });
    const readmeNow = await now("README.md");
    for (const l of userReadmeLines(before.get("README.md")!.toString("utf8"))) {
      if (!readmeNow.includes(l)) problems.push({ kind: "user-data-lost", detail: `README.md lost the user line ${JSON.stringify(l.slice(0, 80))}` });
    }
    if (c.description) {
      const m = parseManifest(await now("mcp-monorepo.yaml"), repo).manifest.servers.find((s) => s.name === added[0]);
      if (m?.description !== c.description) problems.push({ kind: "invalid-file", detail: `description did not round-trip: ${JSON.stringify(m?.description)?.slice(0, 100)}` });
    }
    problems.push(...(await checkTreeFiles(repo)).problems);
    return { verdict: "accepted", problems, deferred: { tree: repo, idents: names.map(toIdentifier), clean: true, importable: added.length ? [path.join(repo, folder, "src")] : [] } };
  },
};

const preState = new Map<string, Map<string, Buffer>>();

// ---------------------------------------------------------------- sync

type SyncOp =
  | { op: "add"; name: string; content: string }
  | { op: "edit"; file: string; append: string }
  | { op: "delete"; file: string }
  | { op: "secret"; name: string }
  | { op: "symlink-out" }
  | { op: "symlink-in" }
  | { op: "hand-edit"; server: string }
  | { op: "unmanaged"; server: string }
  | { op: "vendored-link-out"; server: string }
  | { op: "dir-to-file"; server: string }
  | { op: "file-to-dir"; server: string }
  | { op: "req"; line: string }
  | { op: "server-req"; server: string; line: string };

interface SyncCase {
  ops: SyncOp[];
  flags: string[];
}

const SHARED_FILES = ["__init__.py", "config.py", "http_client.py", "pagination.py"];
const server = fc.constantFrom("ops", "billing");
/** File names with spaces, unicode, newlines, bidi marks, dots: each one path segment. */
const fileName = fc
  .oneof(
    fc.constantFrom("extra.py", "my file.py", "ünïcödé.py", "a\nb.py", "\u202etxt.py", "tab\there.txt", ".hidden.py", "sub dir/mod.py", "deep/er/x.json", "{{name}}.py", "$(id).sh", "`id`.txt", "-rf", "CON", "x".repeat(200) + ".py"),
    hostileString.map((h) => h.replace(/[/\u0000]/g, "_").slice(0, 60)),
  )
  .filter((n) => n !== "" && n !== "." && n !== ".." && Buffer.byteLength(n) < 250 && !/(^|\/)\.\.?($|\/)/.test(n));
const reqLine = fc.oneof(fc.constantFrom("-e ../x", "git+https://example.com/x.git", "httpx>=0.28", "anyio>=4", "--index-url http://example.com/simple", "file:///tmp/x", "requests ; python_version<'3.13'", "./local-pkg", "pydantic>=2 # pinned by us"), hostileString.map((h) => h.slice(0, 80)));
const syncOp: fc.Arbitrary<SyncOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("add" as const), name: fileName, content: hostileString }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("edit" as const), file: fc.constantFrom(...SHARED_FILES), append: hostileString }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), file: fc.constantFrom(...SHARED_FILES) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("secret" as const), name: fc.constantFrom(".env", ".env.local", "sub/.env.production") }) },
  { weight: 1, arbitrary: fc.constant({ op: "symlink-out" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "symlink-in" as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("hand-edit" as const), server }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("unmanaged" as const), server }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("vendored-link-out" as const), server }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("dir-to-file" as const), server }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("file-to-dir" as const), server }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("req" as const), line: reqLine }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("server-req" as const), server, line: reqLine }) },
);
const syncFlags = fc.oneof(
  { weight: 5, arbitrary: fc.constant<string[]>([]) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(["--check"], ["--dry-run"], ["--force"], ["--json"], ["-s", "ops"], ["--check", "--force"], ["--json", "--dry-run"], ["--cwd", "server-ops"], ["--cwd", "@SENTINEL@"], ["-s", "nope"]) },
  { weight: 1, arbitrary: hostileString.map((h) => ["-s", h]) },
);

interface SyncState {
  secrets: string[];
  /** Files that belong to the user and must survive byte-identical (root-relative → bytes); hand edits are dropped from it under --force. */
  keep: Map<string, Buffer>;
  /** User lines added to a server's requirements.txt outside the managed block. */
  reqLines: Array<{ file: string; line: string }>;
}
const syncState = new Map<string, SyncState>();

async function applySyncOp(repo: string, op: SyncOp, box: Sandbox, st: SyncState, force: boolean): Promise<void> {
  const abs = (rel: string) => path.join(repo, ...rel.split("/"));
  const write = async (rel: string, content: string | Buffer) => {
    await fs.mkdir(path.dirname(abs(rel)), { recursive: true });
    await fs.rm(abs(rel), { recursive: true, force: true });
    await fs.writeFile(abs(rel), content);
  };
  const exists = (rel: string) => fs.lstat(abs(rel)).then(() => true, () => false);
  switch (op.op) {
    case "add":
      return write(`shared/${op.name}`, op.content);
    case "edit":
      if (await exists(`shared/${op.file}`)) await fs.appendFile(abs(`shared/${op.file}`), `\n# ${op.append.replace(/[\r\n]/g, " ")}\n`);
      return;
    case "delete":
      return fs.rm(abs(`shared/${op.file}`), { force: true });
    case "secret": {
      const secret = `s3cr3t-${Math.random().toString(16).slice(2)}`;
      st.secrets.push(secret);
      return write(`shared/${op.name}`, `SECRET_TOKEN=${secret}\n`);
    }
    case "symlink-out":
      await fs.rm(abs("shared/evil.py"), { force: true });
      return fs.symlink(path.join(box.sentinel, "config.py"), abs("shared/evil.py"));
    case "symlink-in":
      await fs.rm(abs("shared/alias.py"), { force: true });
      return fs.symlink("config.py", abs("shared/alias.py"));
    case "hand-edit": {
      const rel = `server-${op.server}/src/shared/config.py`;
      if (!(await fs.lstat(abs(rel)).then((s) => s.isFile(), () => false))) return;
      await fs.appendFile(abs(rel), "\n# hand edit: keep me\n");
      if (!force) st.keep.set(rel, await fs.readFile(abs(rel)));
      return;
    }
    case "unmanaged": {
      const rel = `server-${op.server}/src/shared/NOTES.md`;
      await write(rel, "mine, not sync's\n");
      st.keep.set(rel, await fs.readFile(abs(rel)));
      return;
    }
    case "vendored-link-out": {
      const rel = `server-${op.server}/src/shared/config.py`;
      await fs.rm(abs(rel), { recursive: true, force: true });
      return fs.symlink(path.join(box.sentinel, "config.py"), abs(rel));
    }
    case "dir-to-file":
      await write("shared/pkg/mod.py", "X = 1\n");
      await write(`server-${op.server}/src/shared/pkg`, "a file where a folder belongs\n");
      return;
    case "file-to-dir":
      await fs.rm(abs(`server-${op.server}/src/shared/pagination.py`), { recursive: true, force: true });
      return write(`server-${op.server}/src/shared/pagination.py/inner.txt`, "a folder where a file belongs\n");
    case "req":
      return fs.appendFile(abs("shared/requirements.txt"), `${op.line.replace(/[\r\n]/g, " ")}\n`);
    case "server-req": {
      const rel = `server-${op.server}/requirements.txt`;
      const line = op.line.replace(/[\r\n]/g, " ").trim();
      await fs.appendFile(abs(rel), `${line}\n`);
      if (line) st.reqLines.push({ file: rel, line });
      return;
    }
  }
}

/** All file contents under `dir` except shared/ (where secrets legitimately live). */
async function nonCanonicalTexts(repo: string): Promise<Array<{ rel: string; text: string }>> {
  const out: Array<{ rel: string; text: string }> = [];
  for (const e of await fs.readdir(repo, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    const rel = path.relative(repo, abs).split(path.sep).join("/");
    if (rel.startsWith("shared/")) continue;
    out.push({ rel, text: await fs.readFile(abs, "latin1") });
  }
  return out;
}

export const syncSpec: CommandSpec<SyncCase> = {
  name: "sync",
  runs: 300,
  cases: fc.record({ ops: fc.array(syncOp, { minLength: 0, maxLength: 4 }), flags: syncFlags }),
  refusalCode: 1,
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    const st: SyncState = { secrets: [], keep: new Map(), reqLines: [] };
    const force = c.flags.includes("--force");
    for (const op of c.ops) await applySyncOp(repo, op, box, st, force);
    syncState.set(repo, st);
    const argv = ["sync", ...c.flags.map((f) => resolveTokens(f, box))];
    const writes = !c.flags.some((f) => f === "--check" || f === "--dry-run");
    return { cwd: repo, argv, writable: writes ? [repo] : [] };
  },
  async judge(c, prep, out) {
    const problems: Problem[] = [];
    const repo = prep.cwd;
    const st = syncState.get(repo)!;
    for (const secret of st.secrets) {
      if ((out.stdout + out.stderr).includes(secret)) problems.push({ kind: "secret-leaked", detail: "a shared/.env value was printed" });
      for (const f of await nonCanonicalTexts(repo)) if (f.text.includes(secret)) problems.push({ kind: "secret-leaked", detail: `a shared/.env value was copied into ${f.rel}` });
    }
    for (const [rel, bytes] of st.keep) {
      const now = await fs.readFile(path.join(repo, rel)).catch(() => null);
      if (!now?.equals(bytes)) problems.push({ kind: "user-data-lost", detail: `${rel} was changed or removed` });
    }
    for (const { file, line } of st.reqLines) {
      if (!(await fs.readFile(path.join(repo, file), "utf8").catch(() => "")).includes(line)) problems.push({ kind: "user-data-lost", detail: `${file} lost the user's line ${JSON.stringify(line)}` });
    }
    if (out.code !== 0 && out.code !== 1) problems.push({ kind: "unclear-error", detail: `exit ${out.code}` });
    if (c.flags.includes("--json") && !out.stderr.startsWith("error:")) {
      try {
        JSON.parse(out.stdout);
      } catch {
        problems.push({ kind: "invalid-file", detail: `--json printed no JSON: ${out.stdout.slice(0, 200)}` });
      }
    }
    if (prep.writable.length === 0 || out.code !== 0) return { verdict: out.code === 0 ? "accepted" : "findings", problems };
    // A sync that succeeded: every selected server's copy equals shared/ (minus what is never vendored), and a re-run is a no-op.
    const { listVendoredSync } = await import("../../src/sync/scan.js");
    const canonical = listVendoredSync(path.join(repo, "shared")).files.filter((f) => f.path !== "requirements.txt");
    const only = c.flags.includes("-s") ? [c.flags[c.flags.indexOf("-s") + 1]!] : ["ops", "billing"];
    for (const s of only) {
      for (const f of canonical) {
        const a = await fs.readFile(path.join(repo, "shared", f.path)).catch(() => null);
        const b = await fs.readFile(path.join(repo, `server-${s}`, "src", "shared", f.path)).catch(() => null);
        if (!f.symlink && !(a && b && a.equals(b))) problems.push({ kind: "invalid-file", detail: `server-${s}/src/shared/${f.path} differs from shared/ after a successful sync` });
      }
    }
    const again = await fingerprint(repo);
    const rerun = await runBounded(prep.argv, repo); // the same selection (-s) again
    const changedAgain = changedPaths(again, await fingerprint(repo));
    if (rerun.code !== 0 || changedAgain.length) problems.push({ kind: "partial-tree", detail: `a second sync was not a no-op (exit ${rerun.code}; changed ${changedAgain.slice(0, 3).join(", ")}): ${rerun.stdout.slice(0, 200)}` });
    problems.push(...(await checkTreeFiles(repo)).problems.filter((p) => p.kind === "partial-tree"));
    return { verdict: "accepted", problems };
  },
};

// ---------------------------------------------------------------- check

/** Python-ish sources that stress a parser: huge, deep, binary, badly encoded. */
export const hostileSource: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileString.map((h) => `from fastmcp import FastMCP\nmcp = FastMCP(${JSON.stringify(h)})\n`) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => `from fastmcp import FastMCP\nmcp = FastMCP("big")\n` + Array.from({ length: n }, (_, i) => `x${i} = ${i}  # line ${i}`).join("\n") + "\n") },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("(", "[", "{", "-", "not ", "lambda: ", "f("), fc.integer({ min: 50, max: 200_000 })).map(([o, n]) => `x = ${o.repeat(n)}1\n`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 100_000 }).map((n) => `x = ${"1 + ".repeat(n)}1\n`) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 2000 }).map((n) => Array.from({ length: n }, (_, i) => `${"    ".repeat(i)}if x:`).join("\n") + `\n${"    ".repeat(n)}pass\n`) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom<string | Buffer>(Buffer.from([0xff, 0xfe, 0x00, 0x78, 0x3d, 0x31]), Buffer.from("x = '\xe9'\n", "latin1"), Buffer.from("# -*- coding: latin-1 -*-\nx = '\xe9'\n", "latin1"), Buffer.from("# -*- coding: klingon -*-\n"), "\ufeffimport os\nmcp = None\n", "x = 1\r\ry = 2\r", "import os\nos.getenv(\u0000)\n", "\u0000\u0000\u0000", "") },
);

type CheckOp =
  | { op: "server-py"; content: string | Buffer }
  | { op: "extra-py"; name: string; content: string | Buffer }
  | { op: "symlink-loop"; kind: "self" | "pair" | "up" | "out" }
  | { op: "text"; file: "fastmcp.json" | "requirements.txt" | ".env.example" | ".python-version" | "pyproject.toml"; content: string }
  | { op: "manifest"; content: string };

interface CheckCase {
  ops: CheckOp[];
  flags: string[];
}

const checkOp: fc.Arbitrary<CheckOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("server-py" as const), content: hostileSource }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("extra-py" as const), name: fileName.map((n) => n.replace(/\.\w*$/, "") + ".py"), content: hostileSource }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("symlink-loop" as const), kind: fc.constantFrom("self" as const, "pair" as const, "up" as const, "out" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("text" as const),
      file: fc.constantFrom("fastmcp.json" as const, "requirements.txt" as const, ".env.example" as const, ".python-version" as const, "pyproject.toml" as const),
      content: fc.oneof(hostileString, fc.integer({ min: 10, max: 100_000 }).map((n) => "[".repeat(n) + "]".repeat(n)), fc.json()),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("manifest" as const),
      content: fc.oneof(hostileString, fc.constantFrom("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n", "servers: !!python/object/apply:os.system ['id']\n", "%YAML 9.9\n---\n", "servers:\n  - name: ../../etc\n    folder: ../../etc\n")),
    }),
  },
);
const checkFlags = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(["--strict"], ["--json"], ["--strict"], ["--json"], ["--strict", "--json"], ["-s", "ops"], ["-s", "server-billing"], ["--target", "docker"], ["--target", "k8s"], ["--target", "mcpb"], ["--target", "heroku"], ["--python", "/nonexistent/python3"], ["--python", "@SENTINEL@/config.py"], ["--python", "true"], ["--cwd", "server-ops/src"], ["--cwd", "@SENTINEL@"]) },
    { weight: 1, arbitrary: hostileString.map((h) => ["-s", h]) },
  ),
  { maxLength: 3 },
).map((a) => a.flat());

async function applyCheckOp(repo: string, op: CheckOp, box: Sandbox): Promise<void> {
  const src = path.join(repo, "server-ops", "src");
  switch (op.op) {
    case "server-py":
      return fs.writeFile(path.join(src, "server.py"), op.content);
    case "extra-py":
      await fs.mkdir(path.dirname(path.join(src, op.name)), { recursive: true }).catch(() => undefined);
      return fs.writeFile(path.join(src, op.name), op.content).catch(() => undefined);
    case "symlink-loop":
      if (op.kind === "self") return fs.symlink("loop", path.join(src, "loop")).catch(() => undefined);
      if (op.kind === "pair") {
        await fs.symlink("b", path.join(src, "a")).catch(() => undefined);
        return fs.symlink("a", path.join(src, "b")).catch(() => undefined);
      }
      if (op.kind === "up") return fs.symlink("..", path.join(src, "up")).catch(() => undefined);
      return fs.symlink(box.sentinel, path.join(src, "outside")).catch(() => undefined);
    case "text":
      return fs.writeFile(path.join(repo, "server-ops", op.file), op.content);
    case "manifest":
      return fs.appendFile(path.join(repo, "mcp-monorepo.yaml"), `\n${op.content}\n`);
  }
}

export const checkSpec: CommandSpec<CheckCase> = {
  name: "check",
  runs: 200,
  cases: fc.record({ ops: fc.array(checkOp, { minLength: 1, maxLength: 3 }), flags: checkFlags }),
  refusalCode: 2,
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    for (const op of c.ops) await applyCheckOp(repo, op, box);
    return { cwd: repo, argv: ["check", ...c.flags.map((f) => resolveTokens(f, box))], writable: [] };
  },
  async judge(c, _prep, out) {
    const problems: Problem[] = [];
    if (out.code !== 0 && out.code !== 1) problems.push({ kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` });
    if (out.stderr.trim()) problems.push({ kind: "unclear-error", detail: `check printed to stderr while it ran: ${out.stderr.slice(0, 300)}` });
    if (c.flags.includes("--json")) {
      try {
        JSON.parse(out.stdout);
      } catch {
        problems.push({ kind: "invalid-file", detail: `--json printed no JSON: ${out.stdout.slice(0, 200)}` });
      }
    }
    return { verdict: out.code === 1 ? "findings" : "accepted", problems };
  },
};

/** Every command the property suite covers. Add a line here for a new command. */
export const COMMANDS: AnySpec[] = [createSpec, addServerSpec, syncSpec, checkSpec];
