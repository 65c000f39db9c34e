import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { TestCliOptions } from "./test-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./test-action.ts, imported when the command runs.

/**
 * Registers `test [NAME...]`: each server's own pytest suite, in its own environment on the
 * manifest's Python, several at once; one summary table. Exit 0 all passed, 1 a suite failed,
 * 2 could not run.
 */
export function registerTest(program: Command, ctx: Context, state: RunState): void {
  program
    .command("test")
    .description("run each server's own test suite in its own environment, in parallel, with one summary")
    .argument("[name...]", "servers to test (default: every server)")
    .option("-j, --jobs <n>", "suites run at once (default: the number of servers, at most the CPU count)")
    .option("--json", "print the results as JSON")
    .option("--cwd <dir>", "run as if started in <dir>")
    .option("--interpreter <path>", "the Python to test on (default: the first target's, e.g. 3.12 for FastMCP Cloud)")
    .addHelpText(
      "after",
      "\nEach server runs `python -m pytest` in its folder, in a cached venv built from its requirements.txt and\n" +
        "the dev group of its pyproject.toml (the cache verify uses), on its target's Python.\n" +
        "Exit codes: 0 every suite passed, 1 a suite failed, 2 could not run.\n\n" +
        "Examples:\n  npx create-mcp-monorepo test\n  npx create-mcp-monorepo test ops billing --jobs 2",
    )
    .action(async (names: string[], opts: TestCliOptions) => {
      const { testAction } = await import("./test-action.js");
      state.exitCode = await testAction(ctx, { names, options: opts });
    });
}
