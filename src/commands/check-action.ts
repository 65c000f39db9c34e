import path from "node:path";
import type { Command } from "commander";
import type { RunState } from "../cli.js";
import { checkExitCode, checkJson, formatCheck } from "../check/format.js";
import { runCheck } from "../check/run.js";
import { writeLine, type Context } from "../core/context.js";

// The body of `check`, loaded by src/commands/check.ts only when it runs (ajv, zod, yaml,
// the analyzer runner).

/** Options of `check` as commander parses them. */
export interface CheckCliOptions {
  server?: string[];
  target?: string[];
  json?: boolean;
  strict?: boolean;
  cwd?: string;
  python?: string;
}

/**
 * The `check` command body: runs the checklist and prints findings (text or `--json`).
 * Sets `state.exitCode` (0 no failing findings, 1 failing findings); "could not run"
 * is a `UserError` with exit code 2 thrown by the core.
 */
export async function checkAction(ctx: Context, state: RunState, cmd: Command): Promise<void> {
    const opts = cmd.optsWithGlobals() as CheckCliOptions;
    const start = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
    const report = await runCheck({ start, servers: opts.server ?? [], targets: opts.target ?? [], python: opts.python, env: ctx.env });
    const code = checkExitCode(report, Boolean(opts.strict));
    if (opts.json) {
      writeLine(ctx.stdout, JSON.stringify(checkJson(report, code), null, 2));
    } else {
      const color = Boolean((ctx.stdout as { isTTY?: boolean }).isTTY) && !ctx.env.NO_COLOR;
      for (const line of formatCheck(report, { color, strict: Boolean(opts.strict) })) writeLine(ctx.stdout, line);
    }
    state.exitCode = code;
}
