import { Option, type Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import { TARGETS } from "../kernel/defaults.js";
import type { CheckCliOptions } from "./check-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./check-action.ts, imported when the command runs.

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * Registers `check`: the deployment checklist (FastMCP Cloud, docker, k8s, mcpb) as a linter.
 *
 * `check [--server NAME]... [--target T]... [--json] [--strict] [--cwd DIR] [--interpreter PATH]`
 * (`--python PATH`, the old spelling, still works, hidden and deprecated: in `create`, `--python`
 * is a version)
 * works inside a monorepo with `mcp-monorepo.yaml` or a hand-made one (`<folder>/src/server.py` +
 * `<folder>/requirements.txt` per server).
 * Exit code: 0 no errors (warnings fail only with `--strict`), 1 findings that fail;
 * "could not run" is a `CannotRunError` (exit 2) thrown by the core.
 */
export function registerCheck(program: Command, ctx: Context, state: RunState): void {
  program
    .command("check")
    .description("lint every server against the deployment checklist (FastMCP Cloud, docker, k8s, mcpb) before you push")
    .option("-s, --server <name>", "check only this server (repeatable)", collect)
    .option("--target <target>", `deployment target to check for: ${TARGETS.join(", ")} (repeatable; default: the manifest's targets, else fastmcp-cloud)`, collect)
    .option("--json", "print the findings as JSON")
    .option("--strict", "exit 1 on warnings too")
    .option("--cwd <dir>", "run as if started in <dir>")
    .option("--interpreter <path>", "Python 3.10+ interpreter that parses the code (default: $MCPM_PYTHON, else python3/python on PATH)")
    .addOption(new Option("--python <path>", "deprecated: use --interpreter").hideHelp())
    .option("--offline", "do not resolve requirements with uv or pip (import names then come from the built-in map)")
    .option("--explain <rule>", "print the documentation of a rule and exit")
    .addHelpText(
      "after",
      "\nExit codes: 0 no errors (warnings fail only with --strict), 1 findings that fail, 2 could not run.\n" +
        "Works without mcp-monorepo.yaml too: servers are then discovered as <folder>/src/server.py + <folder>/requirements.txt.\n\n" +
        "Examples:\n  npx create-mcp-monorepo check\n  npx create-mcp-monorepo check --server ops --target docker --json\n  npx create-mcp-monorepo check --interpreter python3.12",
    )
    .action(async (_opts: CheckCliOptions, cmd: Command) => {
      const { checkAction } = await import("./check-action.js");
      state.exitCode = await checkAction(ctx, { options: cmd.optsWithGlobals() as CheckCliOptions });
    });
}
