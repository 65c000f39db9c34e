import type { BindingFact, FileFacts } from "../facts.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `server-object`.
 *
 * FastMCP Cloud's runtime (and `fastmcp run`, https://gofastmcp.com/cli/running;
 * FastMCP `FileSystemSource._find_server_object`) imports the entry file and looks for a
 * module-level FastMCP *instance* named `mcp`, `server` or `app`; the
 * `if __name__ == "__main__":` block never runs. Names the patterns that fail:
 * function wrapper without module-level assignment, class wrapper without module-level
 * instance, created only under the main guard. Also: every object the manifest or
 * fastmcp.json names as the entrypoint must exist at module level. Constructor keywords FastMCP
 * rejects are `fastmcp-v4-api`'s.
 */

/** The MCP Python SDK's low-level server class: FastMCP cannot load it as a server object. */
const LOW_LEVEL_SERVERS = new Set(["mcp.server.lowlevel.Server", "mcp.server.Server", "mcp.server.lowlevel.server.Server"]);

/** Names FastMCP auto-detects (FastMCP `FileSystemSource`). */
export const SERVER_NAMES = ["mcp", "server", "app"] as const;

type Verdict = { ok: true } | { ok: false; message: string; fix: string };

function lastBinding(facts: FileFacts, name: string, scope: "module" | "main"): BindingFact | undefined {
  const direct = facts.bindings.filter((b) => b.name === name && b.scope === scope && b.kind !== "annotation").at(-1);
  // `def init(): global mcp; mcp = FastMCP(...)` called as `init()` at module level binds mcp too.
  const calls = scope === "module" ? facts.moduleCalls : facts.mainCalls;
  const viaGlobal = calls.filter((c) => facts.defs.some((d) => d.name === c.callee && d.setsGlobals.includes(name))).at(-1);
  if (viaGlobal && (!direct || viaGlobal.line > direct.line)) return { name, line: viaGlobal.line, scope, kind: "other" };
  return direct;
}

/** How to name the entry file in an entrypoint hint. */
function entryHint(_facts: FileFacts): string {
  return "src/server.py";
}

/** Judges what a module-level binding holds: a server instance, or something FastMCP cannot use. */
function judge(b: BindingFact, facts: FileFacts): Verdict {
  const defs = new Map(facts.defs.filter((d) => d.scope === "module").map((d) => [d.name, d]));
  const classes = new Set(facts.classes.filter((c) => c.scope === "module").map((c) => c.name));
  const wrapper = (cls: string) => facts.serverConstructions.find((c) => c.cls === cls && c.attr);
  if (b.kind === "def" || b.kind === "async-def" || b.kind === "lambda") {
    return { ok: false, message: `${b.name} is a function, not a FastMCP instance: FastMCP auto-detects instances only`, fix: `rename the factory and assign its result: \`${b.name} = create_server()\`` };
  }
  if (b.kind === "class") return { ok: false, message: `${b.name} is a class, not a FastMCP instance`, fix: `assign a FastMCP instance to ${b.name} at module level` };
  if (b.kind === "none") return { ok: false, message: `${b.name} is None at module level`, fix: `assign the server at module level: \`${b.name} = create_server()\`` };
  if (b.kind === "ref" && b.ref && defs.has(b.ref)) {
    return { ok: false, message: `${b.name} = ${b.ref} stores the factory itself, not a server (FastMCP auto-detects instances only)`, fix: `call it: \`${b.name} = ${b.ref}()\`` };
  }
  if (b.kind === "ref" && b.ref && classes.has(b.ref)) return { ok: false, message: `${b.name} = ${b.ref} stores a class, not a server`, fix: `assign a FastMCP instance to ${b.name}` };
  if (b.kind === "call" && b.callee && LOW_LEVEL_SERVERS.has(b.callee)) {
    return {
      ok: false,
      message: `${b.name} is the MCP SDK's low-level Server, not a FastMCP server: FastMCP cannot load it ("'Server' object has no attribute ...")`,
      fix: "build the server with `from fastmcp import FastMCP; mcp = FastMCP(name=...)` and register the handlers as @mcp.tool functions",
    };
  }
  if (b.kind === "call" && b.callee) {
    const def = defs.get(b.callee);
    if (def?.async) {
      return {
        ok: false,
        message: `${b.name} = ${b.callee}() stores a coroutine: ${b.callee} is async, so no server is created`,
        fix: `name the async factory as the entrypoint (\`${entryHint(facts)}:${b.callee}\`, or \`"entrypoint": "${b.callee}"\` in fastmcp.json): FastMCP awaits it (asyncio.run() at import fails inside FastMCP's event loop)`,
      };
    }
    if (classes.has(b.callee)) {
      const w = wrapper(b.callee);
      if (w) {
        return {
          ok: false,
          message: `class wrapper: ${b.name} is a ${b.callee} instance; the FastMCP server is on its .${w.attr} attribute, which FastMCP cannot find`,
          fix: `expose the server itself: \`${b.name} = ${b.callee}().${w.attr}\` (after any setup that registers tools)`,
        };
      }
    }
  }
  return { ok: true };
}

/** Explains why no server object was found, naming the pattern that hides it. */
function diagnose(facts: FileFacts, bad: { b: BindingFact; v: Verdict } | undefined): { line: number; message: string; fix: string } {
  const mainServer = facts.serverConstructions.find((c) => c.scope === "main");
  const fnWrap = facts.serverConstructions.find((c) => c.scope === "function" && !c.cls && c.func);
  const clsWrap = facts.serverConstructions.find((c) => c.cls && c.attr);
  const builders = new Set([fnWrap?.func, clsWrap?.cls].filter((x): x is string => Boolean(x)));
  const mainCall = facts.mainCalls.find((c) => builders.has(c.callee));
  const mainBinding = facts.bindings.find((b) => b.scope === "main" && (SERVER_NAMES as readonly string[]).includes(b.name));
  const mainLine = mainServer?.line ?? mainCall?.line ?? mainBinding?.line;
  const guard = mainLine !== undefined ? `; it is only created under \`if __name__ == "__main__"\` (line ${mainLine}), which FastMCP Cloud and \`fastmcp run\` never execute` : "";
  if (bad && !bad.v.ok && !(bad.b.kind === "none" && mainLine !== undefined)) {
    return { line: bad.b.line, message: bad.v.message, fix: bad.v.fix };
  }
  if (clsWrap) {
    return {
      line: mainLine ?? clsWrap.line,
      message: `class wrapper without a module-level instance: ${clsWrap.cls} creates the FastMCP server on self.${clsWrap.attr}, but no module-level mcp/server/app holds it${guard}`,
      fix: `expose it at module level, e.g. \`mcp = ${clsWrap.cls}().${clsWrap.attr}\` (after any setup that registers tools)`,
    };
  }
  if (fnWrap) {
    const isAsync = facts.defs.some((d) => d.name === fnWrap.func && d.async);
    const call = `${fnWrap.func}()`;
    return {
      line: mainLine ?? fnWrap.line,
      message: `function wrapper without module-level assignment: ${fnWrap.func}() builds the FastMCP server, but no module-level mcp/server/app holds its result${guard}`,
      fix: isAsync
        ? `name the async factory as the entrypoint (\`${fnWrap.func}\`: \`server.py:${fnWrap.func}\`, or \`"entrypoint": "${fnWrap.func}"\` in fastmcp.json); FastMCP awaits zero-argument factories`
        : `add \`mcp = ${call}\` at module level, or name the factory as the entrypoint (\`server.py:${fnWrap.func}\`)`,
    };
  }
  if (mainLine !== undefined) {
    return {
      line: mainLine,
      message: `the FastMCP server is created only inside \`if __name__ == "__main__"\`, which FastMCP Cloud and \`fastmcp run\` never execute`,
      fix: "move the creation to module level: `mcp = FastMCP(name=...)` or `mcp = create_server()`",
    };
  }
  return {
    line: 1,
    message: "no module-level FastMCP server object named mcp, server or app (FastMCP Cloud reports \"No server object found\")",
    fix: "add `mcp = FastMCP(name=...)`, or `mcp = create_server()` for a factory, at module level",
  };
}

/** The `server-object` rule. */
export const serverObjectRule: Rule = (server) => {
  const out: Finding[] = [];
  const { entry } = server;
  const facts = entry.sourceId ? server.facts.get(entry.sourceId) : undefined;
  if (!facts || facts.parseError) return out; // missing file: server-layout; unparsable: python-syntax
  const names = [...new Set([...SERVER_NAMES, ...entry.objects.map((o) => o.name)])];
  let good = false;
  let bad: { b: BindingFact; v: Verdict } | undefined;
  const explicit = new Set(entry.objects.map((o) => o.name));
  for (const name of names) {
    const b = lastBinding(facts, name, "module");
    if (!b) continue;
    // FastMCP calls (and awaits) a function named as the entrypoint: `fastmcp inspect fastmcp.json` lists its tools.
    if (explicit.has(name) && (b.kind === "def" || b.kind === "async-def")) {
      good = true;
      continue;
    }
    const v = judge(b, facts);
    if (v.ok) good = true;
    else bad ??= { b, v };
  }
  if (!good) {
    const d = diagnose(facts, bad);
    out.push(finding("server-object", "error", server, entry.rel, d.line, d.message, d.fix));
  }
  for (const obj of entry.objects) {
    if (lastBinding(facts, obj.name, "module")) continue;
    const inMain = lastBinding(facts, obj.name, "main");
    const inJson = obj.from === "fastmcp.json" && server.fastmcpJson && server.fastmcpConfig;
    out.push(
      finding(
        "server-object",
        "error",
        server,
        inJson ? server.fastmcpJson!.rel : entry.rel,
        inJson ? server.fastmcpConfig!.lineOf(["source", "entrypoint"]) : (inMain?.line ?? null),
        `the entrypoint in ${obj.from} names \`${obj.name}\`, which ${entry.rel} does not define at module level${inMain ? ` (only under \`if __name__ == "__main__"\`)` : ""}`,
        `define \`${obj.name}\` at module level, or point the entrypoint at the module-level server object (e.g. \`:mcp\`)`,
      ),
    );
  }
  return out;
};
