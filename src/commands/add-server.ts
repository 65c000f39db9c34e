import * as p from "@clack/prompts";
import type { Command } from "commander";
import path from "node:path";
import pc from "picocolors";
import type { RunState } from "../cli.js";
import { addServer } from "../add-server/add-server.js";
import { checkNewServerName, gatherNameFacts } from "../add-server/preflight.js";
import { formatAddServerReport } from "../add-server/report.js";
import type { AddServerResult } from "../add-server/types.js";
import { useColor, writeLine, type Context } from "../core/context.js";
import { UserError } from "../core/errors.js";
import { loadManifestFrom } from "../core/manifest.js";
import { promptAddServer } from "../prompts/add-server.js";

/** Options of `add-server` as commander parses them. */
export interface AddServerFlags {
  description?: string;
  cwd?: string;
  yes?: boolean;
  dryRun?: boolean;
  allowDirty?: boolean;
  json?: boolean;
  target?: string[];
}

/**
 * Registers `add-server [name]` (issue 3): adds one compliant server to an
 * existing monorepo, created exactly as `create` would, and updates every place
 * that lists servers (manifest, README Deployment table, root `.env.example`, lock),
 * all or nothing.
 *
 * Options: `-d, --description <text>`, `--cwd <dir>` (start the search for
 * `mcp-monorepo.yaml` there), `-y, --yes` (no prompts; default description),
 * `--dry-run` (print CREATE/UPDATE lines, write nothing), `--allow-dirty` (write
 * even over uncommitted git changes), `--target <name>` (repeatable: a deployment target the manifest
 * does not list yet is added as `add-target` does). Prompts (clack) for a missing name or
 * description when `ctx.interactive`; otherwise a missing name is a one-line error.
 * Every refusal is a `UserError` (one line, exit 1, nothing written).
 */
export function registerAddServer(program: Command, ctx: Context, _state: RunState): void {
  program
    .command("add-server")
    .description("add a FastMCP server to this monorepo (server-<name>/ plus manifest, README table, .env.example and sync state)")
    .argument("[name]", "server name: lowercase letters, digits and hyphens (folder server-<name>/)")
    .option("-d, --description <text>", "one-line description of the server")
    .option("--cwd <dir>", "run as if started in <dir> (any folder inside the monorepo)")
    .option("-y, --yes", "do not prompt; use the default description when none is given")
    .option("--dry-run", "print the files that would be created and updated; write nothing")
    .option("--allow-dirty", "write even if files add-server modifies have uncommitted git changes")
    .option("--json", "print the result as JSON (no prompts)")
    .option(
      "--target <name>",
      "also write the server for this deployment target (repeatable; one not in mcp-monorepo.yaml yet is added there, with its files for every server)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .addHelpText(
      "after",
      `\nExit codes: 0 added; 1 refused (bad or taken name, uncommitted changes; nothing written); 2 could not run (no or broken mcp-monorepo.yaml or lock).\n\n` +
        `Examples:\n  mcp-monorepo add-server billing --description "Billing tools: invoices and refunds"\n  mcp-monorepo add-server billing --dry-run\n  mcp-monorepo add-server --cwd path/to/monorepo billing --yes --json`,
    )
    .action(async (nameArg: string | undefined, flags: AddServerFlags) => {
      await runAddServer(ctx, nameArg, flags);
    });
}

/**
 * The `add-server` command body: finds the monorepo, prompts for what is missing
 * (interactive only), runs the core, prints the plan or result and next steps.
 *
 * @throws UserError for every refusal (see `addServer`), or a missing name without prompts.
 */
export async function runAddServer(ctx: Context, nameArg: string | undefined, flags: AddServerFlags): Promise<AddServerResult> {
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
  spin?.stop(`Added ${result.server.folder}/`);
  if (flags.json) {
    writeLine(ctx.stdout, JSON.stringify(addServerJson(result, ctx.cwd), null, 2));
    return result;
  }
  const color = useColor(ctx);
  const c = pc.createColors(color);
  const report = formatAddServerReport(result, ctx.cwd, { color });
  if (interactive) {
    // Inside the clack frame: the plan as one message, each notice as a warning.
    p.log.message(report.summary.join("\n"), { output: ctx.stdout });
    for (const line of report.notices) p.log.warn(line, { output: ctx.stdout });
    p.outro("Done. Deploy: see the Deployment table in README.md", { output: ctx.stdout });
    // Plain lines after the frame (as create does) so long commands copy-paste intact.
    writeLine(ctx.stdout, c.bold("Next steps:"));
    for (const line of report.next) writeLine(ctx.stdout, `  ${c.cyan(line)}`);
    return result;
  }
  for (const line of report.summary) writeLine(ctx.stdout, line);
  const ce = pc.createColors(useColor({ ...ctx, stdout: ctx.stderr }));
  for (const line of report.notices) writeLine(ctx.stderr, `${ce.yellow("note")}: ${line}`);
  if (result.dryRun) return result;
  writeLine(ctx.stdout, `\n${c.bold("Next steps:")}`);
  for (const line of report.next) writeLine(ctx.stdout, `  ${c.cyan(line)}`);
  return result;
}

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
