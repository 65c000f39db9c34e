import { CommanderError, type Command } from "commander";
import { oneLineMessage } from "../kernel/errors.js";

// How the CLI reports a command line it cannot run, and under `--json`, any error: the
// formatting half of src/cli.ts, kept apart from the command dispatch. A start-up module: it
// imports only commander and kernel/errors.ts (the suggestion code loads when it is needed).

/** An option `cmd` does not have; printed by the CLI's catch with {@link unknownOptionLine}. */
export class UnknownOptionError extends CommanderError {
  constructor(
    readonly command: Command,
    readonly flag: string,
  ) {
    super(1, "commander.unknownOption", `error: unknown option '${flag}'`);
  }
}

/**
 * The long option of `cmd` that `flag` was meant to be: among the command's own visible long
 * options, the one it begins (`--desc` → `--description`), else the nearest by edit distance.
 * (commander compares every option by distance alone, so `--desc` became `--yes`.)
 */
export async function ownOptionSuggestion(cmd: Command, flag: string): Promise<string | null> {
  const { didYouMean } = await import("../kernel/suggest.js");
  const longs = cmd
    .createHelp()
    .visibleOptions(cmd)
    .map((o) => o.long)
    .filter((l): l is string => typeof l === "string")
    .map((l) => l.slice(2));
  const word = flag.replace(/^--/, "").split("=")[0]!;
  const prefixed = longs.filter((l) => l.startsWith(word) && l !== word);
  if (word.length >= 2 && prefixed.length === 1) return `--${prefixed[0]}`;
  const near = didYouMean(word, longs);
  return near ? `--${near}` : null;
}

/** Makes `cmd` throw {@link UnknownOptionError} for an unknown option instead of printing commander's message. */
export function suggestOwnOptions(cmd: Command): void {
  const target = cmd as unknown as { unknownOption(flag: string): void; _allowUnknownOption?: boolean };
  target.unknownOption = (flag: string) => {
    if (target._allowUnknownOption) return;
    throw new UnknownOptionError(cmd, flag);
  };
}

/** The one line for an unknown option, with {@link ownOptionSuggestion}: `error: unknown option '--stric' (did you mean --strict?)`. */
export async function unknownOptionLine(err: UnknownOptionError): Promise<string> {
  const near = err.flag.startsWith("--") ? await ownOptionSuggestion(err.command, err.flag) : null;
  return usageLine(`error: unknown option '${err.flag}'${near ? ` (did you mean ${near}?)` : ""}`);
}

/**
 * One printable line for a commander message: its own "\n(Did you mean X?)" suffix becomes
 * " (did you mean X?)"; any other control character the user typed is escaped ({@link oneLineMessage}).
 */
export function usageLine(message: string): string {
  const text = message.endsWith("\n") ? message.slice(0, -1) : message;
  const joined = text.replace(/\n\(Did you mean (.+)\?\)$/, " (did you mean $1?)");
  return oneLineMessage(joined);
}

/** True when the command line asks a command that has `--json` for JSON (before any `--`). */
export function wantsJson(program: Command, argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  const args = end < 0 ? argv : argv.slice(0, end);
  if (!args.includes("--json")) return false;
  const first = args.find((a) => !a.startsWith("-"));
  const sub = program.commands.find((c) => c.name() === first || c.aliases().includes(first ?? "")) ?? program.commands.find((c) => c.name() === "create");
  return Boolean(sub?.options.some((o) => o.long === "--json"));
}

/**
 * The JSON document of a failed run under `--json` (printed on stdout; the exit code is unchanged):
 * `{"ok": false, "error": {"message", "exitCode", "detail"}}`.
 */
export function errorJson(message: string, exitCode: number, detail: readonly string[] = []): string {
  return JSON.stringify({ ok: false, error: { message, exitCode, detail: [...detail] } }, null, 2);
}
