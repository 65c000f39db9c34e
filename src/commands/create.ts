import { Option, type Command } from "commander";
import type { RunState } from "../cli.js";
import type { Context } from "../core/context.js";
import { DEFAULT_DIR, DEFAULT_PYTHON, DEFAULT_SERVERS, PYTHON_VERSIONS } from "../core/defaults.js";
import { UserError } from "../core/errors.js";
import type { CreateFlags } from "./create-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./create-action.ts, imported when the command runs.

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
    .option("--git", "run git init in the new folder (default)")
    .option("--no-git", "do not run git init")
    .option("--repository <owner/name>", "GitHub repository for the Deployment table (default: your-github-user/<project>)")
    .option("--branch <name>", "branch FastMCP Cloud deploys from", "main")
    .option("--dry-run", "print the files that would be created and write nothing")
    .addHelpText(
      "after",
      `\nExamples:\n  npm create mcp-monorepo my-servers -- --yes\n  npm create mcp-monorepo my-servers -- --server ops="Ops tools" --server billing --description "Billing" --python 3.12 --no-git\n\nOther commands: add-server, sync, check (see <command> --help).`,
    )
    .action(async (dirArg: string | undefined, flags: CreateFlags) => {
      const { createAction } = await import("./create-action.js");
      await createAction(ctx, _state, dirArg, flags);
    });
}
