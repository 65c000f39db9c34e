import path from "node:path";
import { formatPlan } from "../monorepo/changes.js";
import { TARGET_SPECS } from "../scaffold/targets.js";
import type { AddServerResult } from "./types.js";

/** Quotes a word for a POSIX shell (single quotes when it holds anything unusual). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The README-marker note shown when a fresh table had to be appended (so the user knows where it went). */
export const README_APPENDED_NOTE =
  "README.md had no Deployment table markers, so a fresh marked table was appended at its end (the rest of README.md is unchanged)";

/**
 * The lines the CLI prints for a result (printing is the CLI's job;
 * this keeps it a pure function of the data).
 *
 * @param result - from `addServer`.
 * @param cwd - the user's working directory, to show paths relative to it.
 * @param opts.color - colour the CREATE/UPDATE labels.
 * @returns `summary` (the plan or what was done), `notices` (warnings, for stderr) and `next` (next steps).
 */
export function formatAddServerReport(result: AddServerResult, cwd: string, opts: { color?: boolean; locked?: boolean } = {}): { summary: string[]; notices: string[]; next: string[] } {
  const rel = path.relative(cwd, result.root);
  const prefix = rel === "" ? "" : `${rel.split(path.sep).join("/")}/`;
  const active = result.changes.filter((c) => c.kind !== "unchanged");
  const created = active.filter((c) => c.kind === "create").length;
  const updated = active.filter((c) => c.kind === "update").length;
  const summary: string[] = [];
  if (result.dryRun) {
    summary.push(`Dry run: add-server ${result.server.name} would create ${created} files and update ${updated} (nothing written)`);
    summary.push(...formatPlan(result.changes, { prefix, color: opts.color }));
  } else {
    summary.push(...formatPlan(result.changes, { prefix, color: opts.color }));
    summary.push(`Added server "${result.server.name}" in ${prefix}${result.server.folder}/: created ${created} files, updated ${updated}.`);
  }
  const notices = [...result.warnings];
  if (result.readmeAppended) notices.unshift(result.dryRun ? README_APPENDED_NOTE.replace("was appended", "would be appended") : README_APPENDED_NOTE);
  if (result.dirty && result.dirty.length > 0) {
    notices.push(
      result.dryRun
        ? `uncommitted changes in ${result.dirty.join(", ")}: a real run refuses unless you commit them or pass --allow-dirty`
        : `--allow-dirty: wrote over uncommitted changes in ${result.dirty.join(", ")}`,
    );
  }
  return { summary, notices, next: nextSteps(result, cwd, opts.locked) };
}

/**
 * Next steps for the new server: install and test it, serve it over HTTP, and per manifest
 * target what to enter in FastMCP Cloud (the README's Deployment table row) or the one command
 * that deploys it (src/scaffold/targets.ts).
 *
 * @param result - from `addServer`.
 * @param cwd - the user's working directory.
 */
export function nextSteps(result: AddServerResult, cwd: string, locked = false): string[] {
  const dir = path.relative(cwd, path.join(result.root, result.server.folder)) || ".";
  return [
    `cd ${shellQuote(dir)}`,
    ...(locked ? [] : ["npx create-mcp-monorepo lock   # pin exact versions: uv.lock + requirements.txt (needs uv: https://docs.astral.sh/uv/)"]),
    `uv sync && uv run pytest -q`,
    `uv run fastmcp run fastmcp.json --skip-env --transport http   # serves http://127.0.0.1:8000/mcp`,
    ...result.manifest.targets.map((t) =>
      t === "fastmcp-cloud"
        ? `deploy on FastMCP Cloud: entrypoint ${result.server.entrypoint}, requirements ${result.server.requirements} (README.md, Deployment)`
        : `${TARGET_SPECS[t].label} (from the monorepo root): ${TARGET_SPECS[t].command(result.server)}`,
    ),
  ];
}
