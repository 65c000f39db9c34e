import * as p from "@clack/prompts";
import { Option, type Command } from "commander";
import path from "node:path";
import pc from "picocolors";
import type { RunState } from "../cli.js";
import { writeLine, type Context } from "../core/context.js";
import { createMonorepo, DEFAULT_DIR, DEFAULT_PYTHON, DEFAULT_SERVERS, type CreateResult } from "../core/create.js";
import { UserError } from "../core/errors.js";
import { PYTHON_VERSIONS, TARGETS, type Target } from "../core/manifest.js";
import { formatPlan } from "../core/plan.js";
import { promptCreate } from "../prompts/create.js";
import { VERSION } from "../version.js";

interface CreateFlags {
  yes?: boolean;
  server?: Array<{ name: string; description?: string }>;
  python?: string;
  git?: boolean;
  repository?: string;
  branch: string;
  dryRun?: boolean;
  target?: string[];
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
): string {
  const words = ["npm", "create", "mcp-monorepo@latest", dir, "--"];
  for (const s of servers) words.push("--server", `${s.name}=${s.description}`);
  words.push("--python", python, git ? "--git" : "--no-git");
  if (targets.length !== 1 || targets[0] !== "fastmcp-cloud") for (const t of targets) words.push("--target", t);
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

/** Registers the default command: `create-mcp-monorepo [dir]`. */
export function registerCreate(program: Command, ctx: Context, _state: RunState): void {
  const servers: Array<{ name: string; description?: string }> = [];
  program
    .argument("[dir]", `folder to create (default: ${DEFAULT_DIR})`)
    .option("-y, --yes", `accept defaults for everything not given (servers ${DEFAULT_SERVERS.map((s) => s.name).join(", ")}; Python ${DEFAULT_PYTHON}; git init)`)
    .option(
      "-s, --server <name[=description]>",
      "add a server (repeatable); NAME=description or NAME followed by --description",
      (value: string) => {
        const eq = value.indexOf("=");
        servers.push(eq === -1 ? { name: value } : { name: value.slice(0, eq), description: value.slice(eq + 1) });
        return servers;
      },
    )
    .option("-d, --description <text>", "description of the --server just before it", (value: string) => {
      const last = servers[servers.length - 1];
      if (!last) throw new UserError("--description must follow a --server");
      if (last.description !== undefined) throw new UserError(`server "${last.name}" already has a description`);
      last.description = value;
      return value;
    })
    .addOption(new Option("--python <version>", "Python version of every server").choices([...PYTHON_VERSIONS]))
    .addOption(
      new Option("--target <name>", "deployment target (repeatable; default fastmcp-cloud): writes its artefacts per server")
        .choices([...TARGETS])
        .argParser((value: string, previous: string[] | undefined) => {
          if (!(TARGETS as readonly string[]).includes(value)) throw new UserError(`unknown target "${value}"; use one of ${TARGETS.join(", ")}`);
          return [...(previous ?? []), value];
        }),
    )
    .option("--git", "run git init in the new folder (default)")
    .option("--no-git", "do not run git init")
    .option("--repository <owner/name>", "GitHub repository for the Deployment table (default: your-github-user/<project>)")
    .option("--branch <name>", "branch FastMCP Cloud deploys from", "main")
    .option("--dry-run", "print the files that would be created and write nothing")
    .addHelpText(
      "after",
      `\nExamples:\n  npm create mcp-monorepo my-servers -- --yes\n  npm create mcp-monorepo my-servers -- --server ops="Ops tools" --server billing --description "Billing" --python 3.12 --no-git\n  npm create mcp-monorepo my-servers -- --yes --python 3.13 --target docker --target k8s\n\nOther commands: add-server, sync, check (see <command> --help).`,
    )
    .action(async (dirArg: string | undefined, flags: CreateFlags) => {
      const given = {
        dir: dirArg,
        servers: flags.server?.map((s) => ({ name: s.name, description: s.description ?? "" })),
        python: flags.python,
        git: flags.git,
        targets: flags.target as Target[] | undefined,
      };
      const interactive = ctx.interactive && !flags.yes;
      let answers;
      if (interactive) {
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
          targets: given.targets ?? (["fastmcp-cloud"] as Target[]),
        };
      }
      const targetDir = path.resolve(ctx.cwd, answers.dir);
      const project = path.basename(targetDir);
      const spin = interactive && !flags.dryRun ? p.spinner({ output: ctx.stdout }) : null;
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
            targets: answers.targets,
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
        p.outro(`Created ${shownDir}/ with ${result.manifest.servers.length} servers. Deploy: see the Deployment table in README.md`, { output: ctx.stdout });
        // Plain lines (not a clack note) so long commands are not wrapped and copy-paste intact.
        writeLine(ctx.stdout, "Same result in one command:");
        writeLine(ctx.stdout, `  ${equivalentCommand(shownDir, answers.servers, answers.python, answers.git, answers.targets)}`);
      }
      writeLine(ctx.stdout, "\nNext steps:");
      for (const line of nextSteps(result, shownDir)) writeLine(ctx.stdout, `  ${line}`);
    });
}
