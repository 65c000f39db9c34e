import { markdownInline } from "./escape.js";
import type { Manifest } from "./manifest.js";

/**
 * The README's Deployment table: what FastMCP Cloud asks for per server
 * (seed 002, "Deployment Configuration": Repository, Branch, Entrypoint,
 * Requirements), plus the description, Python and transport, so the list of
 * servers in the README never goes stale. It lives between two markers so
 * `add-server` can regenerate it without touching a byte of user prose.
 */

/** Opening marker line of the generated table. */
export const TABLE_START = "<!-- mcp-monorepo:deployment-table:start (generated from mcp-monorepo.yaml; edits inside are replaced) -->";
/** Closing marker line of the generated table. */
export const TABLE_END = "<!-- mcp-monorepo:deployment-table:end -->";

const code = (s: string) => "`" + s.replace(/`/g, "'").replace(/\|/g, "\\|") + "`";

/**
 * Renders the marked table (markers included, no trailing newline).
 *
 * @param manifest - the validated manifest; one row per server in manifest order.
 */
export function renderDeploymentTable(manifest: Manifest): string {
  const rows = manifest.servers.map((s) =>
    [
      `**${markdownInline(s.name)}**`,
      markdownInline(s.description),
      code(manifest.repository),
      code(manifest.branch),
      code(s.entrypoint),
      code(s.requirements),
      manifest.python,
      s.transport === "http" ? "streamable HTTP (`/mcp`)" : s.transport,
    ].join(" | "),
  );
  return [
    TABLE_START,
    "| Server | Description | Repository | Branch | Entrypoint | Requirements | Python | Transport |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
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
