import * as p from "@clack/prompts";
import { Option, type Command } from "commander";
import path from "node:path";
import pc from "picocolors";
import type { RunState } from "../cli.js";
import { useColor, writeLine, type Context } from "../core/context.js";
import { createMonorepo, DEFAULT_DIR, DEFAULT_PYTHON, DEFAULT_SERVERS, pythonTargetsMessage, type CreateResult } from "../core/create.js";
import { validateServerNames } from "../core/names.js";
import { pythonTargetsProblem } from "../core/targets.js";
import { UserError } from "../core/errors.js";
import { PYTHON_VERSIONS, TARGETS, type Target } from "../core/manifest.js";
import { formatPlan } from "../core/plan.js";
import { didYouMean } from "../core/suggest.js";
import { checkTargetDir } from "../core/target-dir.js";
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
  json?: boolean;
  cwd?: string;
  target?: string[];
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
): string {
  const words = ["npm", "create", "mcp-monorepo@latest", dir, "--"];
  const defaults = servers.length === DEFAULT_SERVERS.length && servers.every((s, i) => s.name === DEFAULT_SERVERS[i]!.name && s.description === DEFAULT_SERVERS[i]!.description);
  if (defaults) {
    // Exactly what --yes gives: say so instead of spelling it out.
    words.push("--yes");
    if (python !== DEFAULT_PYTHON) words.push("--python", python);
    if (!git) words.push("--no-git");
    if (targets.length !== 1 || targets[0] !== "fastmcp-cloud") for (const t of targets) words.push("--target", t);
    return words.map(shellQuote).join(" ");
  }
  for (const s of servers) words.push("--server", s.description ? `${s.name}=${s.description}` : s.name);
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

/** Every command name and alias of `program`, plus `help`. */
function commandNames(program: Command): string[] {
  return ["help", ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])];
}

/**
 * Registers `create-mcp-monorepo [dir]`: on the program itself (what `npm create mcp-monorepo`
 * runs) and as the `create` subcommand (`mcp-monorepo create my-servers --yes`), with the same
 * options and action. Without a command, a folder name equal to, or one typo away from, a
 * command is refused (see {@link refuseCommandLikeFolder}).
 */
export function registerCreate(program: Command, ctx: Context, state: RunState): void {
  defineCreate(program, ctx, state, (dir) => refuseCommandLikeFolder(dir, commandNames(program)));
  defineCreate(program.command("create").description("create a new monorepo (the same as giving no command)"), ctx, state, () => undefined);
}

function defineCreate(cmd: Command, ctx: Context, _state: RunState, guard: (dir: string) => void): void {
  const servers: Array<{ name: string; description?: string }> = [];
  cmd
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
    .addOption(new Option("--python <version>", "Python version of every server (FastMCP Cloud runs 3.12)").choices([...PYTHON_VERSIONS]))
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
    .option("--json", "print the result as JSON (no prompts: give --server or --yes)")
    .option("--cwd <dir>", "create [dir] relative to <dir> instead of the current folder")
    .addHelpText(
      "after",
      `\nExamples:\n  npm create mcp-monorepo my-servers -- --yes\n  mcp-monorepo create my-servers --server ops="Ops tools" --server billing --description "Billing" --python 3.12 --no-git\n  mcp-monorepo create my-servers --yes --python 3.13 --target docker --target k8s\n\n` +
        `Other commands: add-server, add-target, sync, check (mcp-monorepo help <command>). Without installing: npx create-mcp-monorepo <command>.\n` +
        `Exit codes: 0 created, 1 refused (bad input, folder not empty; nothing written), 130 cancelled.`,
    )
    .action(async (dirArg: string | undefined, flags: CreateFlags) => {
      if (dirArg !== undefined) guard(dirArg);
      const base = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
      const given = {
        dir: dirArg,
        servers: flags.server?.map((s) => ({ name: s.name, description: s.description ?? "" })),
        python: flags.python,
        git: flags.git,
        targets: flags.target as Target[] | undefined,
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
        };
      }
      const targetDir = path.resolve(base, answers.dir);
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
      if (flags.json) {
        writeLine(ctx.stdout, JSON.stringify(createJson(result, shownDir), null, 2));
        return;
      }
      const c = pc.createColors(useColor(ctx));
      const notes: Array<{ level: "warn" | "info"; text: string }> = result.warnings.map((text) => ({ level: "warn", text }));
      if (result.git === "unavailable") notes.push({ level: "warn", text: "git was not found, so no repository was initialized" });
      if (result.git === "initialized") notes.push({ level: "info", text: "git init done, but the initial commit failed (no git user.name/user.email?); the files are staged" });
      if (interactive) {
        // Inside the clack frame, before the outro.
        for (const n of notes) (n.level === "warn" ? p.log.warn : p.log.info)(n.text, { output: ctx.stdout });
      } else {
        const ce = pc.createColors(useColor({ ...ctx, stdout: ctx.stderr }));
        for (const n of notes) writeLine(ctx.stderr, `${n.level === "warn" ? ce.yellow("warning") : ce.cyan("note")}: ${n.text}`);
      }
      if (result.dryRun) {
        writeLine(ctx.stdout, `Dry run: would create ${result.changes.length} files in ${shownDir}/ (nothing written)`);
        for (const line of formatPlan(result.changes, { prefix: `${shownDir}/`, color: useColor(ctx) })) writeLine(ctx.stdout, line);
        return;
      }
      const names = result.manifest.servers.map((s) => s.name).join(", ");
      if (interactive) {
        p.outro(`Created ${shownDir}/ with ${plural(result.manifest.servers.length, "server")}. Deploy: see the Deployment table in README.md`, { output: ctx.stdout });
        // Plain lines (not a clack note) so long commands are not wrapped and copy-paste intact.
        writeLine(ctx.stdout, "Same result in one command:");
        writeLine(ctx.stdout, `  ${c.cyan(equivalentCommand(shownDir, answers.servers, answers.python, answers.git, answers.targets))}`);
      } else {
        writeLine(ctx.stdout, `${c.green("Created")} ${c.bold(`${shownDir}/`)} with ${plural(result.manifest.servers.length, "server")} (${names}) and ${result.changes.length} files.`);
      }
      writeLine(ctx.stdout, `\n${c.bold("Next steps:")}`);
      for (const line of nextSteps(result, shownDir)) writeLine(ctx.stdout, `  ${c.cyan(line)}`);
    });
}

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
