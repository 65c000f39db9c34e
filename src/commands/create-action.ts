import path from "node:path";
import pc from "picocolors";
import type { RunState } from "../cli.js";
import { writeLine, type Context } from "../core/context.js";
import { createMonorepo, DEFAULT_DIR, DEFAULT_PYTHON, DEFAULT_SERVERS, type CreateResult } from "../core/create.js";
import { UserError } from "../core/errors.js";
import { formatPlan } from "../core/plan.js";
import { VERSION } from "../version.js";

// The body of the default command, loaded by src/commands/create.ts only when it runs
// (it pulls in handlebars, zod and yaml; node-plop on the first render; the prompts
// (clack) only when it is interactive).

/** Options of the default command as commander parses them. */
export interface CreateFlags {
  yes?: boolean;
  server?: Array<{ name: string; description?: string }>;
  python?: string;
  git?: boolean;
  repository?: string;
  branch: string;
  dryRun?: boolean;
}

/** Quotes a word for a POSIX shell (single quotes; embedded quotes closed and escaped). */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The one-shot command equivalent to an interactive session. */
export function equivalentCommand(dir: string, servers: Array<{ name: string; description: string }>, python: string, git: boolean): string {
  const words = ["npm", "create", "mcp-monorepo@latest", dir, "--"];
  for (const s of servers) words.push("--server", `${s.name}=${s.description}`);
  words.push("--python", python, git ? "--git" : "--no-git");
  return words.map(shellQuote).join(" ");
}

function nextSteps(result: CreateResult, shownDir: string): string[] {
  const first = result.manifest.servers[0]!;
  return [
    `cd ${shellQuote(shownDir)}`,
    `python3 -m venv .venv && . .venv/bin/activate`,
    `cd ${first.folder} && pip install -r requirements.txt -r requirements-dev.txt && python -m pytest -q`,
    `fastmcp run fastmcp.json --skip-env --transport http   # serves http://127.0.0.1:8000/mcp`,
  ];
}

/**
 * The default command: prompts for what is missing (interactive only), creates the
 * monorepo, prints the plan (`--dry-run`) or the result and next steps.
 *
 * @throws UserError for bad input (nothing written), CancelledError when a prompt is cancelled.
 */
export async function createAction(ctx: Context, _state: RunState, dirArg: string | undefined, flags: CreateFlags): Promise<void> {
    const given = {
      dir: dirArg,
      servers: flags.server?.map((s) => ({ name: s.name, description: s.description ?? "" })),
      python: flags.python,
      git: flags.git,
    };
    const interactive = ctx.interactive && !flags.yes;
    let answers;
    if (interactive) {
      const { promptCreate } = await import("../prompts/create.js");
      answers = await promptCreate(ctx, given, VERSION);
    } else {
      if (!given.servers && !flags.yes) {
        throw new UserError("no servers given: pass --server NAME (repeatable) or --yes for the defaults (prompts need a terminal)");
      }
      answers = {
        dir: given.dir ?? DEFAULT_DIR,
        servers: given.servers ?? DEFAULT_SERVERS.map((s) => ({ ...s })),
        python: given.python ?? DEFAULT_PYTHON,
        git: given.git ?? true,
      };
    }
    const targetDir = path.resolve(ctx.cwd, answers.dir);
    const project = path.basename(targetDir);
    const p = interactive ? await import("@clack/prompts") : null;
    const spin = p && !flags.dryRun ? p.spinner({ output: ctx.stdout }) : null;
    spin?.start("Writing files");
    let result: CreateResult;
    try {
      result = await createMonorepo(
        {
          targetDir,
          project,
          servers: answers.servers,
          python: answers.python,
          git: answers.git,
          repository: flags.repository ?? `your-github-user/${project}`,
          branch: flags.branch,
          targets: ["fastmcp-cloud"],
        },
        { dryRun: flags.dryRun },
      );
    } catch (err) {
      spin?.error("Nothing was written");
      throw err;
    }
    spin?.stop(`Created ${result.changes.length} files`);
    const shownDir = path.relative(ctx.cwd, targetDir) || ".";
    const color = Boolean((ctx.stdout as { isTTY?: boolean }).isTTY);
    if (result.dryRun) {
      writeLine(ctx.stdout, `Dry run: would create ${result.changes.length} files in ${shownDir}/ (nothing written)`);
      for (const line of formatPlan(result.changes, { prefix: `${shownDir}/`, color })) writeLine(ctx.stdout, line);
    } else if (!interactive) {
      writeLine(ctx.stdout, `Created ${shownDir}/ with ${result.manifest.servers.length} servers (${result.manifest.servers.map((s) => s.name).join(", ")}) and ${result.changes.length} files.`);
    }
    for (const w of result.warnings) writeLine(ctx.stderr, `${color ? pc.yellow("warning") : "warning"}: ${w}`);
    if (result.git === "unavailable") writeLine(ctx.stderr, "warning: git was not found, so no repository was initialized");
    if (result.git === "initialized") writeLine(ctx.stderr, "note: git init done, but the initial commit failed (no git user.name/user.email?); the files are staged");
    if (result.dryRun) return;
    if (interactive) {
      p?.outro(`Created ${shownDir}/ with ${result.manifest.servers.length} servers. Deploy: see the Deployment table in README.md`, { output: ctx.stdout });
      // Plain lines (not a clack note) so long commands are not wrapped and copy-paste intact.
      writeLine(ctx.stdout, "Same result in one command:");
      writeLine(ctx.stdout, `  ${equivalentCommand(shownDir, answers.servers, answers.python, answers.git)}`);
    }
    writeLine(ctx.stdout, "\nNext steps:");
    for (const line of nextSteps(result, shownDir)) writeLine(ctx.stdout, `  ${line}`);
}
