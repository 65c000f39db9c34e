import { requirementName } from "../../core/requirements.js";
import { distributionsFor, FASTMCP_TRANSITIVE } from "../import-names.js";
import { finding, parsedSources, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `undeclared-dependency` (issue 5 rule 3).
 *
 * Source: seed 002 "Dependency Test" (install only from requirements.txt in a fresh venv, then
 * run): FastMCP Cloud installs exactly what requirements.txt lists, so every third-party import
 * under `src/` must be satisfied by it, and `fastmcp` itself must be listed. Ignored: the
 * standard library (`sys.stdlib_module_names` of the analyzing Python), modules and packages
 * under `src/` (including the vendored `shared/`), imports under `if TYPE_CHECKING:` and
 * optional imports inside `try: ... except ImportError:`. A package FastMCP installs anyway
 * ({@link FASTMCP_TRANSITIVE}) is a warning: it works until FastMCP stops depending on it.
 */
export const dependenciesRule: Rule = (server, ctx) => {
  const out: Finding[] = [];
  if (!server.requirements) return out;
  const declared = new Set<string>();
  for (const line of server.requirements.text.split(/\r?\n/)) {
    const name = requirementName(line);
    if (name) declared.add(name);
  }
  if (!declared.has("fastmcp") && !declared.has("fastmcp-slim")) {
    out.push(
      finding("undeclared-dependency", "error", server, server.requirements.rel, null, "fastmcp is not in requirements.txt: FastMCP Cloud installs only what this file lists", "add `fastmcp>=4.0,<5`"),
    );
  }
  const seen = new Map<string, { rel: string; line: number; module: string; count: number; shared: boolean }>();
  for (const src of parsedSources(server)) {
    for (const imp of src.facts.imports) {
      if (imp.level !== 0 || !imp.top || imp.typeChecking || imp.guarded) continue;
      const top = imp.top;
      if (top === "__future__" || ctx.stdlib.has(top) || server.localModules.has(top)) continue;
      if (top === "shared") continue; // not vendored: reported by path-import
      if (top === "fastmcp") continue; // checked above, once
      const prev = seen.get(top);
      if (prev) prev.count++;
      else seen.set(top, { rel: src.rel, line: imp.line, module: imp.module, count: 1, shared: src.srcRel.startsWith("shared/") });
    }
  }
  for (const [top, at] of seen) {
    const candidates = distributionsFor(at.module, ctx.analyzer.distributions[top]);
    if (candidates.some((c) => declared.has(c))) continue;
    const transitive = candidates.find((c) => FASTMCP_TRANSITIVE.has(c));
    const more = at.count > 1 ? ` (imported ${at.count} times in this server)` : "";
    if (transitive) {
      out.push(
        finding(
          "undeclared-dependency",
          "warning",
          server,
          at.rel,
          at.line,
          `\`import ${at.module}\` needs ${transitive}, which is not in requirements.txt; it is installed today only because fastmcp depends on it${more}`,
          at.shared ? `add \`${transitive}\` to shared/requirements.txt, then run \`mcp-monorepo sync\`` : `add \`${transitive}\` to ${server.requirements.rel}`,
        ),
      );
    } else {
      out.push(
        finding(
          "undeclared-dependency",
          "error",
          server,
          at.rel,
          at.line,
          `\`import ${at.module}\` needs ${candidates.join(" or ")}, which is not in requirements.txt: the deployed server fails with ModuleNotFoundError${more}`,
          at.shared ? `add \`${candidates[0]}\` to shared/requirements.txt, then run \`mcp-monorepo sync\`` : `add \`${candidates[0]}\` to ${server.requirements.rel}`,
        ),
      );
    }
  }
  return out;
};
