// A minimal MCP client over streamable HTTP for the start-up benchmarks: a bare `fetch` per
// JSON-RPC message, so the timing holds no SDK loading. The response is JSON or an SSE stream
// whose last `data:` line is the message (MCP specification, "Transports: Streamable HTTP").

/**
 * Posts one JSON-RPC message.
 *
 * @param {string} url - the server's MCP endpoint, e.g. http://127.0.0.1:8000/mcp.
 * @param {object} body - the JSON-RPC request or notification.
 * @param {string | undefined} session - the `mcp-session-id` from initialize, if any.
 * @returns {Promise<{ session: string | undefined, json: any }>} the session id and the parsed reply (null for a notification).
 * @throws TypeError from fetch when nothing listens yet (cause.code ECONNREFUSED).
 */
export async function rpc(url, body, session) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...(session ? { "mcp-session-id": session } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const data = text.includes("data:") ? text.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5)).pop() : text;
  return { session: res.headers.get("mcp-session-id") ?? session, json: data ? JSON.parse(data) : null };
}

/**
 * initialize, notifications/initialized, then tools/list.
 *
 * @returns {Promise<string[]>} the tool names, sorted.
 */
export async function listTools(url) {
  const init = await rpc(url, { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } } });
  await rpc(url, { jsonrpc: "2.0", method: "notifications/initialized" }, init.session);
  const list = await rpc(url, { jsonrpc: "2.0", id: 2, method: "tools/list" }, init.session);
  return list.json.result.tools.map((t) => t.name).sort();
}
