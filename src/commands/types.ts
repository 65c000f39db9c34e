import type { Context } from "../kernel/context.js";

/** What one run of the CLI keeps across commander's callbacks: the exit code the command returned. */
export interface RunState {
  exitCode: number;
}

/**
 * The one signature of a command's body (`src/commands/<name>-action.ts`): the context and the
 * parsed command line in (`args`: the positional arguments by name, and `options` as commander
 * parsed them), the exit code out: 0 done, 1 the answer is no (findings, out of date, a failed
 * server). Refusals are thrown: the error class decides the exit code (src/kernel/errors.ts).
 */
export type CommandAction<Args extends { options: object }> = (ctx: Context, args: Args) => Promise<number>;
