import { parsedSources } from "../collect.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";
import { canonicalName } from "./config-order.js";

/**
 * Rule `import-crash`: code that runs when FastMCP imports the entry file and stops the
 * server before it can serve. FastMCP's loader (`FileSystemSource.load_server`, an async function)
 * imports the file inside its running event loop, with FastMCP's own command line in `sys.argv`:
 * - `asyncio.run(...)` / `anyio.run(...)` at import raises "asyncio.run() cannot be called from a
 *   running event loop" (reproduced with `fastmcp inspect` on FastMCP 4.2), as in
 *   `mcp = asyncio.run(create_server())`. Fix: name the async factory as the entrypoint.
 * - `parser.parse_args()` at import parses FastMCP's arguments and exits ("unrecognized arguments").
 * - `sys.exit()` at import (e.g. after `Config.validate()` fails because a variable is unset) ends
 *   the process with no traceback. A guard on `sys.version_info`/`sys.platform` is not reported.
 * - `raise` at import outside any `try:`: when the enclosing statement tests a variable
 *   (`KEY = os.getenv("KEY")` then `if not KEY: raise ValueError(...)`) the load fails whenever it is
 *   unset (an error); under any other condition only a real load can tell (a warning: `verify` decides).
 * - A database driver's `connect()` (PEP 249) at import opens a connection while FastMCP loads the
 *   file: the load fails wherever the database is unreachable (a build, CI, `fastmcp inspect`).
 * - A synchronous HTTP request at import (`httpx.get(...)`, `requests.get(...)`, `urlopen(...)`): to
 *   localhost it fails wherever nothing listens there (an error); elsewhere a warning (`verify` decides).
 * Blocks under `if __name__ == "__main__":` never run there and are ignored.
 */
/** Hosts that are the machine itself: nothing listens there on a deployment platform. */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "0.0.0.0", "::1"]);

export const importCrashRule: Rule = (server) => {
  const out: Finding[] = [];
  const files = [...parsedSources(server)];
  const modules = new Map(files.map((f) => [f.module, f.facts]));
  for (const src of files) {
    for (const c of src.facts.importCrashes) {
      if (c.kind === "asyncio-run") {
        const binding = src.facts.bindings.find((b) => b.scope === "module" && b.line === c.line && b.kind === "call" && b.callee === c.callee);
        const factory = binding?.inner ?? null;
        out.push(
          finding(
            "import-crash",
            "error",
            server,
            src.rel,
            c.line,
            `${c.callee}() at import fails under FastMCP's loader, which imports the file inside its running event loop ("asyncio.run() cannot be called from a running event loop")`,
            factory && binding
              ? `delete this line and name the async factory as the entrypoint (\`${server.entry.rel.slice(server.folder === "." ? 0 : server.folder.length + 1)}:${factory}\`, or \`"entrypoint": "${factory}"\` in fastmcp.json): FastMCP awaits it`
              : "move the call into an async factory or tool (FastMCP awaits an async factory named as the entrypoint), or under `if __name__ == \"__main__\":`",
          ),
        );
      } else {
        out.push(
          finding(
            "import-crash",
            "error",
            server,
            src.rel,
            c.line,
            `${c.callee}() at import parses FastMCP's own command line (fastmcp run …), not yours: it exits with "unrecognized arguments" or a missing-argument error before the server loads`,
            "move argument parsing under `if __name__ == \"__main__\":` and read deployment settings from environment variables",
          ),
        );
      }
    }
    for (const c of src.facts.importConnects ?? []) {
      out.push(
        finding(
          "import-crash",
          "error",
          server,
          src.rel,
          c.line,
          `${c.callee}() at import connects to the database while FastMCP loads the file: the server does not load wherever the database is unreachable (a build, CI, \`fastmcp inspect\`)`,
          "connect lazily: open the connection inside the tools (or in a lifespan), not at module level",
        ),
      );
    }
    for (const r of src.facts.importRequests ?? []) {
      const local = r.host !== null && LOCAL_HOSTS.has(r.host.toLowerCase());
      out.push(
        finding(
          "import-crash",
          local ? "error" : "warning",
          server,
          src.rel,
          r.line,
          local
            ? `${r.callee}() to ${r.host} at import: the load fails with "Connection refused" wherever nothing listens on ${r.host} next to the server (FastMCP Cloud, CI, \`fastmcp inspect\`)`
            : `${r.callee}() at import makes a network request while FastMCP loads the file: the server does not load wherever ${r.host ?? "that address"} is unreachable or slow (static analysis cannot tell)`,
          local
            ? "make the request lazily (in a lifespan or the tools), and read the service's address from an environment variable"
            : "make the request lazily (in a lifespan or the tools), or run `npx create-mcp-monorepo verify` to load the server for real",
        ),
      );
    }
    for (const r of src.facts.importRaises ?? []) {
      if (r.versionGuard) continue;
      const vars = r.env ?? [];
      if (vars.length) {
        out.push(
          finding(
            "env-required",
            "error",
            server,
            src.rel,
            r.line,
            `raise at import when ${vars.join(", ")} ${vars.length > 1 ? "are" : "is"} unset: the server does not load without ${vars.length > 1 ? "them" : "it"}`,
            `set ${vars.join(", ")} in the deployment's environment and document ${vars.length > 1 ? "them" : "it"} in .env.example, or check ${vars.length > 1 ? "them" : "it"} inside the tools so the server can start`,
          ),
        );
      } else {
        out.push(
          finding(
            "import-crash",
            "warning",
            server,
            src.rel,
            r.line,
            "raise at import: if this condition holds where the server is deployed, it does not load (static analysis cannot tell)",
            "run `npx create-mcp-monorepo verify` to load the server for real, or move the check into the tools",
          ),
        );
      }
    }
    for (const e of src.facts.importExits) {
      if (e.versionGuard) continue;
      // Name the variables the validated configuration reads without a default.
      const vars = new Set(e.env ?? []);
      for (const v of e.validates ?? []) {
        const target = canonicalName(v, modules);
        const cls = target.split(".").pop()!;
        const mod = target.split(".").slice(0, -1).join(".");
        const facts = modules.get(mod) ?? src.facts;
        for (const r of facts.envReads) if (r.cls === cls && !r.hasDefault && r.name) vars.add(r.name);
      }
      const unset = vars.size ? ` when ${[...vars].join(", ")} ${vars.size > 1 ? "are" : "is"} unset` : "";
      out.push(
        finding(
          "import-crash",
          "error",
          server,
          src.rel,
          e.line,
          `${e.callee}() at import${unset} ends the process while FastMCP is still loading the file: the deployment fails with no traceback`,
          vars.size
            ? `raise an exception with a clear message instead (or give ${[...vars].join(", ")} a default), and set ${vars.size > 1 ? "them" : "it"} in the deployment's environment`
            : "raise an exception with a clear message instead, or move the check under `if __name__ == \"__main__\":`",
        ),
      );
    }
  }
  return out;
};
