import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/**
 * Connects the official TypeScript MCP SDK client to a streamable-HTTP MCP
 * endpoint (initialize handshake included), runs `fn`, and closes the session.
 */
export async function withMcpClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ name: "create-mcp-monorepo-tests", version: "0.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Text of the first text content item of a tool result (throws when there is none). */
export function firstText(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  const item = content.find((c) => c.type === "text");
  if (!item?.text) throw new Error(`tool result has no text content: ${JSON.stringify(result)}`);
  return item.text;
}
