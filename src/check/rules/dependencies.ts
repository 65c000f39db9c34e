import { requirementName } from "../../monorepo/requirements.js";
import { distributionsFor, FASTMCP_TRANSITIVE, KNOWN_TRANSITIVE } from "../import-names.js";
import { pinsMcpBelow2, thirdPartyImports } from "../packages.js";
import { parsedSources, type ServerData } from "../collect.js";
import { finding, type Rule } from "../rule.js";
import type { ResolvedDist } from "../metadata.js";
import type { Finding } from "../types.js";

/**
 * Rules `undeclared-dependency`, `unresolvable-requirements` and `mcp-sdk-v1` .
 *
 * FastMCP Cloud installs exactly what requirements.txt (or pyproject.toml) lists, in a fresh
 * environment (https://gofastmcp.com/deployment/fastmcp-cloud), so every
 * third-party import must be satisfied by it, and `fastmcp` itself must be listed.
 *
 * With the requirements resolved by pip (`metadata.ts`), an import is satisfied when a requested
 * distribution provides it; provided only by a distribution pulled in by another one (jmespath via
 * boto3) it is a warning (it works until that dependency drops it); provided by nothing resolved it
 * is an error. Without a resolution (no pip, no network, `--offline`) the built-in map decides
 * (`import-names.ts`). Ignored: see {@link thirdPartyImports}.
 *
 * `mcp-sdk-v1`: `from mcp.server.fastmcp import FastMCP` is the MCP Python SDK 1.x API; mcp 2
 * (which FastMCP 4 requires) no longer has it ("No module named 'mcp.server.fastmcp'"; the SDK's
 * v2 migration guide: FastMCP was renamed MCPServer). Adding `fastmcp>=4` next to `mcp<2` cannot be
 * resolved (pip ResolutionImpossible), so the fix is to migrate, or to pin `mcp<2` consistently.
 */

/**
 * The requested distribution that pulls `dist` in by the shortest chain of requirements (an edge
 * under an extra counts ten times a plain one, since the extra may not be installed), if any.
 */
export function pulledInBy(dists: ResolvedDist[], dist: string): string | undefined {
  const byName = new Map(dists.map((d) => [d.name, d]));
  let best: { root: string; cost: number } | undefined;
  for (const root of dists.filter((d) => d.requested)) {
    const cost = new Map<string, number>([[root.name, 0]]);
    const queue: string[] = [root.name];
    while (queue.length) {
      queue.sort((x, y) => cost.get(x)! - cost.get(y)!);
      const n = queue.shift()!;
      const d = byName.get(n);
      if (!d) continue;
      const edges = [...d.requires.map((r) => [r, 1] as const), ...(d.requiresExtra ?? []).map((r) => [r, 10] as const)];
      for (const [r, w] of edges) {
        if (!byName.has(r)) continue;
        const c = cost.get(n)! + w;
        if (c < (cost.get(r) ?? Infinity)) {
          cost.set(r, c);
          queue.push(r);
        }
      }
    }
    const c = cost.get(dist);
    if (c !== undefined && c > 0 && (!best || c < best.cost)) best = { root: root.name, cost: c };
  }
  return best?.root;
}

function usesMcpV1(server: ServerData): { rel: string; line: number } | null {
  for (const src of parsedSources(server)) {
    for (const imp of src.facts.imports) {
      if (imp.level !== 0 || imp.scope === "main" || imp.typeChecking || imp.guarded) continue;
      const full = imp.names.length ? imp.names.map((n) => `${imp.module}.${n}`) : [imp.module];
      if (full.some((m) => m === "mcp.server.fastmcp" || m.startsWith("mcp.server.fastmcp."))) return { rel: src.rel, line: imp.line };
    }
  }
  return null;
}

export const dependenciesRule: Rule = (server, ctx) => {
  const out: Finding[] = [];
  if (!server.requirements) return out;
  const req = server.requirements;
  const lines = req.text.split(/\r?\n/);
  const declared = new Set<string>();
  for (const line of lines) {
    const name = requirementName(line);
    if (name) declared.add(name);
  }
  const pkgs = ctx.packages?.get(server.folder);
  const resolution = pkgs?.resolution;
  const file = server.requirementsFrom === "pyproject.toml" ? "pyproject.toml" : "requirements.txt";
  const addTo = (shared: boolean, dist: string) => (shared ? `add \`${dist}\` to shared/requirements.txt, then run \`npx create-mcp-monorepo sync\`` : `add \`${dist}\` to ${req.rel}`);

  const v1 = usesMcpV1(server);
  const mcpBelow2 = lines.some(pinsMcpBelow2);
  const hasFastmcp = declared.has("fastmcp") || declared.has("fastmcp-slim");
  if (v1 && !mcpBelow2) {
    out.push(
      finding(
        "mcp-sdk-v1",
        "error",
        server,
        v1.rel,
        v1.line,
        "`mcp.server.fastmcp` is the MCP Python SDK 1.x API: with mcp 2 (what FastMCP 4 installs) the import fails with \"No module named 'mcp.server.fastmcp'\"",
        hasFastmcp
          ? "migrate to `from fastmcp import FastMCP` (FastMCP 4), or pin `mcp>=1.2,<2` together with `fastmcp<4` (FastMCP 4 cannot be installed next to mcp<2)"
          : "pin `mcp>=1.2,<2` in requirements, or migrate to `from fastmcp import FastMCP` and require `fastmcp>=4.0,<5`",
      ),
    );
  }
  if (!hasFastmcp && !(v1 && mcpBelow2) && !v1) {
    out.push(
      finding(
        "undeclared-dependency",
        "error",
        server,
        req.rel,
        null,
        `fastmcp is not in ${file}: FastMCP Cloud installs only what this file lists`,
        mcpBelow2 ? "add `fastmcp>=2,<4` (FastMCP 4 needs mcp 2, which conflicts with the mcp<2 pin), or drop the pin and add `fastmcp>=4.0,<5`" : "add `fastmcp>=4.0,<5`",
      ),
    );
  }
  if (resolution && !resolution.ok && resolution.impossible) {
    out.push(
      finding(
        "unresolvable-requirements",
        "error",
        server,
        req.rel,
        null,
        `pip cannot install ${file} together (ResolutionImpossible): ${resolution.message}`,
        "relax or align the conflicting pins pip names, then try `pip install -r requirements.txt` in a fresh venv",
      ),
    );
  }

  const requested = new Set(resolution?.ok ? resolution.dists.filter((d) => d.requested).map((d) => d.name) : []);
  for (const imp of thirdPartyImports(server, ctx.stdlib).values()) {
    if (imp.top === "fastmcp") continue; // checked above, once
    if (imp.top === "mcp" && v1) continue; // reported as mcp-sdk-v1
    const more = imp.count > 1 ? ` (imported ${imp.count} times in this server)` : "";
    if (server.srcPackages.has(imp.top)) {
      // FastMCP imports the entry file by path, so src/ is on sys.path only when the entry is there or the project is installed.
      out.push(
        finding(
          "undeclared-dependency",
          "warning",
          server,
          imp.rel,
          imp.line,
          `\`import ${imp.module}\` is this server's own package under src/, not a PyPI distribution: it imports only where the project is installed (\`pip install .\`), since FastMCP loads ${server.entry.rel} by path (\`npx create-mcp-monorepo verify\` decides)`,
          `install the project where it is deployed, or put the entry file where \`${imp.top}\` can be imported from its folder`,
        ),
      );
      continue;
    }
    const candidates = distributionsFor(imp.module);
    const providers = resolution?.ok ? pkgs!.providers.get(imp.module) : undefined;
    if (providers !== undefined) {
      if (providers.some((p) => declared.has(p) || requested.has(p))) continue;
      if (providers.length > 0) {
        const dist = providers[0]!;
        const parent = resolution!.ok ? pulledInBy(resolution!.dists, dist) : undefined;
        out.push(
          finding(
            "undeclared-dependency",
            "warning",
            server,
            imp.rel,
            imp.line,
            `\`import ${imp.module}\` needs ${dist}, which is not in ${file}; it is installed only because ${parent ?? "another requirement"} depends on it${more}`,
            addTo(imp.shared, dist),
          ),
        );
        continue;
      }
    } else {
      if (candidates.some((c) => declared.has(c))) continue;
      const transitive = candidates.find((c) => FASTMCP_TRANSITIVE.has(c) || (KNOWN_TRANSITIVE[c] ?? []).some((p) => declared.has(p)));
      if (transitive) {
        const parent = FASTMCP_TRANSITIVE.has(transitive) ? "fastmcp" : KNOWN_TRANSITIVE[transitive]!.find((p) => declared.has(p))!;
        out.push(
          finding(
            "undeclared-dependency",
            "warning",
            server,
            imp.rel,
            imp.line,
            `\`import ${imp.module}\` needs ${transitive}, which is not in ${file}; it is installed today only because ${parent} depends on it${more}`,
            addTo(imp.shared, transitive),
          ),
        );
        continue;
      }
    }
    // An import only inside functions does not stop the server from loading: the tool that runs it
    // fails when called. Still a defect, but not one a deploy's load shows.
    out.push(
      finding(
        "undeclared-dependency",
        imp.atLoad ? "error" : "warning",
        server,
        imp.rel,
        imp.line,
        imp.atLoad
          ? `\`import ${imp.module}\` needs ${candidates.join(" or ")}, which is not in ${file}: the deployed server fails with ModuleNotFoundError${more}`
          : `\`import ${imp.module}\` (inside a function) needs ${candidates.join(" or ")}, which is not in ${file}: the server loads, but the function raises ModuleNotFoundError when it runs${more}`,
        addTo(imp.shared, candidates[0]!),
      ),
    );
  }
  return out;
};
