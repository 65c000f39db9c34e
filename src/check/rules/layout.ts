import { reachableFiles } from "../collect.js";
import { thirdPartyImports } from "../packages.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rules `server-layout` and `python-syntax`: the files every other rule reads.
 *
 * FastMCP Cloud asks for an entrypoint file and a requirements file per server
 * (https://gofastmcp.com/deployment/fastmcp-cloud); the manifest lists each server's folder. A file Python's own parser rejects
 * fails to import on every platform, and no other rule can read it.
 */
export const layoutRule: Rule = (server, ctx) => {
  const out: Finding[] = [];
  const folder = server.folder;
  // A listed folder that is missing is the `server-missing` finding (./stale.ts), with its fix.
  if (!server.dirExists) return out;
  // A missing source.path of fastmcp.json is reported by the fastmcp-json rule.
  if (!server.entry.sourceId && server.entry.from !== "fastmcp.json") {
    out.push(
      finding("server-layout", "error", server, server.entry.rel, null, `entry file ${server.entry.rel} does not exist (named by ${server.entry.from === "default" ? "the default layout" : server.entry.from})`, `create it, or fix the entrypoint in ${server.entry.from === "default" ? "mcp-monorepo.yaml or fastmcp.json" : server.entry.from}`),
    );
  }
  const hasJsonDeps = Array.isArray((server.fastmcpConfig?.data as { environment?: { dependencies?: unknown } } | undefined)?.environment?.dependencies);
  if (!server.requirements && !hasJsonDeps) {
    const rel = folder === "." ? "requirements.txt" : `${folder}/requirements.txt`;
    // FastMCP Cloud serves with `fastmcp run`, so fastmcp itself is there: a server importing only it and the standard library still loads.
    const reachable = reachableFiles(server);
    const needs = [...thirdPartyImports(server, ctx.stdlib).values()].filter((i) => i.top !== "fastmcp" && (!reachable || reachable.has(i.rel)));
    const onlyFastmcp = needs.length === 0 && server.sources.every((s) => !server.facts.get(s.id)?.parseError);
    out.push(
      onlyFastmcp
        ? finding("server-layout", "warning", server, rel, null, "requirements.txt is missing (and there are no pyproject.toml dependencies): the server imports only fastmcp and the standard library, so it loads, but its FastMCP version is not pinned", "add requirements.txt with `fastmcp>=4.0,<5`")
        : finding("server-layout", "error", server, rel, null, `requirements.txt is missing (and there are no pyproject.toml dependencies): FastMCP Cloud installs the server's dependencies from one of them${needs.length ? ` (this server imports ${needs.slice(0, 3).map((i) => i.top).join(", ")}${needs.length > 3 ? ", …" : ""})` : ""}`, "add requirements.txt with `fastmcp>=4.0,<5` and every PyPI package the server imports"),
    );
  }
  for (const src of server.sources) {
    const facts = server.facts.get(src.id);
    if (!facts?.parseError) continue;
    out.push(
      finding(
        "python-syntax",
        "error",
        server,
        src.rel,
        facts.parseError.line,
        `Python ${ctx.analyzer.python.version} cannot parse this file: ${facts.parseError.message}`,
        `fix the syntax; if it is valid in a newer Python, run check with --python pointing at that interpreter`,
      ),
    );
  }
  return out;
};
