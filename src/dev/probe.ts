/**
 * Asks a streamable-HTTP MCP endpoint for its tools with the official TypeScript SDK client
 * (`@modelcontextprotocol/sdk`), loaded on first use: only `dev` (and `verify`) load it.
 *
 * @returns the tool names.
 * @throws whatever the SDK throws when the endpoint does not answer MCP (yet).
 */
export async function listToolNames(url: string, timeoutMs: number): Promise<string[]> {
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import("@modelcontextprotocol/sdk/client/index.js"),
    import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
  ]);
  const client = new Client({ name: "mcp-monorepo-dev", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)), { timeout: timeoutMs });
  try {
    return (await client.listTools(undefined, { timeout: timeoutMs })).tools.map((t) => t.name);
  } finally {
    await client.close().catch(() => undefined);
  }
}
