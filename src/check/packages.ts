import { FASTMCP_CLOUD_PYTHON, type Manifest, type Target } from "../monorepo/manifest.js";
import { cacheDir } from "../kernel/cache.js";
import { FASTMCP_REQUIREMENT, requirementName } from "../monorepo/requirements.js";
import { parsedSources, type ServerData } from "./collect.js";
import type { AnalyzerResponse } from "./facts.js";
import { providersOf, pypiLines, resolveRequirements, type Resolution } from "./metadata.js";

/**
 * Per-server package facts for `undeclared-dependency`: the resolved requirements and
 * which resolved distributions provide each third-party import (see `metadata.ts`).
 */

/** True when a requirement line for `mcp` keeps it below 2 (`mcp<2`, `mcp>=1.2,<2.0`, `mcp==1.9.*`, `mcp~=1.9`). */
export function pinsMcpBelow2(line: string): boolean {
  if (requirementName(line) !== "mcp") return false;
  const spec = line.replace(/(^|\s)#.*$/, "").replace(/^[A-Za-z0-9._-]+(\[[^\]]*\])?/, "").split(";")[0]!;
  return /<\s*2(\.0+)*\b(?!\.\d*[1-9])/.test(spec) || /(==|~=)\s*[01]\./.test(spec) || /<=\s*1\./.test(spec);
}

/** What `check` knows about one server's installed packages. */
export interface ServerPackages {
  resolution: Resolution;
  /** Import module → providing distributions (normalised); absent when unknown. */
  providers: Map<string, string[]>;
}

/** One third-party import of a server, first occurrence, with how often its top-level name is imported. */
export interface ThirdPartyImport {
  top: string;
  /** Dotted module looked up (`google.cloud.firestore` for `from google.cloud import firestore`). */
  module: string;
  rel: string;
  line: number;
  count: number;
  /** Imported from the vendored `shared/` package. */
  shared: boolean;
  /** Some import of it runs when its file is imported (module or class body), not only inside a function. */
  atLoad: boolean;
}

/** Namespace packages shared by many distributions: the imported name decides which one. */
const NAMESPACES = new Set(["google", "azure", "opentelemetry", "jaraco", "backports", "zope", "sphinxcontrib"]);

/**
 * Absolute imports of a server that must come from an installed distribution: not the standard
 * library, not a local module (under the source root, next to the entry file, or in the server
 * folder, e.g. `from src.utils import x`), not `if TYPE_CHECKING:` / `try: … except ImportError`,
 * and not only under `if __name__ == "__main__"` (FastMCP never runs that block).
 */
export function thirdPartyImports(server: ServerData, stdlib: Set<string>): Map<string, ThirdPartyImport> {
  const seen = new Map<string, ThirdPartyImport>();
  for (const src of parsedSources(server)) {
    for (const imp of src.facts.imports) {
      if (imp.level !== 0 || !imp.top || imp.typeChecking || imp.guarded || imp.scope === "main") continue;
      const top = imp.top;
      if (top === "__future__" || stdlib.has(top) || server.localModules.has(top) || server.nearbyModules.has(top)) continue;
      if (top === "shared") continue; // not vendored: reported by path-import
      const parts = imp.module.split(".");
      const module = NAMESPACES.has(top) && parts.length < 3 && imp.names.length > 0 ? `${imp.module}.${imp.names[0]}` : imp.module;
      const key = NAMESPACES.has(top) ? module.split(".").slice(0, 3).join(".") : top;
      const prev = seen.get(key);
      const atLoad = imp.scope !== "function";
      // The first import at load stands for the package (else the first one inside a function).
      if (prev && (prev.atLoad || !atLoad)) prev.count++;
      else seen.set(key, { top, module, rel: src.rel, line: imp.line, count: (prev?.count ?? 0) + 1, shared: src.srcRel.startsWith("shared/"), atLoad });
    }
  }
  return seen;
}

/** The `X.Y` Python requirements are resolved for: FastMCP Cloud's image when that is a target, else the manifest's python. */
export function resolutionRuntime(targets: Target[], manifest: Manifest | null): string {
  if (targets.includes("fastmcp-cloud")) return FASTMCP_CLOUD_PYTHON;
  return manifest?.python ?? FASTMCP_CLOUD_PYTHON;
}

/**
 * Without requirements.txt, uses pyproject.toml's `[project] dependencies` (FastMCP Cloud accepts
 * either). `lines` maps each dependency to its pyproject.toml line so findings point there.
 */
export function usePyprojectDependencies(server: ServerData, analyzer: AnalyzerResponse, _root: string): void {
  if (server.requirements || !server.pyproject) return;
  const pp = analyzer.pyprojects[`${server.folder}|pyproject.toml`];
  const deps = pp?.dependencies;
  if (!deps) return;
  server.requirements = { rel: server.pyproject, text: deps.map((d) => d.text).join("\n"), lines: deps.map((d) => d.line) };
  server.requirementsFrom = "pyproject.toml";
}

/**
 * The lines the platform ends up installing: FastMCP Cloud serves with `fastmcp run`, so fastmcp is
 * installed even when the file forgets it (that omission is its own finding); it is added for the
 * resolution unless the file names fastmcp or pins the MCP SDK below 2 (an MCP SDK 1.x server).
 */
export function withPlatformFastmcp(lines: string[]): string[] {
  const names = lines.map((l) => requirementName(l));
  if (names.includes("fastmcp") || names.includes("fastmcp-slim") || lines.some(pinsMcpBelow2)) return lines;
  return [...lines, FASTMCP_REQUIREMENT];
}

/**
 * Resolves every server's requirements (two resolutions at a time; identical sets once) and looks up
 * the providers of its third-party imports.
 *
 * @param opts.python - the analyzer's interpreter (pip's, or the one uv resolves for).
 * @param opts.runtime - `X.Y` to resolve for.
 */
export async function resolvePackages(
  servers: ServerData[],
  opts: { python: string; runtime: string; stdlib: Set<string>; env: NodeJS.ProcessEnv },
): Promise<Map<string, ServerPackages>> {
  const cache = cacheDir(opts.env);
  const out = new Map<string, ServerPackages>();
  const pending = new Map<string, Promise<Resolution>>();
  const queue = servers.filter((s) => s.requirements);
  const worker = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      const lines = withPlatformFastmcp(pypiLines(s.requirements!.text));
      const key = JSON.stringify([...lines].sort());
      if (!pending.has(key)) pending.set(key, resolveRequirements(opts.python, lines, opts.runtime, cache, opts.env));
      const resolution = await pending.get(key)!;
      const modules = [...thirdPartyImports(s, opts.stdlib).values()].map((i) => i.module);
      const providers = resolution.ok ? await providersOf(resolution.dists, modules, cache) : new Map<string, string[]>();
      out.set(s.folder, { resolution, providers });
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}
