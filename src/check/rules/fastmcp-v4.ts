import { requirementName } from "../../monorepo/requirements.js";
import type { ServerData } from "../collect.js";
import { parsedSources } from "../collect.js";
import type { FastmcpRemovedFact, Scope } from "../facts.js";
import { pinsMcpBelow2 } from "../packages.js";
import { finding, type Rule, type RuleContext } from "../rule.js";
import type { Finding, Severity } from "../types.js";

/**
 * Rule `fastmcp-v4-api`: FastMCP 3 APIs that FastMCP 4 removed, which a generator cannot merge
 * into a user's own code.
 *
 * Source: "Upgrading from FastMCP 3", sections Removed Server Methods and Protocol Version
 * Support (https://gofastmcp.com/getting-started/upgrading/from-fastmcp-3), each checked
 * against FastMCP 4.2.3:
 * - `mcp.import_server(sub)`: `AttributeError: 'FastMCP' object has no attribute 'import_server'`;
 *   replacement `mcp.mount(sub)`, which is a live link running the child's lifespan and middleware,
 *   not a one-time copy;
 * - `FastMCP.as_proxy(x)`: `AttributeError: type object 'FastMCP' has no attribute 'as_proxy'`;
 *   replacement `create_proxy(x)` from `fastmcp.server` (the target is positional);
 * - `mcp.mount(sub, prefix=...)`, `mount(..., as_proxy=...)`: `TypeError: FastMCP.mount() got an
 *   unexpected keyword argument`; replacements `namespace=` and `mount(create_proxy(sub))`;
 * - `FastMCP(...)` keywords outside FastMCP 4's signature: `TypeError` when the file is imported
 *   (FastMCP's `_check_removed_kwargs`). `sampling_handler` and `sampling_handler_behavior` went in
 *   4.0; the others (`host`, `port`, ..., and any unknown name) are rejected since 3.0.
 *
 * The calls fail in FastMCP 4 only: a server whose requirements keep FastMCP below the version
 * that removed the API (pip's resolution, else the `fastmcp` pin, else an `mcp<2` pin, which
 * FastMCP 4 cannot be installed with) gets a warning that the upgrade will break it.
 */

/**
 * Keyword arguments `fastmcp.FastMCP()` accepts in FastMCP 4 (the signature of `FastMCP.__init__`
 * in fastmcp/server/server.py, 4.2.3). Any other keyword raises TypeError when the file is imported.
 */
export const FASTMCP_KWARGS = new Set([
  "name", "instructions", "version", "website_url", "icons", "auth", "middleware", "providers", "transforms", "lifespan", "tools",
  "on_duplicate", "mask_error_details", "dereference_schemas", "strict_input_validation", "list_page_size", "resource_security",
  "request_state_security", "cache_ttl", "cache_scope", "tasks", "session_state_store", "client_log_level", "experimental_capabilities",
]);

/** Constructor keywords FastMCP 3.x still accepted and FastMCP 4.0 removed (the rest are rejected since 3.0). */
const REMOVED_IN_4 = new Set(["sampling_handler", "sampling_handler_behavior"]);

/** Where a removed constructor keyword went (the hints of FastMCP's `_REMOVED_KWARGS`). */
const MOVED: Record<string, string> = {
  host: "pass it to `mcp.run(transport=\"http\", host=...)` or set FASTMCP_HOST",
  port: "pass it to `mcp.run(transport=\"http\", port=...)` or set FASTMCP_PORT",
  log_level: "pass it to `mcp.run(..., log_level=...)` or set FASTMCP_LOG_LEVEL",
  debug: "set FASTMCP_DEBUG",
  sse_path: "pass `path=` to `mcp.run()` / `http_app()`",
  message_path: "set FASTMCP_MESSAGE_PATH",
  streamable_http_path: "pass `path=` to `mcp.run()` / `http_app()`",
  json_response: "pass it to `mcp.run()` / `http_app()`",
  stateless_http: "pass it to `mcp.run()` / `http_app()`",
  on_duplicate_tools: "use `on_duplicate=`",
  on_duplicate_resources: "use `on_duplicate=`",
  on_duplicate_prompts: "use `on_duplicate=`",
  include_tags: "call `mcp.enable(tags=..., only=True)` after creating the server",
  exclude_tags: "call `mcp.disable(tags=...)` after creating the server",
  tool_transformations: "call `mcp.add_transform(ToolTransform(...))` after creating the server",
  tool_serializer: "return ToolResult from the tools",
  sampling_handler: "call an LLM from the tool itself (FastMCP 4 servers cannot ask the client to sample; a client's `Client(sampling_handler=...)` is unaffected)",
  sampling_handler_behavior: "drop it with `sampling_handler`",
  dependencies: "list them in requirements.txt",
};

const FASTMCP_CLASSES = new Set(["fastmcp.FastMCP", "fastmcp.server.FastMCP", "fastmcp.server.server.FastMCP"]);

/** Public source of the rule, named in every finding's fix. */
const GUIDE = "https://gofastmcp.com/getting-started/upgrading/from-fastmcp-3";

/** The FastMCP a server installs, as far as `check` can tell. */
export interface FastmcpVersion {
  /** Major version (an upper bound when read from a pin); null when not known (a fresh install gets FastMCP 4). */
  major: number | null;
  /** How it is known, for messages: `pip resolves FastMCP 3.4.7`, `requirements.txt pins fastmcp<4`. */
  from: string | null;
}

/**
 * The highest FastMCP major a requirement line admits (`fastmcp<4` → 3, `fastmcp==3.4.*` → 3,
 * `fastmcp~=2.12` → 2, `fastmcp<=3.9` → 3, `fastmcp<4.1` → 4), or null when unbounded / not fastmcp.
 */
export function fastmcpCeiling(line: string): number | null {
  const name = requirementName(line);
  if (name !== "fastmcp" && name !== "fastmcp-slim") return null;
  const spec = line.replace(/(^|\s)#.*$/, "").replace(/^[A-Za-z0-9._-]+(\[[^\]]*\])?/, "").split(";")[0]!;
  let ceiling: number | null = null;
  for (const clause of spec.split(",")) {
    const m = /^\s*(===|==|~=|<=|<)\s*v?(\d+)((?:\.[0-9*]+)*)/.exec(clause);
    if (!m) continue;
    const major = Number(m[2]);
    const rest = (m[3] ?? "").split(".").filter(Boolean);
    const bound = m[1] === "<" && rest.every((p) => /^0+$/.test(p)) ? major - 1 : major;
    ceiling = ceiling === null ? bound : Math.min(ceiling, bound);
  }
  return ceiling;
}

/** What FastMCP the server gets: pip's resolution, else its requirement pins. */
export function fastmcpVersion(server: ServerData, ctx: Pick<RuleContext, "packages">): FastmcpVersion {
  const res = ctx.packages?.get(server.folder)?.resolution;
  if (res?.ok) {
    const dist = res.dists.find((d) => d.name === "fastmcp") ?? res.dists.find((d) => d.name === "fastmcp-slim");
    if (dist) return { major: Number.parseInt(dist.version, 10), from: `pip resolves ${server.requirementsFrom ?? "the requirements"} to FastMCP ${dist.version}` };
  }
  const file = server.requirementsFrom ?? "requirements.txt";
  for (const line of (server.requirements?.text ?? "").split(/\r?\n/)) {
    const ceiling = fastmcpCeiling(line);
    if (ceiling !== null) return { major: ceiling, from: `${file} pins ${line.replace(/(^|\s)#.*$/, "").trim()}` };
  }
  const mcpPin = (server.requirements?.text ?? "").split(/\r?\n/).find(pinsMcpBelow2);
  if (mcpPin) return { major: 3, from: `${file} pins ${mcpPin.replace(/(^|\s)#.*$/, "").trim()}, which FastMCP 4 cannot be installed with` };
  return { major: null, from: null };
}

/**
 * Error when the server's FastMCP is (or may be) at least `removedIn`, with when the failure shows;
 * else a warning naming the pin that keeps the server working until FastMCP moves.
 */
function judge(version: FastmcpVersion, removedIn: number, scope: Scope): { severity: Severity; when: string } {
  if (version.major === null || version.major >= removedIn) return { severity: "error", when: when(scope) };
  return { severity: "warning", when: `once FastMCP is ${removedIn} (${version.from}, where it still works: upgrading breaks it)` };
}

/** When the failure shows. */
function when(scope: Scope): string {
  if (scope === "module" || scope === "class") return "when the file is imported, so the server does not load";
  if (scope === "main") return "when `python server.py` runs it";
  return "when this code runs";
}

/** Message and fix of one removed-API call. */
function describe(f: FastmcpRemovedFact, when: string): { message: string; fix: string } {
  const recv = f.receiver ?? "mcp";
  switch (f.kind) {
    case "import_server": {
      const child = f.server ?? "sub";
      const call = `${recv}.mount(${child}${f.prefix ? `, namespace=${f.prefix}` : ""})`;
      return {
        message: `\`${recv}.import_server(...)\` was removed in FastMCP 4: AttributeError: 'FastMCP' object has no attribute 'import_server' ${when}`,
        fix: `use \`${call}\`${f.awaited ? " without `await` (mount is synchronous)" : ""}; unlike import_server's one-time copy, mount keeps a live link and runs ${child}'s lifespan and middleware (for a frozen copy, register its tools on ${recv} directly) (${GUIDE})`,
      };
    }
    case "as_proxy": {
      const args = [f.target ?? "target", ...f.settings.map((k) => `${k}=...`)].join(", ");
      return {
        message: `\`FastMCP.as_proxy(...)\` was removed in FastMCP 4: AttributeError: type object 'FastMCP' has no attribute 'as_proxy' ${when}`,
        fix: `use \`create_proxy(${args})\` (\`from fastmcp.server import create_proxy\`)${f.backendKeyword ? "; the target is its first positional argument, `backend=` is not a keyword of create_proxy" : ""} (${GUIDE})`,
      };
    }
    case "mount": {
      const child = f.server ?? "sub";
      const kws = f.keywords.map((k) => `${k}=`).join(", ");
      const namespace = f.prefix ?? f.namespace;
      const wrap = f.asProxy !== null && f.asProxy !== "False" && f.asProxy !== "None";
      const call = `${recv}.mount(${wrap ? `create_proxy(${child})` : child}${namespace ? `, namespace=${namespace}` : ""})`;
      const notes = [
        f.keywords.includes("prefix") ? "`prefix=` is now `namespace=`" : null,
        f.keywords.includes("as_proxy") ? (wrap ? "`as_proxy=True` is now `create_proxy()` around the child (`from fastmcp.server import create_proxy`)" : "drop `as_proxy=`: mount composes in-process") : null,
      ].filter(Boolean);
      return {
        message: `\`${recv}.mount(..., ${kws})\` was removed in FastMCP 4: TypeError: FastMCP.mount() got an unexpected keyword argument '${f.keywords[0]}' ${when}`,
        fix: `use \`${call}\`: ${notes.join("; ")} (${GUIDE})`,
      };
    }
  }
}

/** The `fastmcp-v4-api` rule (errors; warnings for a server that keeps FastMCP below 4). */
export const fastmcpV4Rule: Rule = (server, ctx) => {
  const out: Finding[] = [];
  const version = fastmcpVersion(server, ctx);
  for (const src of parsedSources(server)) {
    for (const c of src.facts.serverConstructions) {
      if (!FASTMCP_CLASSES.has(c.callee)) continue;
      const bad = (c.kwargs ?? []).filter((k) => !FASTMCP_KWARGS.has(k));
      if (!bad.length) continue;
      const removedIn = bad.every((k) => REMOVED_IN_4.has(k)) ? 4 : 3;
      const { severity, when } = judge(version, removedIn, c.scope);
      const moved = bad.filter((k) => MOVED[k]).map((k) => `${k}: ${MOVED[k]}`);
      const since = removedIn === 4 ? "FastMCP 4 does not accept" : "FastMCP (since 3.0) does not accept";
      out.push(
        finding(
          "fastmcp-v4-api",
          severity,
          server,
          src.rel,
          c.line,
          `FastMCP(${bad.map((k) => `${k}=`).join(", ")}) raises TypeError ${when}: ${since} ${bad.length > 1 ? "these keywords" : "this keyword"}`,
          `remove ${bad.join(", ")} from FastMCP(...)${moved.length ? `; ${moved.join("; ")}` : ""} (${GUIDE})`,
        ),
      );
    }
    for (const f of src.facts.fastmcpRemoved ?? []) {
      const { severity, when } = judge(version, 4, f.scope);
      const d = describe(f, when);
      out.push(finding("fastmcp-v4-api", severity, server, src.rel, f.line, d.message, d.fix));
    }
  }
  return out;
};
