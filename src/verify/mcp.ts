/**
 * The MCP client `verify` uses: the official TypeScript SDK (`@modelcontextprotocol/sdk`) over
 * streamable HTTP, loaded on first use (it is bundled with the CLI, and large: `--help` must not load it).
 */

/** One timed MCP exchange. */
export interface Timed<T> {
  value: T;
  ms: number;
}

/** A tool as `tools/list` returns it (name and the JSON schema of its arguments). */
export interface ListedTool {
  name: string;
  inputSchema?: { required?: string[]; properties?: Record<string, unknown> };
}

/** An open MCP session. */
export interface Session {
  /** Time the initialize handshake took. */
  initializeMs: number;
  listTools(): Promise<Timed<ListedTool[]>>;
  callTool(name: string, args: Record<string, unknown>): Promise<Timed<{ isError?: boolean; content?: unknown[] }>>;
  close(): Promise<void>;
}

async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - t) };
}

/**
 * Connects (initialize handshake included) to a streamable-HTTP MCP endpoint.
 *
 * @param timeoutMs - per request.
 * @throws whatever the SDK throws when the endpoint does not speak MCP.
 */
export async function connect(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<Session> {
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import("@modelcontextprotocol/sdk/client/index.js"),
    import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
  ]);
  const client = new Client({ name: "mcp-monorepo-verify", version: "1" });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const init = await timed(() => client.connect(transport, { timeout: timeoutMs }));
  return {
    initializeMs: init.ms,
    listTools: () => timed(async () => (await client.listTools(undefined, { timeout: timeoutMs })).tools as ListedTool[]),
    callTool: (name, args) => timed(async () => (await client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs })) as { isError?: boolean; content?: unknown[] }),
    close: () => client.close(),
  };
}
