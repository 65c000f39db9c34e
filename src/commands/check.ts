import path from "node:path";
import type { Command } from "commander";
import type { RunState } from "../cli.js";
import { checkExitCode, checkJson, formatCheck } from "../check/format.js";
import { runCheck } from "../check/run.js";
import { writeLine, type Context } from "../core/context.js";
import { fsUserError } from "../core/errors.js";
import { CANNOT_RUN } from "../check/python.js";
import { TARGETS } from "../core/manifest.js";

/** Options of `check` as commander parses them. */
export interface CheckCliOptions {
  server?: string[];
  target?: string[];
  json?: boolean;
  strict?: boolean;
  cwd?: string;
  python?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * Registers `check` (issue 5): the seeds' deployment checklist as a linter.
 *
 * `check [--server NAME]... [--target T]... [--json] [--strict] [--cwd DIR] [--python PATH]`
 * works inside a monorepo with `mcp-monorepo.yaml` or a hand-made one laid out as in seed 002.
 * Sets `state.exitCode`: 0 no errors (warnings fail only with `--strict`), 1 findings that fail;
 * "could not run" is a `UserError` with exit code 2 thrown by the core.
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
    .option("--python <path>", "Python 3.10+ interpreter that parses the code (default: $MCPM_PYTHON, else python3/python on PATH)")
    .addHelpText(
      "after",
      "\nExit codes: 0 no errors (warnings fail only with --strict), 1 findings that fail, 2 could not run.\n" +
        "Works without mcp-monorepo.yaml too: servers are then discovered as <folder>/src/server.py + <folder>/requirements.txt.\n\n" +
        "Examples:\n  npx create-mcp-monorepo check\n  npx create-mcp-monorepo check --server ops --target docker --json",
    )
    .action(async (_opts: CheckCliOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as CheckCliOptions;
      const start = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
      let report;
      try {
        report = await runCheck({ start, servers: opts.server ?? [], targets: opts.target ?? [], python: opts.python, env: ctx.env });
      } catch (err) {
        throw fsUserError(err, start, CANNOT_RUN) ?? err; // an unreadable file: "could not run" (exit 2), one line
      }
      const code = checkExitCode(report, Boolean(opts.strict));
      if (opts.json) {
        writeLine(ctx.stdout, JSON.stringify(checkJson(report, code), null, 2));
      } else {
        const color = Boolean((ctx.stdout as { isTTY?: boolean }).isTTY) && !ctx.env.NO_COLOR;
        for (const line of formatCheck(report, { color, strict: Boolean(opts.strict) })) writeLine(ctx.stdout, line);
      }
      state.exitCode = code;
    });
}
