import { lstatSync } from "node:fs";
import path from "node:path";
import * as z from "../kernel/zod.js";
import { VERSION } from "../version.js";
import { UserError } from "../kernel/errors.js";
import { MAX_DESCRIPTION_LENGTH } from "../kernel/defaults.js";
import { MANIFEST_FORMAT_VERSION, PYTHON_VERSIONS, renderManifest, serverEntry, TARGETS, type Manifest } from "../monorepo/manifest.js";
import { toTitle, validateServerNames } from "../monorepo/names.js";
import { checkTargetDir, validateProjectName, type TargetState } from "./target-dir.js";
import { distinctTargetPythons, pythonTargetsProblem, type PythonTargetsProblem } from "../monorepo/deploy-compat.js";
import { diffAgainstDisk, writeTreeAtomically, type DesiredFile, type FileChange } from "../monorepo/changes.js";
import { renderDeploymentTable } from "./readme.js";
import { enclosingGitRepo } from "./git-facts.js";
import { renderGenerator } from "./render.js";
import { renderRootTargetFiles } from "./targets.js";
import { fillEnvBlock, serverData, serverFiles } from "./server-files.js";
import { ENV_EXAMPLE } from "../monorepo/env-block.js";
import { LOCK_FILE, SHARED_DIR, NOT_COPIED, serializeLock, vendorHash, vendoredStateOf, type SharedFile, type SyncLock } from "../monorepo/vendor.js";


// Defaults live in ./defaults.ts (imported by the option declarations at start-up).
export { DEFAULT_DIR, DEFAULT_PYTHON, DEFAULT_SERVERS, MAX_DESCRIPTION_LENGTH } from "../kernel/defaults.js";

/** Validated options of {@link createMonorepo} (zod). */
export const createOptionsSchema = z
  .object({
    /** Absolute path of the folder to create. */
    targetDir: z.string().check(z.refine((p) => path.isAbsolute(p), "target directory must be an absolute path")),
    /** Project name (defaults to the folder's name). */
    project: z.string().check(
      z.superRefine((name, ctx) => {
        const ok = validateProjectName(name);
        if (ok !== true) ctx.addIssue({ code: "custom", message: ok });
      }),
    ),
    servers: z
      .array(
        z.object({
          name: z.string(),
          description: z.string().check(z.maxLength(MAX_DESCRIPTION_LENGTH, `a server description is longer than ${MAX_DESCRIPTION_LENGTH} characters`)),
        }),
      )
      .check(z.minLength(1, "at least one server is needed")),
    python: z.enum(PYTHON_VERSIONS, { message: `Python version must be one of ${PYTHON_VERSIONS.join(", ")}` }),
    /** Run `git init` in the new folder. */
    git: z.boolean(),
    /** GitHub `owner/name` shown in the Deployment table. */
    repository: z.string().check(z.regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "repository must look like owner/name")),
    branch: z.string().check(z.regex(/^[A-Za-z0-9._/-]{1,100}$/, "branch may hold letters, digits, '.', '_', '/' and '-'")),
    targets: z.array(z.enum(TARGETS)).check(z.minLength(1)),
  })
  .check(
    z.superRefine((o, ctx) => {
      const ok = validateServerNames(o.servers.map((s) => s.name));
      if (ok !== true) ctx.addIssue({ code: "custom", message: ok, path: ["servers"] });
      const problem = pythonTargetsProblem(o.python, o.targets);
      if (problem) ctx.addIssue({ code: "custom", message: pythonTargetsMessage(problem), path: ["python"] });
    }),
  );

/**
 * The one-line refusal for a Python version a target cannot run, naming the ways out
 * (a lower `--python`, or a target that runs it).
 */
export function pythonTargetsMessage(problem: PythonTargetsProblem): string {
  const others = problem.targetsThatRunIt.filter((t) => t !== problem.target);
  const list = others.length > 1 ? `${others.slice(0, -1).join(", ")} or ${others[others.length - 1]}` : (others[0] ?? "");
  return `${problem.message}: choose --python ${problem.highestPython} or lower${others.length ? `, or deploy Python ${problem.python} with --target ${list} instead of ${problem.target}` : ""}`;
}

export type CreateOptions = z.infer<typeof createOptionsSchema>;

/** What `create` did or would do. */
export interface CreateResult {
  /** Absolute monorepo root. */
  root: string;
  /** One `create` change per file, sorted by path. */
  changes: FileChange[];
  /** True when nothing was written (`--dry-run`). */
  dryRun: boolean;
  /**
   * `committed` (git init + initial commit), `initialized` (init only: no git identity
   * configured), `skipped` (not asked, or dry run), `existing` (a .git was there),
   * `enclosing` (the folder is inside another repository's work tree: no nested `git init`;
   * see {@link CreateResult.gitRoot}), `unavailable` (git not found) or `failed` (`git init` failed:
   * see {@link CreateResult.gitError}).
   */
  git: "committed" | "initialized" | "skipped" | "existing" | "enclosing" | "unavailable" | "failed";
  /** The git step that failed and git's reason, when `git` is `initialized` or `failed`. */
  gitError?: string;
  /** The enclosing repository's top folder when `git` is `enclosing`. */
  gitRoot?: string;
  /** Advice worth showing (none today: a Python version a target cannot run is refused instead). */
  warnings: string[];
  manifest: Manifest;
}

/**
 * Validates raw options and fills the derived defaults.
 *
 * @throws UserError with the first problem as one line.
 */
export function parseCreateOptions(raw: unknown): CreateOptions {
  const result = createOptionsSchema.safeParse(raw);
  if (!result.success) throw new UserError(result.error.issues[0]!.message);
  return result.data;
}

/** The manifest a new monorepo starts with. */
export function initialManifest(opts: CreateOptions): Manifest {
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    generator: `create-mcp-monorepo@${VERSION}`,
    project: opts.project,
    python: opts.python,
    repository: opts.repository,
    branch: opts.branch,
    targets: TARGETS.filter((t) => opts.targets.includes(t)),
    shared: SHARED_DIR,
    // A blank description (empty or only whitespace) is none, as in add-server.
    servers: opts.servers.map((s) => serverEntry(s.name, s.description.trim() ? s.description : `${toTitle(s.name)} MCP server.`)),
  };
}

/**
 * Refuses a target that is a symbolic link (even to an empty folder, or dangling: create never
 * writes through a link, so nothing outside the named folder can change), a file, a non-empty
 * folder or already a monorepo (see `checkTargetDir`).
 */
function assertTargetUsable(targetDir: string): TargetState {
  if (lstatSync(targetDir, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw new UserError(`${targetDir} is a symbolic link; pick a real folder, nothing was written`);
  }
  const state = checkTargetDir(targetDir, targetDir);
  if (typeof state === "object") throw new UserError(state.problem);
  return state;
}

/**
 * Renders every file of a new monorepo (writes nothing).
 *
 * @param opts - validated options.
 * @param from - an existing monorepo's manifest to render instead of {@link initialManifest}'s
 *   (`upgrade` renders what this version makes of it: its servers' ports and entries included);
 *   its `generator` becomes this version.
 * @returns POSIX relative path → file, and the manifest.
 */
export async function renderMonorepo(opts: CreateOptions, from?: Manifest): Promise<{ files: Map<string, DesiredFile>; manifest: Manifest }> {
  const manifest = from ? { ...from, generator: `create-mcp-monorepo@${VERSION}` } : initialManifest(opts);
  const servers = manifest.servers.map((s) => serverData(s.name, s.description));
  const files = await renderGenerator("monorepo", {
    project: manifest.project,
    python: manifest.python,
    targetPython: distinctTargetPythons(manifest.python, manifest.targets)[0]!,
    generatorVersion: VERSION,
    servers,
    deploymentTable: renderDeploymentTable(manifest),
  });
  const shared: SharedFile[] = [];
  let sharedRequirements = "";
  let sharedEnv: string | null = null;
  for (const [p, f] of files) {
    if (!p.startsWith(`${SHARED_DIR}/`)) continue;
    const rel = p.slice(SHARED_DIR.length + 1);
    const content = Buffer.from(f.content);
    if (rel === "requirements.txt") sharedRequirements = content.toString("utf8");
    else if (rel === ENV_EXAMPLE) sharedEnv = content.toString("utf8");
    else if (!NOT_COPIED.has(rel)) shared.push({ path: rel, content, mode: f.mode ?? 0o644, sha256: vendorHash(content) });
  }
  fillEnvBlock(files, ENV_EXAMPLE, sharedEnv);
  const lock: SyncLock = { lockVersion: 1, servers: {} };
  for (const server of servers) {
    for (const [p, f] of await serverFiles({ server, python: manifest.python, shared, sharedRequirements, sharedEnv, targets: manifest.targets })) files.set(p, f);
    lock.servers[server.name] = vendoredStateOf(shared);
  }
  for (const [p, f] of await renderRootTargetFiles(manifest.targets, manifest)) files.set(p, f);
  files.set("mcp-monorepo.yaml", { content: renderManifest(manifest), mode: 0o644 });
  files.set(LOCK_FILE, { content: serializeLock(lock), mode: 0o644 });
  return { files, manifest };
}

/**
 * `git init` (branch main) and an initial commit of the generated files, as
 * create-next-app does, so `add-server`'s uncommitted-changes guard starts from a
 * clean tree. Without a git identity the files stay staged and uncommitted.
 */
async function gitInit(root: string): Promise<{ git: CreateResult["git"]; gitError?: string }> {
  // Loaded here, not at the top: `--no-git` and `--dry-run` never start a process.
  const { initRepository } = await import("../monorepo/git.js");
  const outcome = await initRepository(root, `Initial commit from create-mcp-monorepo ${VERSION}`);
  return outcome.reason ? { git: outcome.state, gitError: outcome.reason } : { git: outcome.state };
}

/**
 * Creates a compliant monorepo (the core of `create-mcp-monorepo [dir]`; never prompts).
 * Renders a plan first; with `dryRun` returns it and writes nothing; otherwise
 * writes it atomically (staging folder renamed into place) and optionally runs `git init`.
 *
 * @param raw - options, validated by {@link createOptionsSchema}.
 * @param opts.dryRun - plan only.
 * @param opts.afterWrite - runs once the tree is in place and before `git init` (create's command
 *   locks the servers there, so the initial commit holds uv.lock); its notes become warnings.
 * @throws UserError for invalid options (a Python version a target cannot run included) or a target
 *   that is a file, a non-empty folder (anything but `.git`) or already a monorepo.
 */
export async function createMonorepo(raw: unknown, opts: { dryRun?: boolean; afterWrite?: (root: string, manifest: Manifest) => Promise<string[]> } = {}): Promise<CreateResult> {
  const options = parseCreateOptions(raw);
  const state = assertTargetUsable(options.targetDir);
  const { files, manifest } = await renderMonorepo(options);
  const changes = await diffAgainstDisk(options.targetDir, files);
  const warnings: string[] = [];
  const base = { root: options.targetDir, changes, warnings, manifest };
  if (opts.dryRun) return { ...base, dryRun: true, git: "skipped" };
  await writeTreeAtomically(options.targetDir, files);
  if (opts.afterWrite) warnings.push(...(await opts.afterWrite(options.targetDir, manifest)));
  let git: CreateResult["git"] = "skipped";
  let gitError: string | undefined;
  if (state === "git-only") git = "existing";
  else if (options.git) {
    // Inside another work tree a nested repository would hide these files from it (and GitHub
    // runs only the outer repository's .github/workflows): leave them to the outer repository.
    const outer = await enclosingGitRepo(options.targetDir);
    if (outer) return { ...base, dryRun: false, git: "enclosing", gitRoot: outer };
    ({ git, gitError } = await gitInit(options.targetDir));
  }
  return { ...base, dryRun: false, git, ...(gitError ? { gitError } : {}) };
}
