import path from "node:path";
import { checkExitCode, checkJson, formatCheck } from "../check/format.js";
import { runCheck } from "../check/run.js";
import { useColor, writeLine } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { CannotRunError, fsUserError } from "../kernel/errors.js";

// The body of `check`, loaded by src/commands/check.ts only when it runs (ajv, zod, yaml,
// the analyzer runner); `--explain` loads only the rule docs reader.

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

/**
 * The `check` command body: prints a rule's documentation (`--explain`), or runs the checklist
 * and prints findings (text or `--json`).
 *
 * @returns the exit code: 0 no failing findings, 1 failing findings.
 *
 * @throws CannotRunError (exit 2, "could not run"): an unknown rule, `--python 3.12` (a
 * version where an interpreter is meant), an unreadable file, or what the core throws.
 */
export const checkAction: CommandAction<{ options: CheckCliOptions }> = async (ctx, { options: opts }) => {
  if (opts.explain !== undefined) {
    const { explainRule } = await import("../check/explain.js");
    writeLine(ctx.stdout, (await explainRule(opts.explain)).trimEnd());
    return 0;
  }
  const start = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
  if (opts.python !== undefined) {
    // `--python 3.12` is create's Python version; here it always named an interpreter.
    if (/^3\.\d+$/.test(opts.python)) {
      throw new CannotRunError(`check --python takes an interpreter, not a version: use --interpreter PATH (e.g. --interpreter python${opts.python})`);
    }
    writeLine(ctx.stderr, "note: check --python PATH is deprecated; use --interpreter PATH");
  }
  const interpreter = opts.interpreter ?? opts.python;
  let report;
  try {
    report = await runCheck({ start, servers: opts.server ?? [], targets: opts.target ?? [], python: interpreter, offline: Boolean(opts.offline), env: ctx.env });
  } catch (err) {
    throw fsUserError(err, start, CannotRunError) ?? err; // an unreadable file: "could not run" (exit 2), one line
  }
  const code = checkExitCode(report, Boolean(opts.strict));
  if (opts.json) {
    writeLine(ctx.stdout, JSON.stringify(checkJson(report, code), null, 2));
  } else {
    const color = useColor(ctx);
    for (const line of formatCheck(report, { color, strict: Boolean(opts.strict) })) writeLine(ctx.stdout, line);
  }
  return code;
};
