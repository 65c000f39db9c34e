import { findNonPypiLines, PYPI_ONLY_REASONS } from "../../monorepo/requirements.js";
import type { Target } from "../../monorepo/manifest.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `pypi-only`.
 *
 * FastMCP Cloud installs a server's requirements from PyPI in its own build, where nothing else of
 * the repository is an installable package (https://gofastmcp.com/deployment/fastmcp-cloud), so `-e ../shared-utils`, `-e .`, `git+https://...`, `../local-package`,
 * `file:///path/to/package`, other URLs and paths, and index/find-links options all fail the
 * build. Every such line is reported with its line number (`findNonPypiLines`, src/monorepo/requirements.ts),
 * in requirements.txt (or pyproject.toml's dependencies) and in fastmcp.json's
 * `environment.dependencies` (FastMCP installs those with uv when it runs the config).
 */
const FIX = "list the package by its PyPI name (publish it to PyPI if it is yours), or embed shared code in src/shared/ with `npx create-mcp-monorepo sync`";

/**
 * The reason worded for the targets being checked: FastMCP Cloud's when it is one of them
 * (the strictest, and the default without targets), else the bundle's, else the container's.
 */
export function pypiOnlyReason(targets: readonly Target[]): string {
  for (const t of ["fastmcp-cloud", "mcpb", "docker", "k8s"] as const) if (targets.includes(t)) return PYPI_ONLY_REASONS[t];
  return PYPI_ONLY_REASONS["fastmcp-cloud"];
}

export const pypiOnlyRule: Rule = (server, ctx) => {
  const out: Finding[] = [];
  const why = pypiOnlyReason(ctx.targets);
  if (server.requirements) {
    const { rel, text, lines } = server.requirements;
    for (const p of findNonPypiLines(text, why)) out.push(finding("pypi-only", "error", server, rel, lines?.[p.line - 1] ?? p.line, `\`${p.text}\`: ${p.message}`, FIX));
  }
  const deps = (server.fastmcpConfig?.data as { environment?: { dependencies?: unknown } } | undefined)?.environment?.dependencies;
  if (server.fastmcpJson && server.fastmcpConfig && Array.isArray(deps)) {
    deps.forEach((d, i) => {
      if (typeof d !== "string") return;
      for (const p of findNonPypiLines(d, why)) {
        out.push(finding("pypi-only", "error", server, server.fastmcpJson!.rel, server.fastmcpConfig!.lineOf(["environment", "dependencies", i]), `environment.dependencies \`${p.text}\`: ${p.message}`, FIX));
      }
    });
  }
  return out;
};
