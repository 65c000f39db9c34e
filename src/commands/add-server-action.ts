import * as p from "@clack/prompts";
import path from "node:path";
import pc from "picocolors";
import { addServer } from "../add-server/add-server.js";
import { checkNewServerName, gatherNameFacts } from "../add-server/preflight.js";
import { formatAddServerReport } from "../add-server/report.js";
import type { AddServerResult } from "../add-server/types.js";
import { useColor, writeLine } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { UserError } from "../kernel/errors.js";
import { loadManifestFrom } from "../monorepo/manifest.js";
import { promptAddServer } from "../prompts/add-server.js";

// The body of `add-server`, loaded by src/commands/add-server.ts only when it runs.

/** Options of `add-server` as commander parses them. */
export interface AddServerFlags {
  description?: string;
  cwd?: string;
  yes?: boolean;
  dryRun?: boolean;
  allowDirty?: boolean;
  json?: boolean;
  target?: string[];
  /** `--no-lock` sets it false: leave the server unlocked and never run uv. */
  lock?: boolean;
}

/**
 * The `add-server` command body: finds the monorepo, prompts for what is missing
 * (interactive only), runs the core, prints the plan or result and next steps.
 *
 * @throws UserError for every refusal (see `addServer`), or a missing name without prompts.
 */
export const addServerAction: CommandAction<{ name?: string; options: AddServerFlags }> = async (ctx, { name: nameArg, options: flags }) => {
  const start = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
  const loaded = await loadManifestFrom(start);
  const interactive = ctx.interactive && !flags.yes && !flags.dryRun && !flags.json;
  let name = nameArg;
  let description = flags.description;
  if (interactive && (name === undefined || description === undefined)) {
    const facts = await gatherNameFacts(loaded);
    const answers = await promptAddServer(ctx, { name, description }, (n) => checkNewServerName(n, facts), loaded.manifest.project);
    name = answers.name;
    description = answers.description;
  }
  if (name === undefined) {
    throw new UserError("no server name given: run `add-server NAME` (prompts need a terminal)");
  }
  const spin = interactive ? p.spinner({ output: ctx.stdout }) : null;
  spin?.start(flags.dryRun ? "Planning" : "Writing files");
  let result: AddServerResult;
  try {
    result = await addServer({ cwd: start, name, description, targets: flags.target }, { dryRun: flags.dryRun, allowDirty: flags.allowDirty, loaded });
  } catch (err) {
    spin?.error("Nothing was written");
    throw err;
  }
  let locked = false;
  if (!result.dryRun) {
    const { lockAfterWrite } = await import("../lock/index.js");
    spin?.message("Locking dependencies with uv");
    const lock = await lockAfterWrite(result.root, [result.server.name], { skip: flags.lock === false || ctx.env.MCPM_NO_LOCK === "1", env: ctx.env });
    locked = lock.locked.length === 1;
    if (lock.note) result.warnings.push(lock.note);
  }
  spin?.stop(`Added ${result.server.folder}/`);
  if (flags.json) {
    writeLine(ctx.stdout, JSON.stringify(addServerJson(result, ctx.cwd), null, 2));
    return 0;
  }
  const color = useColor(ctx);
  const c = pc.createColors(color);
  const report = formatAddServerReport(result, ctx.cwd, { color, locked });
  if (interactive) {
    // Inside the clack frame: the plan as one message, each notice as a warning.
    p.log.message(report.summary.join("\n"), { output: ctx.stdout });
    for (const line of report.notices) p.log.warn(line, { output: ctx.stdout });
    p.outro("Done. Deploy: see the Deployment table in README.md", { output: ctx.stdout });
    // Plain lines after the frame (as create does) so long commands copy-paste intact.
    writeLine(ctx.stdout, c.bold("Next steps:"));
    for (const line of report.next) writeLine(ctx.stdout, `  ${c.cyan(line)}`);
    return 0;
  }
  for (const line of report.summary) writeLine(ctx.stdout, line);
  const ce = pc.createColors(useColor({ ...ctx, stdout: ctx.stderr }));
  for (const line of report.notices) writeLine(ctx.stderr, `${ce.yellow("note")}: ${line}`);
  if (result.dryRun) return 0;
  writeLine(ctx.stdout, `\n${c.bold("Next steps:")}`);
  for (const line of report.next) writeLine(ctx.stdout, `  ${c.cyan(line)}`);
  return 0;
};

/**
 * The `--json` result of `add-server`: stable keys `ok`, `dryRun`, `root` (relative to the
 * working directory), `server` (the manifest entry), `changes[]` (`path`, `kind`), `warnings[]`, `dirty`.
 */
export function addServerJson(result: AddServerResult, cwd: string): Record<string, unknown> {
  return {
    ok: true,
    dryRun: result.dryRun,
    root: path.relative(cwd, result.root) || ".",
    server: result.server,
    changes: result.changes.filter((ch) => ch.kind !== "unchanged").map((ch) => ({ path: ch.path, kind: ch.kind })),
    warnings: result.warnings,
    dirty: result.dirty,
  };
}
