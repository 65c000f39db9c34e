import { requirementName } from "../../monorepo/requirements.js";
import { SHADOWED_MODULES } from "../../monorepo/names.js";
import { IMPORT_TO_DISTRIBUTIONS, normalizeDistribution } from "../import-names.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `shadowed-module`.
 *
 * Source: FastMCP issue #3752 (a local `mcp/` folder hides the MCP SDK) and `fastmcp run`'s
 * import mechanics: it puts the entry file's folder (`src/`) first on `sys.path`, so a module or
 * package directly under `src/` named like a dependency (`mcp`, `fastmcp`, `pydantic`, `httpx`,
 * `starlette`, `uvicorn`, ... see `SHADOWED_MODULES`, or any package in requirements.txt) is
 * imported instead of the real one. A name of the standard library is a warning. The vendored
 * `shared` package and the `server` entry module are expected there and are not reported.
 * A folder without `__init__.py` (a namespace package) loses to an installed package, so it is
 * a warning too.
 */
export const shadowingRule: Rule = (server, ctx) => {
  const out: Finding[] = [];
  const fromRequirements = new Set<string>();
  for (const line of server.requirements?.text.split(/\r?\n/) ?? []) {
    const dist = requirementName(line);
    if (!dist) continue;
    fromRequirements.add(dist.replace(/-/g, "_"));
    for (const [mod, dists] of Object.entries(IMPORT_TO_DISTRIBUTIONS)) if (dists.includes(dist)) fromRequirements.add(mod);
  }
  for (const [name, local] of server.localModules) {
    if (name === "shared" || name === "server") continue;
    const dependency = (SHADOWED_MODULES.has(name) && !ctx.stdlib.has(name)) || fromRequirements.has(name) || fromRequirements.has(normalizeDistribution(name).replace(/-/g, "_"));
    const stdlib = ctx.stdlib.has(name);
    if (!dependency && !stdlib) continue;
    const what = dependency ? `the package "${name}"` : `the standard-library module "${name}"`;
    const shown = `src/${name}${local.kind === "module" ? ".py" : "/"}`;
    const namespace = local.kind === "namespace";
    out.push(
      finding(
        "shadowed-module",
        dependency && !namespace ? "error" : "warning",
        server,
        local.rel,
        null,
        `${shown} shadows ${what}: fastmcp run puts src/ first on sys.path${namespace ? " (a folder without __init__.py loses to installed packages today, but not once it gets one)" : ", so `import " + name + "` loads this instead"}`,
        `rename it (e.g. ${name}_tools${local.kind === "module" ? ".py" : "/"}) and update its imports`,
      ),
    );
  }
  return out;
};
