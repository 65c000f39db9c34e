import path from "node:path";
import pc from "picocolors";
import { useColor, writeLine } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { createMonorepo, DEFAULT_DIR, DEFAULT_PYTHON, DEFAULT_SERVERS, pythonTargetsMessage, type CreateResult } from "../scaffold/create.js";
import { validateServerNames } from "../monorepo/names.js";
import { pythonTargetsProblem } from "../monorepo/deploy-compat.js";
import { UserError } from "../kernel/errors.js";
import type { Manifest, Target } from "../monorepo/manifest.js";
import { formatPlan } from "../monorepo/changes.js";
import { didYouMean } from "../kernel/suggest.js";
import { checkTargetDir } from "../scaffold/target-dir.js";
import { VERSION } from "../version.js";
import { PLACEHOLDER_GITHUB_OWNER } from "../kernel/defaults.js";

// The body of `create`, loaded by src/commands/create.ts only when it runs (it pulls in
// handlebars, zod and yaml; node-plop on the first render; the prompts (clack) only when it
// is interactive).

/** Options of `create` as commander parses them. */
export interface CreateFlags {
  yes?: boolean;
  server?: Array<{ name: string; description?: string }>;
  python?: string;
  git?: boolean;
  repository?: string;
  branch: string;
  dryRun?: boolean;
  json?: boolean;
  cwd?: string;
  target?: string[];
  /** `--no-lock` sets it false: write the unlocked form and never run uv. */
  lock?: boolean;
}

/** `1 server`, `3 servers`. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Quotes a word for a POSIX shell (single quotes; embedded quotes closed and escaped). */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The one-shot command equivalent to an interactive session. */
export function equivalentCommand(
  dir: string,
  servers: Array<{ name: string; description: string }>,
  python: string,
  git: boolean,
  targets: readonly string[] = ["fastmcp-cloud"],
  repository?: string,
): string {
  const words = ["npm", "create", "mcp-monorepo@latest", dir, "--"];
  const defaults = servers.length === DEFAULT_SERVERS.length && servers.every((s, i) => s.name === DEFAULT_SERVERS[i]!.name && s.description === DEFAULT_SERVERS[i]!.description);
  if (defaults) {
    // Exactly what --yes gives: say so instead of spelling it out.
    words.push("--yes");
    if (python !== DEFAULT_PYTHON) words.push("--python", python);
    if (!git) words.push("--no-git");
    if (targets.length !== 1 || targets[0] !== "fastmcp-cloud") for (const t of targets) words.push("--target", t);
    if (repository) words.push("--repository", repository);
    return words.map(shellQuote).join(" ");
  }
  for (const s of servers) words.push("--server", s.description ? `${s.name}=${s.description}` : s.name);
  words.push("--python", python, git ? "--git" : "--no-git");
  if (targets.length !== 1 || targets[0] !== "fastmcp-cloud") for (const t of targets) words.push("--target", t);
  if (repository) words.push("--repository", repository);
  return words.map(shellQuote).join(" ");
}

function nextSteps(result: CreateResult, shownDir: string, locked: boolean): string[] {
  const first = result.manifest.servers[0]!;
  // Inside another repository: no nested git init; GitHub runs only workflows at that repository's root.
  const outer = result.git === "enclosing"
    ? [`git add . && git commit -m "Add ${result.manifest.project}"   # no git init: inside the git repository at ${result.gitRoot}; move .github/workflows/ to its root for CI to run`]
    : [];
  return [
    `cd ${shellQuote(shownDir)}`,
    ...outer,
    ...(locked ? [] : ["npx create-mcp-monorepo lock   # pin exact versions: uv.lock + requirements.txt (needs uv: https://docs.astral.sh/uv/)"]),
    `(cd ${first.folder} && uv sync && uv run pytest -q)`,
    `npx create-mcp-monorepo verify   # before a deploy: each server in a fresh venv, served over MCP`,
    `cd ${first.folder} && uv run fastmcp run fastmcp.json --skip-env --transport http   # serves http://127.0.0.1:8000/mcp`,
  ];
}

/**
 * Refuses a positional folder name that is (or looks like a typo of) a command:
 * `mcp-monorepo snyc` would otherwise open the create wizard for a folder `snyc/`.
 * `./sync` (any path with a separator) is taken as a folder.
 *
 * @param commands - every command name and alias of the program, plus `help`.
 * @throws UserError naming the command meant and how to create such a folder anyway.
 */
export function refuseCommandLikeFolder(dir: string, commands: readonly string[]): void {
  if (/[\\/]/.test(dir) || dir.startsWith(".")) return;
  const asFolder = `to create a folder named ${JSON.stringify(dir)}, write ./${dir}`;
  if (commands.includes(dir)) {
    throw new UserError(`"${dir}" is a command, not a folder: put the command first (mcp-monorepo ${dir} --help shows its options); ${asFolder}`);
  }
  const near = didYouMean(dir, commands);
  if (near) throw new UserError(`unknown command "${dir}": did you mean "${near}"? (${asFolder})`);
}

/**
 * The body of `create` (and of the program without a command): checks the flags, prompts for
 * what is missing (interactive only), creates the monorepo, prints the plan (`--dry-run`), the
 * result (`--json`) or the result and next steps.
 *
 * @param args.commands - command names a positional folder must not look like (the program itself), or undefined (`create`).
 * @returns the exit code, 0.
 * @throws UserError for bad input (nothing written), CancelledError when a prompt is cancelled.
 */
export const createAction: CommandAction<{ dir?: string; options: CreateFlags; commands?: readonly string[] }> = async (ctx, { dir: dirArg, options: flags, commands }) => {
  if (dirArg !== undefined && commands) refuseCommandLikeFolder(dirArg, commands);
  const base = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
  const given = {
    dir: dirArg,
    servers: flags.server?.map((s) => ({ name: s.name, description: s.description ?? "" })),
    python: flags.python,
    git: flags.git,
    targets: flags.target as Target[] | undefined,
    repository: flags.repository,
  };
  // A folder given as an argument is checked before any question is asked.
  if (given.dir !== undefined) {
    const st = checkTargetDir(path.resolve(base, given.dir), given.dir);
    if (typeof st === "object") throw new UserError(st.problem);
  }
  // Flags are checked before any question, so a bad one never costs a wizard run.
  if (given.servers) {
    const ok = validateServerNames(given.servers.map((sv) => sv.name));
    if (ok !== true) throw new UserError(ok);
  }
  const disagree = given.python && given.targets ? pythonTargetsProblem(given.python, given.targets) : null;
  if (disagree) throw new UserError(pythonTargetsMessage(disagree));
  const interactive = ctx.interactive && !flags.yes && !flags.json;
  let answers;
  if (interactive) {
    const { promptCreate } = await import("../prompts/create.js");
    answers = await promptCreate({ ...ctx, cwd: base }, given, VERSION);
  } else {
    if (!given.servers && !flags.yes) {
      throw new UserError("no servers given: pass --server NAME (repeatable) or --yes for the defaults (prompts need a terminal)");
    }
    answers = {
      dir: given.dir ?? DEFAULT_DIR,
      servers: given.servers ?? DEFAULT_SERVERS.map((s) => ({ ...s })),
      python: given.python ?? DEFAULT_PYTHON,
      git: given.git ?? true,
      targets: given.targets ?? (["fastmcp-cloud"] as Target[]),
      repository: given.repository,
    };
  }
  const targetDir = path.resolve(base, answers.dir);
  const project = path.basename(targetDir);
  const p = interactive ? await import("@clack/prompts") : null;
  const spin = p && !flags.dryRun ? p.spinner({ output: ctx.stdout }) : null;
  spin?.start("Writing files");
  let result: CreateResult;
  let locked = false;
  const afterWrite = async (root: string, manifest: Manifest): Promise<string[]> => {
    const { lockAfterWrite } = await import("../lock/index.js");
    spin?.message("Locking dependencies with uv");
    const r = await lockAfterWrite(root, manifest.servers.map((s) => s.name), { skip: flags.lock === false || ctx.env.MCPM_NO_LOCK === "1", env: ctx.env });
    locked = r.locked.length === manifest.servers.length;
    return r.note ? [r.note] : [];
  };
  try {
    result = await createMonorepo(
      {
        targetDir,
        project,
        servers: answers.servers,
        python: answers.python,
        git: answers.git,
        repository: answers.repository ?? `${PLACEHOLDER_GITHUB_OWNER}/${project}`,
        branch: flags.branch,
        targets: answers.targets,
      },
      { dryRun: flags.dryRun, afterWrite },
    );
  } catch (err) {
    spin?.error("Nothing was written");
    throw err;
  }
  spin?.stop(`Created ${result.changes.length} files`);
  const shownDir = path.relative(ctx.cwd, targetDir) || ".";
  if (flags.json) {
    writeLine(ctx.stdout, JSON.stringify(createJson(result, shownDir), null, 2));
    return 0;
  }
  const c = pc.createColors(useColor(ctx));
  const notes: Array<{ level: "warn" | "info"; text: string }> = result.warnings.map((text) => ({ level: "warn", text }));
  if (result.git === "unavailable") notes.push({ level: "warn", text: "git was not found, so no repository was initialized" });
  if (result.git === "initialized") notes.push({ level: "info", text: "git init done, but the initial commit failed (no git user.name/user.email?); the files are staged" });
  if (p) {
    // Inside the clack frame, before the outro.
    for (const n of notes) (n.level === "warn" ? p.log.warn : p.log.info)(n.text, { output: ctx.stdout });
  } else {
    const ce = pc.createColors(useColor({ ...ctx, stdout: ctx.stderr }));
    for (const n of notes) writeLine(ctx.stderr, `${n.level === "warn" ? ce.yellow("warning") : ce.cyan("note")}: ${n.text}`);
  }
  if (result.dryRun) {
    writeLine(ctx.stdout, `Dry run: would create ${result.changes.length} files in ${shownDir}/ (nothing written)`);
    for (const line of formatPlan(result.changes, { prefix: `${shownDir}/`, color: useColor(ctx) })) writeLine(ctx.stdout, line);
    return 0;
  }
  const names = result.manifest.servers.map((s) => s.name).join(", ");
  if (p) {
    p.outro(`Created ${shownDir}/ with ${plural(result.manifest.servers.length, "server")}. Deploy: see the Deployment table in README.md`, { output: ctx.stdout });
    // Plain lines (not a clack note) so long commands are not wrapped and copy-paste intact.
    writeLine(ctx.stdout, "Same result in one command:");
    writeLine(ctx.stdout, `  ${c.cyan(equivalentCommand(shownDir, answers.servers, answers.python, answers.git, answers.targets, answers.repository === `${PLACEHOLDER_GITHUB_OWNER}/${project}` ? undefined : answers.repository))}`);
  } else {
    writeLine(ctx.stdout, `${c.green("Created")} ${c.bold(`${shownDir}/`)} with ${plural(result.manifest.servers.length, "server")} (${names}) and ${result.changes.length} files.`);
  }
  writeLine(ctx.stdout, `\n${c.bold("Next steps:")}`);
  for (const line of nextSteps(result, shownDir, locked)) writeLine(ctx.stdout, `  ${c.cyan(line)}`);
  return 0;
};

/** The `--json` result of `create`: stable keys `ok`, `dryRun`, `root`, `project`, `python`, `targets`, `servers[]`, `git`, `files[]`, `warnings[]`. */
export function createJson(result: CreateResult, shownDir: string): Record<string, unknown> {
  return {
    ok: true,
    dryRun: result.dryRun,
    root: shownDir,
    project: result.manifest.project,
    python: result.manifest.python,
    targets: result.manifest.targets,
    servers: result.manifest.servers.map((s) => ({ name: s.name, description: s.description, folder: s.folder, entrypoint: s.entrypoint, requirements: s.requirements })),
    git: result.git,
    files: result.changes.map((ch) => ch.path),
    warnings: result.warnings,
  };
}
