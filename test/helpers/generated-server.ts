import { expect } from "vitest";
import { firstText, withMcpClient } from "./mcp-client.js";
import { runTool, serveHttp, type ServeOptions } from "./python.js";

/** The tools every generated server ships (templates/server/src/server.py.hbs). */
export const GENERATED_TOOLS = ["hello", "list_items"];

/**
 * Runs `fastmcp inspect src/server.py --format fastmcp` in a server folder (auto-detection of
 * the module-level server object) and returns the server's name and sorted tool names.
 */
export async function inspectServer(serverDir: string): Promise<{ name: string; tools: string[] }> {
  const { stdout } = await runTool("fastmcp", ["inspect", "src/server.py", "--format", "fastmcp"], serverDir);
  const report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as { server: { name: string }; tools: Array<{ name: string }> };
  return { name: report.server.name, tools: report.tools.map((t) => t.name).sort() };
}

/**
 * Serves a generated server over streamable HTTP (default `fastmcp run fastmcp.json`; `serve`
 * picks another command, e.g. `python src/asgi.py`) and checks, with the official TypeScript
 * MCP SDK client: initialize (server name), `tools/list`, and a `tools/call` of each generated
 * tool; with `health`, that `GET /health` answers 200 with the server's name. Stops the server
 * and expects a clean exit.
 */
export async function expectGeneratedToolsOverHttp(serverDir: string, name: string, serve: ServeOptions = {}, health = false) {
  const served = await serveHttp(serverDir, serve);
  try {
    if (health) {
      const res = await fetch(served.url.replace(/\/mcp$/, "/health"));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok", server: name });
    }
    await withMcpClient(served.url, async (client) => {
      expect(client.getServerVersion()?.name).toBe(name);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(GENERATED_TOOLS);
      const hello = await client.callTool({ name: "hello", arguments: { name: "HTTP" } });
      expect(firstText(hello)).toBe(`Hello, HTTP! This is the ${name} MCP server.`);
      const page = await client.callTool({ name: "list_items", arguments: { page: 3, limit: 10 } });
      const data = page.structuredContent as { items: Array<{ id: number }>; has_next: boolean };
      expect(data.items.map((i) => i.id)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
      expect(data.has_next).toBe(true);
    });
  } finally {
    const exit = await served.stop();
    // Stops cleanly on SIGINT: exit 0 (or the conventional 130), never a kill.
    expect(exit.signal === null && (exit.code === 0 || exit.code === 130), `exit ${exit.code}/${exit.signal}\n${served.output()}`).toBe(true);
  }
}
