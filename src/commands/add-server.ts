import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { AddServerFlags } from "./add-server-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./add-server-action.ts, imported when the command runs.

/**
 * Registers `add-server [name]`: adds one compliant server to an
 * existing monorepo, created exactly as `create` would, and updates every place
 * that lists servers (manifest, README Deployment table, root `.env.example`, lock),
 * all or nothing.
 *
 * Options: `-d, --description <text>`, `--cwd <dir>` (start the search for
 * `mcp-monorepo.yaml` there), `-y, --yes` (no prompts; default description),
 * `--dry-run` (print CREATE/UPDATE lines, write nothing), `--allow-dirty` (write
 * even over uncommitted git changes), `--target <name>` (repeatable: a deployment target the manifest
 * does not list yet is added as `add-target` does). Prompts (clack) for a missing name or
 * description when `ctx.interactive`; otherwise a missing name is a one-line error.
 * Every refusal is a `UserError` (one line, exit 1, nothing written).
 */
export function registerAddServer(program: Command, ctx: Context, state: RunState): void {
  program
    .command("add-server")
    .description("add a FastMCP server to this monorepo (server-<name>/ plus manifest, README table, .env.example and sync state)")
    .argument("[name]", "server name: lowercase letters, digits and hyphens (folder server-<name>/)")
    .option("-d, --description <text>", "one-line description of the server")
    .option("--cwd <dir>", "run as if started in <dir> (any folder inside the monorepo)")
    .option("-y, --yes", "do not prompt; use the default description when none is given")
    .option("--no-lock", "do not lock the new server with uv (then run `lock` later); also MCPM_NO_LOCK=1")
    .option("--dry-run", "print the files that would be created and updated; write nothing")
    .option("--allow-dirty", "write even if files add-server modifies have uncommitted git changes")
    .option("--json", "print the result as JSON (no prompts)")
    .option(
      "--target <name>",
      "also write the server for this deployment target (repeatable; one not in mcp-monorepo.yaml yet is added there, with its files for every server)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .addHelpText(
      "after",
      `\nExit codes: 0 added; 1 refused (bad or taken name, uncommitted changes; nothing written); 2 could not run (no or broken mcp-monorepo.yaml or lock).\n\n` +
        `Examples:\n  npx create-mcp-monorepo add-server billing --description "Billing tools: invoices and refunds"\n  npx create-mcp-monorepo add-server billing --dry-run\n  npx create-mcp-monorepo add-server --cwd path/to/monorepo billing --yes --json`,
    )
    .action(async (name: string | undefined, options: AddServerFlags) => {
      const { addServerAction } = await import("./add-server-action.js");
      state.exitCode = await addServerAction(ctx, { name, options });
    });
}
