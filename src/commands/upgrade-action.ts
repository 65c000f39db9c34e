import path from "node:path";
import pc from "picocolors";
import { useColor, writeLine } from "../kernel/context.js";
import { CancelledError, UserError } from "../kernel/errors.js";
import type { CommandAction } from "./types.js";
import { upgradeMonorepo, type UpgradeFile, type UpgradeResult } from "../upgrade/index.js";
import { confirmDeletion } from "../prompts/confirm.js";
import { VERSION } from "../version.js";

// The body of `upgrade`, loaded by src/commands/upgrade.ts only when it runs.

/** Options of `upgrade` as commander parses them. */
export interface UpgradeFlags {
  to?: string;
  check?: boolean;
  dryRun?: boolean;
  fromPackage?: string;
  lock?: boolean;
  allowDirty?: boolean;
  yes?: boolean;
  json?: boolean;
  cwd?: string;
}

const LABEL: Record<UpgradeFile["outcome"], string> = {
  replaced: "UPDATE",
  merged: "MERGE",
  conflict: "CONFLICT",
  added: "CREATE",
  removed: "DELETE",
  migrated: "MIGRATE",
  kept: "KEEP",
  "kept-deleted": "KEEP",
  "kept-edited": "KEEP",
  "kept-own": "KEEP",
  unchanged: "UNCHANGED",
};

function fileLine(f: UpgradeFile, color: boolean): string {
  const c = pc.createColors(color);
  const why =
    f.outcome === "conflict" ? `  (${f.conflicts} conflicting region${f.conflicts === 1 ? "" : "s"}: resolve the markers)`
    : f.outcome === "kept-deleted" ? "  (you deleted it: stays deleted)"
    : f.outcome === "kept-edited" ? "  (gone in this version, but you edited it: kept)"
    : f.outcome === "kept-own" ? "  (new in this version, but a file of yours is there: left alone)"
    : f.outcome === "kept" ? "  (only you changed it)"
    : f.outcome === "merged" ? "  (your edits merged)"
    : f.deleted ? "  (its lines moved into pyproject.toml)"
    : "";
  const paint = f.outcome === "conflict" ? c.magenta : f.outcome === "removed" ? c.red : f.outcome === "added" ? c.green : f.outcome.startsWith("kept") ? c.dim : c.yellow;
  return `${paint((f.deleted ? "DELETE" : LABEL[f.outcome]).padEnd(9))} ${f.path}${why}`;
}

/**
 * The `upgrade` command body: `--check` reports; otherwise plans (asking on a terminal unless
 * `--yes`), writes through the core, and prints each file's outcome, the migrations, the
 * conflicts and notes. Ctrl-C before the write exits 130 with nothing written.
 *
 * @returns 0 done or current; 1 conflicts, or with `--check` an upgrade pending or markers left.
 */
export const upgradeAction: CommandAction<{ options: UpgradeFlags }> = async (ctx, { options: flags }) => {
  if (flags.check && flags.dryRun) throw new UserError("--check and --dry-run cannot be used together (--check already writes nothing)");
  if (flags.to !== undefined && flags.to !== VERSION && flags.to !== "this") {
    throw new UserError(`this is create-mcp-monorepo ${VERSION}, which upgrades to ${VERSION} only; for ${flags.to}, run that version's upgrade: npx create-mcp-monorepo@${flags.to} upgrade`);
  }
  const cwd = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
  const color = useColor(ctx, { json: flags.json });
  const mode = flags.check ? "check" : flags.dryRun ? "dry-run" : "upgrade";
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let r: UpgradeResult;
  try {
    // --no-lock, or MCPM_NO_LOCK=1 as for create and add-server: the migrated servers stay unlocked.
    const base = { cwd, fromPackage: flags.fromPackage, allowDirty: flags.allowDirty, lock: flags.lock !== false && ctx.env.MCPM_NO_LOCK !== "1", env: ctx.env, signal: abort.signal };
    if (mode === "upgrade" && !flags.yes && !flags.json && ctx.interactive) {
      const plan = await upgradeMonorepo({ ...base, mode: "dry-run" });
      if (plan.status === "pending" && plan.files.length > 0) {
        const what = [`upgrade from create-mcp-monorepo@${plan.from} to ${plan.to} would change:`, ...plan.files.map((f) => fileLine(f, false))];
        if (!(await confirmDeletion(ctx, what, "upgrade changes files"))) {
          writeLine(ctx.stdout, "Nothing was changed.");
          return 0;
        }
      }
    }
    r = await upgradeMonorepo({ ...base, mode });
  } catch (err) {
    if (abort.signal.aborted) {
      writeLine(ctx.stderr, "Cancelled; nothing was written.");
      throw new CancelledError();
    }
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const code = mode === "check" ? (r.status === "pending" || r.conflicts.length > 0 ? 1 : 0) : r.conflicts.length > 0 ? 1 : 0;
  if (flags.json) {
    writeLine(ctx.stdout, JSON.stringify({
      ok: code === 0,
      root: path.relative(ctx.cwd, r.root) || ".",
      from: r.from,
      to: r.to,
      status: r.status,
      dryRun: r.dryRun,
      files: r.files,
      migrations: r.migrations,
      conflicts: r.conflicts,
      locked: r.locked,
      notes: r.notes,
      dirty: r.dirty,
    }, null, 2));
    return code;
  }
  const c = pc.createColors(color);
  if (mode === "check") {
    if (r.status === "pending" && r.from !== r.to) writeLine(ctx.stdout, `upgrade pending: this monorepo was made by create-mcp-monorepo@${r.from}; run \`npx create-mcp-monorepo@${r.to} upgrade\``);
    else if (r.status === "pending") writeLine(ctx.stdout, `upgrade pending: ${r.migrations.map((m) => m.server).join(", ")} still in an older layout; run \`npx create-mcp-monorepo@${r.to} upgrade\``);
    for (const f of r.conflicts) writeLine(ctx.stdout, `CONFLICT  ${f}  (conflict markers left by upgrade: resolve them)`);
    for (const n of r.notes) writeLine(ctx.stderr, `note: ${n}`);
    writeLine(ctx.stdout, code === 0 ? c.green(`up to date with create-mcp-monorepo@${r.to}`) : c.red(`upgrade --check failed`));
    return code;
  }
  if (r.status === "current") {
    for (const n of r.notes) writeLine(ctx.stderr, `note: ${n}`);
    for (const f of r.conflicts) writeLine(ctx.stdout, `CONFLICT  ${f}  (conflict markers left by an earlier upgrade: resolve them)`);
    writeLine(ctx.stdout, r.conflicts.length ? c.red(`${r.conflicts.length} file${r.conflicts.length === 1 ? "" : "s"} still hold conflict markers`) : c.green(`already at create-mcp-monorepo@${r.to}: nothing to upgrade`));
    return code;
  }
  const what = r.from === r.to ? `the layout migration of create-mcp-monorepo@${r.to}` : `upgrade from create-mcp-monorepo@${r.from} to ${r.to}`;
  writeLine(ctx.stdout, r.dryRun ? `Dry run: ${what} would change (nothing written):` : `Done, ${what}:`);
  for (const f of r.files) writeLine(ctx.stdout, fileLine(f, color));
  if (r.from !== r.to) writeLine(ctx.stdout, `${c.yellow("UPDATE".padEnd(9))} mcp-monorepo.yaml  (generator: create-mcp-monorepo@${r.to})`);
  for (const m of r.migrations) for (const n of m.notes) writeLine(ctx.stdout, `note: ${n}`);
  for (const s of r.locked) writeLine(ctx.stdout, `LOCKED    ${s}: uv.lock, requirements.txt`);
  for (const n of r.notes) writeLine(ctx.stderr, `note: ${n}`);
  if (r.dirty && r.dirty.length > 0) {
    writeLine(ctx.stderr, r.dryRun ? `note: uncommitted changes in ${r.dirty.join(", ")}: a real run refuses unless you commit them or pass --allow-dirty` : `note: --allow-dirty: changed files with uncommitted changes: ${r.dirty.join(", ")}`);
  }
  // Conflicts are the command's answer (exit 1, as sync's), not a refusal: listed on stdout.
  if (r.conflicts.length > 0) {
    writeLine(ctx.stdout, c.red(`${r.conflicts.length} file${r.conflicts.length === 1 ? "" : "s"} with conflicts (inline markers: keep what you want, delete the markers, commit):`));
    for (const f of r.conflicts) writeLine(ctx.stdout, `  ${f}`);
  }
  return code;
};
