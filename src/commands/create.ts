import { Option, type Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import { DEFAULT_DIR, DEFAULT_PYTHON, DEFAULT_SERVERS, PYTHON_VERSIONS, TARGETS } from "../kernel/defaults.js";
import { UserError } from "../kernel/errors.js";
import type { CreateFlags } from "./create-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./create-action.ts, imported when the command runs.

/** Every command name and alias of `program`, plus `help`. */
function commandNames(program: Command): string[] {
  return ["help", ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])];
}

/**
 * Registers `create-mcp-monorepo [dir]`: on the program itself (what `npm create mcp-monorepo`
 * runs) and as the `create` subcommand (`npx create-mcp-monorepo create my-servers --yes`), with the same
 * options and action. Without a command, a folder name equal to, or one typo away from, a
 * command is refused (`refuseCommandLikeFolder` in ./create-action.ts).
 */
export function registerCreate(program: Command, ctx: Context, state: RunState): void {
  defineCreate(program, ctx, state, () => commandNames(program));
  defineCreate(program.command("create").description("create a new monorepo (the same as giving no command)"), ctx, state, null);
}

/**
 * Declares create's argument and options on `cmd`. `guardCommands` gives the command names a
 * positional folder must not look like (the program itself), or is null (the `create` subcommand).
 */
function defineCreate(cmd: Command, ctx: Context, state: RunState, guardCommands: (() => string[]) | null): void {
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
    .option("--repository <owner/name>", "GitHub repository for the Deployment table and MCPB manifest (the wizard asks, from git's remote or user; else your-github-user/<project>)")
    .option("--branch <name>", "branch FastMCP Cloud deploys from", "main")
    .option("--no-lock", "do not lock the servers with uv (then run `lock` later); also MCPM_NO_LOCK=1")
    .option("--dry-run", "print the files that would be created and write nothing")
    .option("--json", "print the result as JSON (no prompts: give --server or --yes)")
    .option("--cwd <dir>", "create [dir] relative to <dir> instead of the current folder")
    .addHelpText(
      "after",
      `\nExamples:\n  npm create mcp-monorepo my-servers -- --yes\n  npx create-mcp-monorepo create my-servers --server ops="Ops tools" --server billing --description "Billing" --python 3.12 --no-git\n  npx create-mcp-monorepo create my-servers --yes --python 3.13 --target docker --target k8s\n\n` +
        `Other commands: add-server, add-target, sync, check, bundle, verify (npx create-mcp-monorepo help <command>). Without installing: npx create-mcp-monorepo <command>.\n` +
        `Exit codes: 0 created, 1 refused (bad input, folder not empty; nothing written), 130 cancelled.`,
    )
    .action(async (dir: string | undefined, options: CreateFlags) => {
      const { createAction } = await import("./create-action.js");
      state.exitCode = await createAction(ctx, { dir, options, commands: guardCommands?.() });
    });
}

