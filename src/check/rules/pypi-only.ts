import { findNonPypiLines } from "../../core/requirements.js";
import { finding, type Rule } from "../rule.js";

/**
 * Rule `pypi-only` (issue 5 rule 2; CONTRACT rule 2).
 *
 * Source: seed 002 "Dependency Management / PyPI-Only Rule": FastMCP Cloud installs from PyPI
 * only, so `-e ../shared-utils`, `-e .`, `git+https://...`, `../local-package`,
 * `file:///path/to/package`, other URLs and paths, and index/find-links options all fail the
 * build. Every such line is reported with its line number (`findNonPypiLines`, src/core/requirements.ts).
 */
export const pypiOnlyRule: Rule = (server) => {
  if (!server.requirements) return [];
  const { rel, text } = server.requirements;
  return findNonPypiLines(text).map((p) =>
    finding(
      "pypi-only",
      "error",
      server,
      rel,
      p.line,
      `\`${p.text}\`: ${p.message}`,
      "list the package by its PyPI name (publish it to PyPI if it is yours), or embed shared code in src/shared/ with `mcp-monorepo sync`",
    ),
  );
};
