import { formatPlan } from "../monorepo/changes.js";
import type { SyncApplyResult } from "./apply.js";
import type { RequirementError, ServerSyncPlan, SyncPlan } from "./types.js";

/** How the command ran: a real sync, `--dry-run`, or `--check`. */
export type SyncMode = "sync" | "dry-run" | "check";

/**
 * The exit code a sync plan calls for: 1 with unforced conflicts, requirement errors or
 * `.env.example` errors; in `check` mode, 1 unless everything is in sync. (Exit 2, "could not
 * run", comes from a `UserError` before there is a plan: no or broken manifest, unknown server.)
 */
export function syncExitCode(plan: SyncPlan, mode: SyncMode): number {
  if (plan.requirementErrors.length > 0 || plan.envErrors.length > 0 || plan.conflicts.some((c) => !c.forced)) return 1;
  if (mode === "check" && !plan.inSync) return 1;
  return 0;
}

/** `file:line: message` for one requirement error. */
export function formatRequirementError(e: RequirementError): string {
  return `${e.file}${e.line ? `:${e.line}` : ""}: ${e.message}`;
}

function indent(text: string, by = "    "): string[] {
  return text.replace(/\n$/, "").split("\n").map((l) => by + l);
}

function serverHeadline(s: ServerSyncPlan): string {
  if (s.status === "in-sync") return `${s.folder}: in sync`;
  const parts: string[] = [];
  const unforced = s.conflicts.filter((c) => !c.forced).length;
  if (unforced) parts.push(`${unforced} conflict${unforced === 1 ? "" : "s"}`);
  if (s.requirementErrors.length) parts.push(`${s.requirementErrors.length} requirements error${s.requirementErrors.length === 1 ? "" : "s"}`);
  if (s.envErrors.length) parts.push(`${s.envErrors.length} .env.example error${s.envErrors.length === 1 ? "" : "s"}`);
  if (s.status === "blocked") return `${s.folder}: blocked (${parts.join(", ") || "shared/ has errors, see below"}); nothing of it is written`;
  const n = s.changes.length;
  return `${s.folder}: out of date (${n} file${n === 1 ? "" : "s"} to write or delete${s.lockChanged && n === 0 ? ", lock entry to refresh" : ""})`;
}

/**
 * The human report of a sync plan, as lines (no colour unless `color`): per server with
 * something to say, its changes (CREATE/UPDATE/DELETE), conflicts with their unified diff
 * (for `--force`, "OVERWRITE"/"REMOVE" with the discarded edit), unmanaged files and leftovers;
 * then requirement errors as `file:line: message`, then one summary line.
 */
export function formatSyncReport(plan: SyncPlan, mode: SyncMode, opts: { color?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const s of plan.perServer) {
    const conflictPaths = new Set(s.conflicts.map((c) => c.path));
    const noisy = s.status !== "in-sync" || s.unmanaged.length > 0 || s.leftovers.length > 0 || s.kept.length > 0;
    if (!noisy) continue;
    out.push(serverHeadline(s));
    const held = s.status === "blocked" ? "  (held back until the problems below are fixed)" : "";
    out.push(...formatPlan(s.changes.filter((c) => !conflictPaths.has(c.path)), { color: opts.color }).map((l) => "  " + l + held));
    for (const c of s.conflicts) {
      const label = c.forced ? (c.canonical ? "OVERWRITE" : "REMOVE   ") : "CONFLICT ";
      out.push(`  ${label} ${c.path}  (${c.reason}${c.forced ? "; --force discards the edit below" : ""})`);
      out.push(...indent(c.diff));
    }
    for (const u of s.unmanaged) out.push(`  UNMANAGED ${u.path}  (not written by sync and not in shared/; left alone: move it into shared/ or delete it)`);
    for (const l of s.leftovers) out.push(`  CLEANUP   ${l.path}  (temporary file of an interrupted sync)`);
    for (const k of s.kept) out.push(`  KEPT      ${k.path}  (${k.reason})`);
  }
  if (plan.rootEnv === "create" || plan.rootEnv === "update") {
    const rootChange = plan.changes.find((c) => c.path === ".env.example");
    if (rootChange) out.push(...formatPlan([rootChange], { color: opts.color }).map((l) => `${l}  (shared settings block)`));
  }
  for (const x of plan.secretsLeftOut) out.push(`warning: ${x.path} is not vendored into any server: it looks like ${x.what}; keep secrets out of shared/`);
  for (const l of plan.leftovers.filter((x) => x.server === null)) out.push(`CLEANUP   ${l.path}  (temporary file of an interrupted sync)`);
  for (const e of [...plan.requirementErrors, ...plan.envErrors]) out.push(`error: ${formatRequirementError(e)}`);
  if (plan.lockChanged && plan.changes.length > 0) out.push(...formatPlan([plan.changes[plan.changes.length - 1]!], { color: opts.color }));
  out.push(summaryLine(plan, mode));
  return out;
}

function summaryLine(plan: SyncPlan, mode: SyncMode): string {
  const unforced = plan.conflicts.filter((c) => !c.forced).length;
  const problems: string[] = [];
  if (unforced) problems.push(`${unforced} conflict${unforced === 1 ? "" : "s"} left untouched: move the edits you keep into shared/, then run \`npx create-mcp-monorepo sync --force\` (it overwrites the edited copies from shared/; plain \`sync\` refuses them until shared/ matches them byte for byte)`);
  if (plan.requirementErrors.length) problems.push(`${plan.requirementErrors.length} requirements error${plan.requirementErrors.length === 1 ? "" : "s"} (see above)`);
  if (plan.envErrors.length) problems.push(`${plan.envErrors.length} .env.example error${plan.envErrors.length === 1 ? "" : "s"} (see above)`);
  const tail = problems.length ? `; ${problems.join("; ")}` : "";
  const unmanaged = plan.unmanaged.length ? ` (${plan.unmanaged.length} unmanaged file${plan.unmanaged.length === 1 ? "" : "s"} left alone)` : "";
  if (mode === "check") {
    if (plan.inSync) return "already in sync";
    const stale = plan.perServer.filter((s) => s.status === "out-of-date").map((s) => s.folder);
    if (plan.rootEnv === "create" || plan.rootEnv === "update") stale.push(".env.example");
    const parts = [...(stale.length ? [`out of date: ${stale.join(", ")}`] : []), ...(plan.unmanaged.length ? [`${plan.unmanaged.length} unmanaged file${plan.unmanaged.length === 1 ? "" : "s"}`] : []), ...(plan.leftovers.length ? [`${plan.leftovers.length} leftover temporary file${plan.leftovers.length === 1 ? "" : "s"}`] : []), ...problems];
    if (plan.lockChanged && !stale.length) parts.unshift("mcp-monorepo.lock.json is out of date");
    return `sync --check failed: ${parts.join("; ")}; run \`npx create-mcp-monorepo sync\` and commit the result`;
  }
  const writes = plan.changes.filter((c) => c.kind !== "delete").length;
  const deletes = plan.changes.filter((c) => c.kind === "delete").length;
  if (writes === 0 && deletes === 0 && plan.leftovers.length === 0) return (problems.length ? "nothing written" : "already in sync") + unmanaged + tail;
  const synced = plan.perServer.filter((s) => s.status === "out-of-date").length;
  const what = `${writes} file${writes === 1 ? "" : "s"} written, ${deletes} deleted, ${synced} server${synced === 1 ? "" : "s"} updated`;
  if (mode === "dry-run") return `dry run: would have ${what.replace("written", "to write").replace("deleted", "to delete").replace("updated", "to update")}; nothing was written${unmanaged}${tail}`;
  return `synced: ${what}${unmanaged}${tail}`;
}

/**
 * The `--json` report: the plan as data (buffers dropped), the mode, the exit code and, after
 * a real sync, what was written. Stable keys: `ok`, `mode`, `inSync`, `servers[]`, `conflicts[]`,
 * `unmanaged[]`, `requirementErrors[]`, `envErrors[]`, `rootEnv`, `leftovers[]`, `secretsLeftOut[]`, `lockChanged`, `written[]`, `deleted[]`;
 * each server also has `kept[]` (`{ path, reason }`: generated files left as edited by hand).
 */
export function syncJson(plan: SyncPlan, mode: SyncMode, result: SyncApplyResult | null): Record<string, unknown> {
  const exitCode = syncExitCode(plan, mode);
  return {
    ok: exitCode === 0,
    exitCode,
    mode,
    inSync: plan.inSync,
    canonicalFiles: plan.canonicalFileCount,
    servers: plan.perServer.map((s) => ({
      name: s.name,
      folder: s.folder,
      status: s.status,
      changes: s.changes.map((c) => ({ path: c.path, kind: c.kind, ...(c.reason ? { reason: c.reason } : {}) })),
      conflicts: s.conflicts,
      unmanaged: s.unmanaged.map((u) => u.path),
      requirementErrors: s.requirementErrors,
      leftovers: s.leftovers.map((l) => l.path),
      lockChanged: s.lockChanged,
      requirementsChanged: s.requirementsChanged,
      envErrors: s.envErrors,
      envChanged: s.envChanged,
      kept: s.kept,
    })),
    conflicts: plan.conflicts,
    unmanaged: plan.unmanaged,
    requirementErrors: plan.requirementErrors,
    envErrors: plan.envErrors,
    rootEnv: plan.rootEnv,
    leftovers: plan.leftovers,
    secretsLeftOut: plan.secretsLeftOut,
    lockChanged: plan.lockChanged,
    written: result?.written ?? [],
    deleted: result?.deleted ?? [],
  };
}
