/**
 * MCP client configuration for the servers `dev` runs, in the format each client reads:
 * - VS Code: `.vscode/mcp.json`, `{"servers": {NAME: {"type": "http", "url": URL}}}` (VS Code docs,
 *   "Use MCP servers in VS Code", configuration format);
 * - Cursor: `.cursor/mcp.json`, `{"mcpServers": {NAME: {"url": URL}}}` (Cursor docs, "Model Context Protocol");
 * - Claude Desktop: `claude_desktop_config.json`'s `mcpServers`, which reaches remote servers through
 *   the `mcp-remote` bridge (`npx mcp-remote URL`), printed for the user to paste (the file is theirs).
 */

export const CLIENTS = ["claude", "vscode", "cursor"] as const;
export type Client = (typeof CLIENTS)[number];

/** The file a client reads (root-relative), or null for one whose config is printed instead. */
export function clientFile(client: Client): string | null {
  return client === "vscode" ? ".vscode/mcp.json" : client === "cursor" ? ".cursor/mcp.json" : null;
}

/**
 * The client's configuration for `servers` (name → URL), merged into `current` (the file's text,
 * or null): other entries and keys the user has are kept; these names get these URLs.
 *
 * @returns the file (or snippet) text, JSON with two-space indent and a final newline.
 * @throws SyntaxError when `current` is not JSON.
 */
export function clientConfig(client: Client, servers: Record<string, string>, current: string | null): { file: string | null; text: string } {
  const data = (current !== null && current.trim() ? JSON.parse(current) : {}) as Record<string, Record<string, unknown>>;
  const key = client === "vscode" ? "servers" : "mcpServers";
  const entries = { ...(data[key] ?? {}) };
  for (const [name, url] of Object.entries(servers)) {
    entries[name] = client === "vscode" ? { type: "http", url } : client === "cursor" ? { url } : { command: "npx", args: ["-y", "mcp-remote", url] };
  }
  return { file: clientFile(client), text: JSON.stringify({ ...data, [key]: entries }, null, 2) + "\n" };
}
