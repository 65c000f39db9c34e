import { existsSync } from "node:fs";
import path from "node:path";
import { loadIgnore, MCPBIGNORE, requiredVariables } from "../../bundle/index.js";
import { parsedSources } from "../collect.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `mcpb-bundle` (target `mcpb` only): the server can be bundled by
 * `npx create-mcp-monorepo bundle` and runs from the bundle.
 *
 * - The server's `.mcpbignore` must not exclude `src/server.py` (the manifest's `entry_point`,
 *   launched by MCPB hosts), `src/asgi.py` (what the MCPB Python runtime's uvicorn serves) or the
 *   vendored `src/shared/` (imported by the server): errors. Excluding another file under `src/`
 *   is a warning (an import of it fails only at run time).
 * - `src/asgi.py` must exist: the MCPB Python runtime starts uvicorn with the server module.
 * - A variable read under `src/` without a default (`os.getenv("X")` at import time, a guarded
 *   `os.environ["X"]` anywhere)
 *   must be listed under `# Required` (or marked `[required]`) in `.env.example`, or the
 *   bundle's manifest will not ask the MCPB host for it (`user_config`): warning.
 */
export const mcpbRule: Rule = async (server, ctx) => {
  if (!ctx.targets.includes("mcpb") || !server.srcDirExists) return [];
  const out: Finding[] = [];
  const dir = server.server.dir;
  const { user, userFile } = await loadIgnore(dir);
  const ignoreRel = `${server.folder}/${MCPBIGNORE}`;
  if (user && userFile) {
    const excluded = (rel: string) => user.ignores(rel);
    const hits = server.sources.map((src) => path.posix.join("src", src.srcRel)).filter(excluded);
    // One finding for the vendored shared package, however many of its files are excluded.
    const shared = hits.filter((rel) => rel.startsWith("src/shared/"));
    const shown = [...hits.filter((rel) => !rel.startsWith("src/shared/")), ...(shared.length ? [shared.length === 1 ? shared[0]! : `src/shared/ (${shared.length} files)`] : [])];
    for (const rel of shown) {
      const vital = rel === "src/server.py" || rel === "src/asgi.py" || rel.startsWith("src/shared/");
      const what = rel === "src/server.py" ? "has no entry point (manifest entry_point src/server.py)" : vital ? "cannot import it and the server fails to start" : "lacks it; importing it fails at run time";
      out.push(
        finding("mcpb-bundle", vital ? "error" : "warning", server, ignoreRel, null, `${MCPBIGNORE} excludes ${rel}, so the bundle ${what}`, `remove the pattern that matches ${rel.replace(/ \(.*\)$/, "")} from ${ignoreRel} (gitignore syntax; a later "!PATTERN" line re-includes a file)`),
      );
    }
  }
  if (!existsSync(path.join(dir, "src", "asgi.py"))) {
    out.push(
      finding(
        "mcpb-bundle",
        "error",
        server,
        `${server.folder}/src/asgi.py`,
        null,
        "no src/asgi.py: the MCPB Python runtime serves a bundle with uvicorn (`uvicorn asgi:app --app-dir src`) and finds nothing to serve",
        'add src/asgi.py with `from server import mcp` and `app = mcp.http_app(path="/mcp", stateless_http=True)`',
      ),
    );
  }
  const required = new Set(requiredVariables(server.envExample?.text ?? "").map((v) => v.name));
  const envFile = server.envExample?.rel ?? `${server.folder}/.env.example`;
  const seen = new Set<string>();
  for (const src of parsedSources(server)) {
    for (const read of src.facts.envReads) {
      // Settings are read at import (module or class body) or through os.environ[...]; a getenv
      // without default inside a function is often just a message (e.g. in Config.validate()).
      const setting = read.scope === "module" || read.scope === "class" || read.kind === "os.environ[]";
      if (!read.name || read.hasDefault || !setting || required.has(read.name) || seen.has(read.name)) continue;
      seen.add(read.name);
      out.push(
        finding(
          "mcpb-bundle",
          "warning",
          server,
          src.rel,
          read.line,
          `${read.name} has no default here and is not under "# Required" in ${envFile}, so the bundle's manifest does not ask the MCPB host for it (user_config)`,
          `list it in ${envFile} under a "# Required" heading (or add "[required]" to its comment), or give it a default`,
        ),
      );
    }
  }
  return out;
};
