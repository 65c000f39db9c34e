import { readFileSync } from "node:fs";
import path from "node:path";
import { hasBuildSystem } from "../../monorepo/pyproject.js";
import type { PathTarget } from "../facts.js";
import { parsedSources, reachableFiles, type ServerData } from "../collect.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `path-import`: shared code is vendored into each server, never reached by path.
 *
 * `sys.path.append('src')` works locally and fails on the platform, where only the server's
 * folder is deployed, and a relative import above the entry file's package has nothing to
 * import. FastMCP's loader (`FileSystemSource._import_module`) puts the entry file's folder on
 * `sys.path` and imports the file as a top-level module, so:
 * - a `sys.path` edit whose target check can evaluate (`Path(__file__).parent`,
 *   `os.path.dirname(__file__)`, joins) is fine when it stays inside the server folder (re-adding
 *   the entry file's folder is a no-op and not reported; another folder inside the server is a
 *   warning), and an error when it reaches outside it or is relative to the working directory
 *   (`'src'`); an edit check cannot evaluate, and setting `PYTHONPATH`, are warnings;
 * - relative imports that climb above the source root, and any relative import in the entry file
 *   ("attempted relative import with no known parent package"), are errors, one finding per file;
 * - `import shared` without a vendored `src/shared/` resolves only from the monorepo root;
 * - an absolute import of a folder the entry file sits in (`coldquery/server.py` importing
 *   `coldquery.core`, `src/app/main.py` importing `app.tools`): that folder's parent is not on
 *   `sys.path`, so it imports only where the project is installed. An error when the server folder
 *   cannot be installed (no `[build-system]` in pyproject.toml, no setup.py/setup.cfg), else a warning
 *   (`verify` decides).
 */

/** Whether the server folder is an installable project (pyproject.toml with `[build-system]`, setup.py or setup.cfg). */
function installable(server: ServerData): boolean {
  const dir = server.server.dir;
  const read = (name: string) => {
    try {
      return readFileSync(path.join(dir, name), "utf8");
    } catch {
      return null;
    }
  };
  return hasBuildSystem(read("pyproject.toml") ?? "") || read("setup.py") !== null || read("setup.cfg") !== null;
}

/** Absolute imports, at load, of a folder the entry file sits in (not importable from the entry's own folder). */
function enclosingPackageImports(server: ServerData): Finding[] {
  const entryDir = path.posix.dirname(server.entry.rel.slice(server.folder === "." ? 0 : server.folder.length + 1));
  if (entryDir === ".") return [];
  const enclosing = new Set(entryDir.split("/"));
  const inEntryDir = new Set<string>();
  for (const s of server.sources) {
    const rel = s.rel.slice(server.folder === "." ? 0 : server.folder.length + 1);
    if (path.posix.dirname(rel) === entryDir) inEntryDir.add(path.posix.basename(rel).replace(/\.py$/, ""));
    else if (rel.startsWith(entryDir + "/")) inEntryDir.add(rel.slice(entryDir.length + 1).split("/")[0]!);
  }
  const reachable = reachableFiles(server);
  const hits: { rel: string; line: number; module: string; top: string }[] = [];
  for (const src of parsedSources(server)) {
    if (reachable && !reachable.has(src.rel)) continue;
    for (const imp of src.facts.imports) {
      if (imp.level !== 0 || !imp.top || imp.scope === "main" || imp.scope === "function" || imp.typeChecking || imp.guarded) continue;
      if (enclosing.has(imp.top) && !inEntryDir.has(imp.top)) hits.push({ rel: src.rel, line: imp.line, module: imp.module, top: imp.top });
    }
  }
  if (hits.length === 0) return [];
  const first = hits[0]!;
  const canInstall = installable(server);
  const more = hits.length > 1 ? ` (${hits.length} such imports)` : "";
  // `coldquery.core.context` from coldquery/server.py is `core.context` from the entry's folder.
  const dirParts = entryDir.split("/");
  const modParts = first.module.split(".");
  let local: string | null = null;
  for (let k = dirParts.length; k >= 1 && local === null; k--) {
    const tail = dirParts.slice(dirParts.length - k);
    if (tail.every((p, i) => modParts[i] === p) && modParts.length > k) local = modParts.slice(k).join(".");
  }
  const why = `FastMCP loads ${server.entry.rel} by path with its folder ${entryDir}/ on sys.path, so \`${first.top}\` (a folder the entry file sits in) is importable only where the project is installed`;
  return [
    finding(
      "path-import",
      canInstall ? "warning" : "error",
      server,
      first.rel,
      first.line,
      canInstall
        ? `\`import ${first.module}\`: ${why} (\`npx create-mcp-monorepo verify\` decides)${more}`
        : `\`import ${first.module}\` fails with "No module named '${first.top}'": ${why}, and this server folder has no [build-system] (nor setup.py) to install it${more}`,
      local
        ? `import it from the entry file's folder (\`from ${local} import …\`), or move the entry file up to the folder that holds \`${first.top}/\``
        : `move the entry file up to the folder that holds \`${first.top}/\`, or install the project where it is deployed`,
    ),
  ];
}

/** Absolute folder a `sys.path` target names, or null when it depends on the working directory or is unknown. */
export function resolveTarget(fileAbs: string, target: PathTarget | undefined): string | null {
  if (!target || target.kind === "unknown") return null;
  if (target.kind === "literal") return path.isAbsolute(target.value) ? path.resolve(target.value) : null;
  let p = fileAbs;
  for (let i = 0; i < target.up; i++) p = path.dirname(p);
  return path.resolve(p, ...target.parts);
}

const inside = (dir: string, p: string) => p === dir || p.startsWith(dir + path.sep);

export const pathImportRule: Rule = (server) => {
  const out: Finding[] = [];
  const entryRel = server.entry.rel;
  const entryAbs = server.sources.find((s) => s.rel === entryRel)?.abs ?? null;
  const entryDir = entryAbs ? path.dirname(entryAbs) : null;
  const hasShared = server.localModules.has("shared");
  let sharedReported = false;
  for (const src of parsedSources(server)) {
    const abs = server.sources.find((s) => s.id && s.rel === src.rel)!.abs;
    for (const edit of src.facts.sysPath) {
      const target = resolveTarget(abs, edit.target);
      if (target && entryDir && target === entryDir) continue; // FastMCP already put it there
      if (target && inside(server.server.dir, target)) {
        out.push(
          finding("path-import", "warning", server, src.rel, edit.line, `${edit.what} adds ${path.relative(server.server.dir, target).split(path.sep).join("/") || "the server folder"} inside the server folder: it works, but imports then depend on this line running first`, "prefer imports from the entry file's folder (FastMCP puts it on sys.path), e.g. `from tools import x`"),
        );
        continue;
      }
      if (!target && edit.target?.kind !== "literal") {
        out.push(
          finding("path-import", "warning", server, src.rel, edit.line, `${edit.what} changes the import path to a location check cannot evaluate: if it is outside the server folder, the deployed server cannot import from it`, "import from the entry file's folder instead (FastMCP puts it on sys.path); vendor shared code with `npx create-mcp-monorepo sync`"),
        );
        continue;
      }
      const where = target ? `${path.relative(server.server.dir, target).split(path.sep).join("/")}, outside the server folder` : `"${edit.target?.kind === "literal" ? edit.target.value : "?"}", relative to the working directory`;
      out.push(
        finding(
          "path-import",
          "error",
          server,
          src.rel,
          edit.line,
          `${edit.what} adds ${where}: it works on your machine but not on FastMCP Cloud, which deploys the server folder with only the entry file's folder on sys.path`,
          "delete it and import from the entry file's folder (`from shared import config`); vendor shared code with `npx create-mcp-monorepo sync`",
        ),
      );
    }
    const inEntry = src.facts.imports.filter((i) => i.level > 0 && src.rel === entryRel);
    const above = src.facts.imports.filter((i) => i.level > 0 && src.rel !== entryRel && i.level > i.packageDepth);
    const more = (n: number) => (n > 1 ? ` (and ${n - 1} more relative import${n > 2 ? "s" : ""} in this file)` : "");
    if (inEntry.length > 0) {
      const imp = inEntry[0]!;
      out.push(
        finding(
          "path-import",
          "error",
          server,
          src.rel,
          imp.line,
          `relative import \`from ${".".repeat(imp.level)}${imp.module} import ...\` in the entry file: FastMCP's loader imports it as a top-level module ("attempted relative import with no known parent package")${more(inEntry.length)}`,
          `use absolute imports from the entry file's folder: \`from ${imp.module || "shared"} import ...\``,
        ),
      );
    }
    if (above.length > 0) {
      const imp = above[0]!;
      out.push(
        finding(
          "path-import",
          "error",
          server,
          src.rel,
          imp.line,
          `relative import \`from ${".".repeat(imp.level)}${imp.module} import ...\` reaches outside ${server.srcDir ? server.srcDir + "/" : "the server folder"} ("attempted relative import beyond top-level package")${more(above.length)}`,
          "move the code into this server's source folder (shared code: vendor it with `npx create-mcp-monorepo sync`)",
        ),
      );
    }
    for (const imp of src.facts.imports) {
      if (imp.level === 0 && imp.top === "shared" && imp.scope !== "main" && !hasShared && !server.nearbyModules.has("shared") && !sharedReported) {
        sharedReported = true;
        out.push(
          finding(
            "path-import",
            "error",
            server,
            src.rel,
            imp.line,
            `\`import ${imp.module}\` but this server has no vendored shared/ package: it only resolves from the monorepo root on your machine, not on FastMCP Cloud`,
            "vendor shared code into the server's source folder (`npx create-mcp-monorepo sync`, or copy it into src/shared/)",
          ),
        );
      }
    }
  }
  out.push(...enclosingPackageImports(server));
  return out;
};
