import { finding, parsedSources, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `path-import` (issue 5 rule 4, second half; CONTRACT rules 3 and 6).
 *
 * Source: seed 002 "Cloud vs Local Differences / Import Paths" (`sys.path.append('src')` works
 * locally and fails in the cloud) and the deployment checklist ("No relative imports outside the
 * package"). Flags, anywhere under `src/`: `sys.path` edits (`append`, `insert`, `extend`,
 * assignment), `site.addsitedir`, setting `PYTHONPATH`; relative imports that climb above `src/`;
 * any relative import in the entry file (`fastmcp run` loads it as a top-level module, so
 * `from .shared import X` fails: "attempted relative import with no known parent package");
 * and `import shared` when the server has no vendored `src/shared/` (it resolves only from the
 * monorepo root on a developer's machine).
 */
export const pathImportRule: Rule = (server) => {
  const out: Finding[] = [];
  const entryRel = server.entry.rel;
  const hasShared = server.localModules.has("shared");
  let sharedReported = false;
  for (const src of parsedSources(server)) {
    for (const edit of src.facts.sysPath) {
      out.push(
        finding(
          "path-import",
          "error",
          server,
          src.rel,
          edit.line,
          `${edit.what} changes the import path: it works locally but not on FastMCP Cloud, which puts only src/ on sys.path`,
          "delete it and import from src/ directly (`from shared import config`); vendor shared code with `mcp-monorepo sync`",
        ),
      );
    }
    for (const imp of src.facts.imports) {
      if (imp.level > 0 && src.rel === entryRel) {
        out.push(
          finding(
            "path-import",
            "error",
            server,
            src.rel,
            imp.line,
            `relative import \`from ${".".repeat(imp.level)}${imp.module} import ...\` in the entry file: fastmcp run loads it as a top-level module ("attempted relative import with no known parent package")`,
            `use an absolute import from src/: \`from ${imp.module || "shared"} import ...\``,
          ),
        );
      } else if (imp.level > imp.packageDepth) {
        out.push(
          finding(
            "path-import",
            "error",
            server,
            src.rel,
            imp.line,
            `relative import \`from ${".".repeat(imp.level)}${imp.module} import ...\` reaches outside src/ ("attempted relative import beyond top-level package")`,
            "move the code into this server's src/ (shared code: vendor it with `mcp-monorepo sync`)",
          ),
        );
      } else if (imp.level === 0 && imp.top === "shared" && !hasShared && !sharedReported) {
        sharedReported = true;
        out.push(
          finding(
            "path-import",
            "error",
            server,
            src.rel,
            imp.line,
            `\`import ${imp.module}\` but this server has no src/shared/: it only resolves from the monorepo root on your machine, not on FastMCP Cloud`,
            "vendor shared code into src/shared/ (`mcp-monorepo sync`, or copy it: seed 002 \"Embed in Each Server\")",
          ),
        );
      }
    }
  }
  return out;
};
