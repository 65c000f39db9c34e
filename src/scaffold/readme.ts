import { markdownInline } from "../kernel/escape.js";
import { TARGETS, type Manifest } from "../monorepo/manifest.js";
import { TARGET_SPECS } from "./targets.js";

/**
 * The README's Deployment table: what FastMCP Cloud asks for per server (repository,
 * branch, entrypoint, requirements file: https://gofastmcp.com/deployment/fastmcp-cloud), plus the description, Python and transport, so the list of
 * servers in the README never goes stale. It lives between two markers so
 * `add-server` can regenerate it without touching a byte of user prose.
 */

/** Root README file name. */
export const README_FILE = "README.md";

/** Opening marker line of the generated table. */
export const TABLE_START = "<!-- mcp-monorepo:deployment-table:start (generated from mcp-monorepo.yaml; edits inside are replaced) -->";
/** Closing marker line of the generated table. */
export const TABLE_END = "<!-- mcp-monorepo:deployment-table:end -->";

/**
 * Renders the marked table (markers included, no trailing newline): Server, Description,
 * then the columns of each manifest target (in the order of TARGETS) (src/scaffold/targets.ts: FastMCP
 * Cloud's Repository, Branch, Entrypoint, Requirements; each other target's artefact and the
 * one command that deploys or runs it), then Python and Transport.
 *
 * @param manifest - the validated manifest; one row per server in manifest order.
 */
export function renderDeploymentTable(manifest: Manifest): string {
  const targets: readonly string[] = manifest.targets ?? ["fastmcp-cloud"];
  const columns = TARGETS.filter((t) => targets.includes(t)).flatMap((t) => TARGET_SPECS[t].columns);
  const rows = manifest.servers.map((s) =>
    [
      `**${markdownInline(s.name)}**`,
      markdownInline(s.description),
      ...columns.map((c) => c.cell(s, manifest)),
      manifest.python,
      s.transport === "http" ? "streamable HTTP (`/mcp`)" : s.transport,
    ].join(" | "),
  );
  const headers = ["Server", "Description", ...columns.map((c) => c.header), "Python", "Transport"];
  return [
    TABLE_START,
    `| ${headers.join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r} |`),
    TABLE_END,
  ].join("\n");
}

/**
 * Replaces the marked table in a README, leaving every byte outside the
 * markers unchanged. If the markers are missing (or out of order), a fresh
 * marked table is appended at the end instead.
 *
 * @returns the new text and whether the table had to be appended.
 */
export function replaceDeploymentTable(readme: string, manifest: Manifest): { text: string; appended: boolean } {
  const table = renderDeploymentTable(manifest);
  const start = readme.indexOf(TABLE_START);
  const end = start === -1 ? -1 : readme.indexOf(TABLE_END, start + TABLE_START.length);
  if (start === -1 || end === -1) {
    const sep = readme.length === 0 || readme.endsWith("\n\n") ? "" : readme.endsWith("\n") ? "\n" : "\n\n";
    return { text: `${readme}${sep}## Deployment\n\n${table}\n`, appended: true };
  }
  return { text: readme.slice(0, start) + table + readme.slice(end + TABLE_END.length), appended: false };
}

/**
 * Regenerates the README's Deployment table for `manifest` (only the bytes between the
 * markers change). A missing README becomes one that holds just a `## Deployment` heading and
 * the marked table.
 *
 * @param current - README text, or null when there is no README.md.
 * @returns the new text; `appended` when the markers were missing and a fresh table was added at the end.
 */
export function updateReadme(current: string | null, manifest: Manifest): { text: string; appended: boolean; created: boolean } {
  const { text, appended } = replaceDeploymentTable(current ?? "", manifest);
  return { text, appended: appended && current !== null, created: current === null };
}
