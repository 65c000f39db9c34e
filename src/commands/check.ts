import path from "node:path";
import { Option, type Command } from "commander";
import type { RunState } from "../cli.js";
import { checkExitCode, checkJson, formatCheck } from "../check/format.js";
import { runCheck } from "../check/run.js";
import { useColor, writeLine, type Context } from "../core/context.js";
import { EXIT_CANNOT_RUN, UserError } from "../core/errors.js";
import { TARGETS } from "../core/manifest.js";

/** Options of `check` as commander parses them. */
export interface CheckCliOptions {
  server?: string[];
  target?: string[];
  json?: boolean;
  strict?: boolean;
  cwd?: string;
  interpreter?: string;
  /** Deprecated spelling of `interpreter` (hidden): `--python` means a version in `create`. */
  python?: string;
  offline?: boolean;
  explain?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * Registers `check` (issue 5): the seeds' deployment checklist as a linter.
 *
 * `check [--server NAME]... [--target T]... [--json] [--strict] [--cwd DIR] [--interpreter PATH]`
 * (`--python PATH`, the old spelling, still works, hidden and deprecated: in `create`, `--python`
 * is a version)
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
    .option("--interpreter <path>", "Python 3.10+ interpreter that parses the code (default: $MCPM_PYTHON, else python3/python on PATH)")
    .addOption(new Option("--python <path>", "deprecated: use --interpreter").hideHelp())
    .option("--offline", "do not resolve requirements with pip (import names then come from the built-in map)")
    .option("--explain <rule>", "print the documentation of a rule and exit")
    .addHelpText(
      "after",
      "\nExit codes: 0 no errors (warnings fail only with --strict), 1 findings that fail, 2 could not run.\n" +
        "Works without mcp-monorepo.yaml too: servers are then discovered as <folder>/src/server.py + <folder>/requirements.txt.\n\n" +
        "Examples:\n  mcp-monorepo check\n  mcp-monorepo check --server ops --target docker --json\n  mcp-monorepo check --interpreter python3.12",
    )
    .action(async (_opts: CheckCliOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as CheckCliOptions;
      if (opts.explain !== undefined) {
        const { explainRule } = await import("../check/explain.js");
        writeLine(ctx.stdout, (await explainRule(opts.explain)).trimEnd());
        return;
      }
      const start = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
      if (opts.python !== undefined) {
        // `--python 3.12` is create's Python version; here it always named an interpreter.
        if (/^3\.\d+$/.test(opts.python)) {
          throw new UserError(`check --python takes an interpreter, not a version: use --interpreter PATH (e.g. --interpreter python${opts.python})`, EXIT_CANNOT_RUN);
        }
        writeLine(ctx.stderr, "note: check --python PATH is deprecated; use --interpreter PATH");
      }
      const interpreter = opts.interpreter ?? opts.python;
      const report = await runCheck({ start, servers: opts.server ?? [], targets: opts.target ?? [], python: interpreter, offline: Boolean(opts.offline), env: ctx.env });
      const code = checkExitCode(report, Boolean(opts.strict));
      if (opts.json) {
        writeLine(ctx.stdout, JSON.stringify(checkJson(report, code), null, 2));
      } else {
        const color = useColor(ctx);
        for (const line of formatCheck(report, { color, strict: Boolean(opts.strict) })) writeLine(ctx.stdout, line);
      }
      state.exitCode = code;
    });
}
