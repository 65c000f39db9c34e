// Entry point of the bundle (scripts/build.mjs bundles everything reachable from here
// into dist/, one chunk per dynamic import).
//
// START-UP IS LAZY. `--help` and `--version` must load only what they print, so this
// module and everything it imports statically stay light: commander, node: builtins and
// the import-free constants of src/kernel/defaults.ts. Every command follows one pattern:
//
//   src/commands/<name>.ts         registerName(program, ctx, state): the command's name,
//                                  options and help text. Imports only `commander`,
//                                  `import type` of anything, src/kernel/defaults.ts and
//                                  src/kernel/errors.ts. Its action is one dynamic import:
//                                      .action(async (name, options) => {
//                                        const { nameAction } = await import("./<name>-action.js");
//                                        state.exitCode = await nameAction(ctx, { name, options });
//                                      })
//   src/commands/<name>-action.ts  the body, a CommandAction (src/commands/types.ts): the
//                                  context and the parsed command line in, the exit code out
//                                  (parse, prompt, call the core, print); imports whatever it
//                                  needs (node-plop, zod, ajv, diff, yaml, a zip library, ...)
//                                  at the top. The bundler makes it a chunk loaded only when
//                                  the command runs.
//   src/<name>/                    the core: functions over validated options, no prompts.
//
// To add a command: write those files, import registerName below and call it in
// buildProgram(). test/package/bundle.test.ts fails if the start-up chunk reaches any
// package but commander, or a src/ module is left out of the bundle.
import { Command, CommanderError, Option } from "commander";
import { registerAddServer } from "./commands/add-server.js";
import { registerAffected } from "./commands/affected.js";
import { registerBundle } from "./commands/bundle.js";
import { registerAddTarget } from "./commands/add-target.js";
import { registerCheck } from "./commands/check.js";
import { registerCreate } from "./commands/create.js";
import { registerList } from "./commands/list.js";
import { registerRemoveServer } from "./commands/remove-server.js";
import { registerRemoveTarget } from "./commands/remove-target.js";
import { registerRenameServer } from "./commands/rename-server.js";
import { registerDev } from "./commands/dev.js";
import { registerLock } from "./commands/lock.js";
import { registerSync } from "./commands/sync.js";
import { registerTest } from "./commands/test.js";
import { registerUpgrade } from "./commands/upgrade.js";
import type { RunState } from "./commands/types.js";
import { errorJson, suggestOwnOptions, UnknownOptionError, unknownOptionLine, usageLine, wantsJson } from "./commands/usage-errors.js";
import { registerVerify } from "./commands/verify.js";
import { processContext, writeLine, type Context } from "./kernel/context.js";
import { HELP_WIDTH } from "./kernel/defaults.js";
import { CancelledError, fsUserError, isUserError, oneLineMessage, UserError } from "./kernel/errors.js";
import { BUGS_URL, HOMEPAGE, VERSION } from "./version.js";

/** Widest help text in columns (for the build's copy of `--help`, scripts/build.mjs). */
export { HELP_WIDTH };

/**
 * Where commander writes: help to stdout; its usage errors (`error: option ... argument 'X' is
 * invalid`) to stderr as one line, even when the quoted argument holds newlines or escapes
 * (its "did you mean" joins that line: src/commands/usage-errors.ts).
 */
function output(ctx: Context) {
  const width = (stream: unknown) => {
    const tty = stream as { isTTY?: boolean; columns?: number };
    return Math.min(HELP_WIDTH, tty.isTTY && tty.columns ? tty.columns : HELP_WIDTH);
  };
  return {
    writeOut: (s: string) => ctx.stdout.write(s),
    writeErr: (s: string) => ctx.stderr.write(s),
    getOutHelpWidth: () => width(ctx.stdout),
    getErrHelpWidth: () => width(ctx.stderr),
    outputError: (s: string, write: (s: string) => void) => write(`${usageLine(s)}${s.endsWith("\n") ? "\n" : ""}`),
  };
}

/**
 * Builds the commander program `mcp-monorepo` (also installed as `create-mcp-monorepo`):
 * `[dir]` (create) plus the `create`, `add-server`, `add-target`, `sync`, `lock`, `check`, `bundle`, `verify`,
 * `list`, `remove-server`, `remove-target`, `rename-server`, `test`, `affected`, `dev`, `upgrade` and `help <command>` subcommands (registered lazily: see the top of this file). Output goes to `ctx` streams;
 * commander errors throw instead of exiting.
 */
export function buildProgram(ctx: Context, state: RunState): Command {
  const program = new Command("mcp-monorepo")
    .description(
      "Scaffold and maintain a monorepo of FastMCP (Model Context Protocol) servers that deploy on the first try.\n" +
        "Installed as mcp-monorepo and create-mcp-monorepo (what `npm create mcp-monorepo` runs); without installing: npx create-mcp-monorepo <command>.",
    )
    .version(VERSION, "-v, --version", "print the version")
    .option("--debug", "show stack traces for unexpected errors")
    .showSuggestionAfterError(true)
    // Options after a subcommand's name belong to the subcommand: without this the
    // default command's `--description`/`--server`/`--yes` would swallow them.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput(output(ctx));
  registerCreate(program, ctx, state);
  registerAddServer(program, ctx, state);
  registerAddTarget(program, ctx, state);
  registerSync(program, ctx, state);
  registerLock(program, ctx, state);
  registerCheck(program, ctx, state);
  registerBundle(program, ctx, state);
  registerVerify(program, ctx, state);
  registerList(program, ctx, state);
  registerRemoveServer(program, ctx, state);
  registerRemoveTarget(program, ctx, state);
  registerRenameServer(program, ctx, state);
  registerTest(program, ctx, state);
  registerAffected(program, ctx, state);
  registerDev(program, ctx, state);
  registerUpgrade(program, ctx, state);
  // `help <command>`: commander adds it by itself only to programs without an action of their own.
  program.helpCommand("help [command]", "show help for a command");
  if (HOMEPAGE) program.addHelpText("afterAll", `\nDocs: ${HOMEPAGE}`);
  for (const sub of program.commands) {
    if (!sub.options.some((o) => o.long === "--debug")) sub.addOption(new Option("--debug", "show stack traces for unexpected errors").hideHelp());
    sub.exitOverride().configureOutput(output(ctx));
    suggestOwnOptions(sub);
  }
  suggestOwnOptions(program);
  return program;
}

/**
 * `help snyc`: commander would print the whole program help twice; say which command was meant.
 *
 * @throws UserError naming the closest command, or listing them all.
 */
async function refuseUnknownHelpTopic(program: Command, argv: string[]): Promise<void> {
  if (argv[0] !== "help" || argv[1] === undefined || argv[1].startsWith("-")) return;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (names.includes(argv[1])) return;
  const { didYouMean } = await import("./kernel/suggest.js"); // start-up stays commander-only
  const near = didYouMean(argv[1], names);
  throw new UserError(`no command "${argv[1]}"${near ? `: did you mean "${near}"?` : ""} (commands: ${names.filter((n) => n !== "help").join(", ")})`);
}

/**
 * Common command words that are not commands of this program. Given first, they are refused as an
 * unknown command rather than taken as the name of a monorepo folder to create (`./<word>` is a folder).
 */
export const RESERVED_WORDS: readonly string[] = [
  "add", "build", "clean", "config", "del", "delete", "deploy", "dev", "doctor", "format", "get", "info", "init", "inspect",
  "install", "lint", "login", "logout", "move", "mv", "new", "publish", "remove", "rm", "run", "serve", "server",
  "servers", "set", "show", "start", "status", "target", "targets", "test", "uninstall", "update", "use", "version",
];

/** Options of the program itself (create's) that take a value: their value is not a positional word. */
const VALUE_OPTIONS = new Set(["-s", "--server", "-d", "--description", "--python", "--target", "--repository", "--branch", "--cwd"]);

/**
 * The one rule for a first word that is not a command: it is the folder `create` makes only when
 * it names a folder without doubt, that is when it holds a slash or a backslash or starts with `.`, or when it is
 * the only word besides options, is not one of {@link RESERVED_WORDS}, and is not a typo of a
 * command (at most 1 edit for words of up to 4 characters, 2 for longer ones, or the start of a
 * command's name). Everything else is an unknown command, with extra arguments too (`add-sever foo`).
 *
 * @throws UserError `unknown command "<word>"` with a did-you-mean, or the list of commands.
 */
async function refuseUnknownCommand(program: Command, argv: string[]): Promise<void> {
  const positional: string[] = [];
  const known = new Set(program.options.flatMap((o) => [o.long, o.short]).filter((f): f is string => f !== undefined));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("-") && a.length > 1) {
      // An option commander does not know is its error to report (with its own suggestion); what
      // follows it cannot be told apart as a value or a word.
      if (!known.has(a.split("=")[0]!) && !["-h", "--help", "-V", "--version"].includes(a)) return;
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    positional.push(a);
  }
  const word = positional[0];
  if (word === undefined) return;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (names.includes(word) || word === "help") return;
  if (/[\\/]/.test(word) || word.startsWith(".")) return;
  const { didYouMean } = await import("./kernel/suggest.js"); // start-up stays commander-only
  const near = didYouMean(word, names);
  if (!near && !RESERVED_WORDS.includes(word) && positional.length === 1) return;
  const asFolder = `to create a folder named ${JSON.stringify(word)}, write ./${word}`;
  if (near) throw new UserError(`unknown command "${word}": did you mean "${near}"? (${asFolder})`);
  throw new UserError(`unknown command "${word}" (commands: ${names.join(", ")}; ${asFolder})`);
}

/**
 * Runs the CLI once: one catch, where the error class decides the exit code.
 *
 * @param argv - arguments after the program name.
 * @param ctx - injected I/O (defaults to the real process).
 * @returns the process exit code: 0 ok, 1 user error or findings, 2 could not run, 130 cancelled.
 */
export async function run(argv: string[], ctx: Context = processContext()): Promise<number> {
  const state: RunState = { exitCode: 0 };
  const program = buildProgram(ctx, state);
  const debug = argv.includes("--debug");
  // Under --json every failure is JSON on stdout too (the line on stderr stays for people).
  const json = wantsJson(program, argv);
  const failed = (message: string, code: number, detail: readonly string[] = []) => {
    if (json) writeLine(ctx.stdout, errorJson(message, code, detail));
    return code;
  };
  try {
    await refuseUnknownHelpTopic(program, argv);
    await refuseUnknownCommand(program, argv);
    await program.parseAsync(argv, { from: "user" });
    return state.exitCode;
  } catch (err) {
    if (err instanceof UnknownOptionError) {
      const line = await unknownOptionLine(err);
      writeLine(ctx.stderr, line);
      return failed(line.replace(/^error: /, ""), 1);
    }
    if (err instanceof CommanderError) {
      // help/version exit 0; usage errors were already printed by commander as one line.
      return err.exitCode === 0 ? 0 : failed(usageLine(err.message).replace(/^error: /, ""), 1);
    }
    if (err instanceof CancelledError) return err.exitCode; // the prompt already said so
    err = fsUserError(err, ctx.cwd) ?? err;
    if (isUserError(err)) {
      writeLine(ctx.stderr, `error: ${oneLineMessage(err.message)}`);
      for (const line of err.detail) writeLine(ctx.stderr, line);
      return failed(err.message, err.exitCode, err.detail);
    }
    writeLine(ctx.stderr, `unexpected error, please report it${BUGS_URL ? ` at ${BUGS_URL}` : ""}: ${oneLineMessage((err as Error)?.message ?? String(err))}`);
    if (debug) writeLine(ctx.stderr, (err as Error)?.stack ?? String(err));
    else writeLine(ctx.stderr, "(run again with --debug for the stack trace)");
    return failed(`unexpected error: ${(err as Error)?.message ?? String(err)}`, 1);
  }
}

/** Entry point for the bin shim: runs with process I/O and exits with the code. */
export async function main(): Promise<void> {
  // `create-mcp-monorepo --help | head` closes the pipe early: that is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  const code = await run(process.argv.slice(2));
  process.exitCode = code;
}
