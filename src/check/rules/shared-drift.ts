import * as fs from "node:fs/promises";
import path from "node:path";
import { requirementName, SHARED_BLOCK_BEGIN, SHARED_BLOCK_END } from "../../monorepo/requirements.js";
import { listVendorableFiles, SHARED_DIR, VENDORED_DIR, vendorHash } from "../../monorepo/vendor.js";
import { sharedBlockLines } from "../../monorepo/requirements-merge.js";
import { sharedRequirementLines } from "../../monorepo/pyproject.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `shared-drift`.
 *
 * A platform deploys one server folder, so shared code is embedded: each server deploys
 * its own copy in `src/shared/`, so a copy that differs from canonical `shared/` ships old or
 * hand-edited code. Compares every file (SHA-256, `src/monorepo/vendor.ts`): missing, different, or
 * extra. With `mcp-monorepo.lock.json` (what `sync` last wrote) it says whether a copy was
 * edited by hand or is just stale. Also checks the managed block of pyproject.toml's
 * dependencies and of requirements.txt against `shared/requirements.txt`.
 */
export const sharedDriftRule: Rule = async (server, ctx) => {
  const out: Finding[] = [];
  if (!ctx.canonical || !server.dirExists) return out;
  const vendoredDir = path.join(server.server.dir, ...VENDORED_DIR.split("/"));
  const vendoredRel = `${server.folder}/${VENDORED_DIR}`;
  const exists = await fs.stat(vendoredDir).then((s) => s.isDirectory(), () => false);
  const sync = "run `npx create-mcp-monorepo sync`";
  if (!exists) {
    if (ctx.manifest) {
      out.push(finding("shared-drift", "error", server, `${vendoredRel}/`, null, "is missing: this server deploys without the shared package", sync));
    }
    return out;
  }
  const lockFiles = ctx.lock?.servers[server.server.name]?.files ?? null;
  const canonical = new Map(ctx.canonical.map((f) => [f.path, f.sha256]));
  const vendored = new Map<string, string>();
  for (const rel of await listVendorableFiles(vendoredDir)) {
    const content = await fs.readFile(path.join(vendoredDir, ...rel.split("/"))).catch(() => null);
    if (content) vendored.set(rel, vendorHash(content));
  }
  const why = (p: string, have: string | undefined): string => {
    const locked = lockFiles?.[p]?.sha256;
    if (!lockFiles || locked === undefined) return "";
    if (have !== undefined && have !== locked) return "; it was edited by hand (it differs from what `sync` last wrote)";
    return `; the copy is stale: ${SHARED_DIR}/${p} changed since the last \`sync\``;
  };
  for (const [p, want] of canonical) {
    const have = vendored.get(p);
    const file = `${vendoredRel}/${p}`;
    if (have === undefined) {
      out.push(finding("shared-drift", "error", server, file, null, `is missing: ${SHARED_DIR}/${p} is not vendored into this server`, sync));
    } else if (have !== want) {
      const hand = lockFiles?.[p] && have !== lockFiles[p]!.sha256;
      out.push(
        finding(
          "shared-drift",
          "error",
          server,
          file,
          null,
          `differs from ${SHARED_DIR}/${p}${why(p, have)}`,
          hand ? `move your edit into ${SHARED_DIR}/${p}, then run \`npx create-mcp-monorepo sync --force\` (it overwrites this copy from ${SHARED_DIR}/; plain \`sync\` keeps refusing an edited copy)` : sync,
        ),
      );
    }
  }
  for (const [p, have] of vendored) {
    if (canonical.has(p)) continue;
    const file = `${vendoredRel}/${p}`;
    const locked = lockFiles?.[p];
    const detail = locked ? (locked.sha256 === have ? `; it was removed from ${SHARED_DIR}/ since the last \`sync\`` : "; it was edited by hand after being removed from shared/") : "; it was added by hand";
    out.push(finding("shared-drift", "error", server, file, null, `is not in ${SHARED_DIR}/${detail}`, `move it into ${SHARED_DIR}/${p} (or delete it), then ${sync}`));
  }
  if (ctx.canonicalRequirements !== null && server.pyproject) {
    const text = await fs.readFile(path.join(ctx.root, ...server.pyproject.split("/")), "utf8").catch(() => null);
    const drift = text === null ? null : pyprojectDrift(text, ctx.canonicalRequirements);
    if (drift) out.push(finding("shared-drift", "error", server, server.pyproject, drift.line, `the managed shared block of ${server.pyproject} differs from ${SHARED_DIR}/requirements.txt`, `${sync}, then \`npx create-mcp-monorepo lock\``));
  }
  if (ctx.canonicalRequirements !== null && server.requirements) {
    out.push(...requirementsDrift(server.requirements.text, ctx.canonicalRequirements, (msg, line) => finding("shared-drift", "error", server, server.requirements!.rel, line, msg, sync)));
  }
  return out;
};

/** The managed block of a pyproject.toml's dependencies vs `shared/requirements.txt` (null: equal, or no block). */
function pyprojectDrift(text: string, sharedText: string): { line: number } | null {
  const lines = text.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.trim() === SHARED_BLOCK_BEGIN);
  const end = lines.findIndex((l, i) => i > begin && l.trim() === SHARED_BLOCK_END);
  if (begin < 0 || end < begin) return null;
  const have = lines.slice(begin + 1, end).map((l) => {
    const t = l.trim().replace(/,$/, "");
    try {
      return JSON.parse(t) as string;
    } catch {
      return t;
    }
  });
  return have.filter(Boolean).join("\n") === sharedRequirementLines(sharedText).join("\n") ? null : { line: begin + 1 };
}

/** The managed block (or, without one, the presence of each shared requirement) vs `shared/requirements.txt`. */
function requirementsDrift(text: string, sharedText: string, make: (msg: string, line: number | null) => Finding): Finding[] {
  const want = sharedBlockLines(sharedText);
  const lines = text.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.trim() === SHARED_BLOCK_BEGIN);
  const end = lines.findIndex((l, i) => i > begin && l.trim() === SHARED_BLOCK_END);
  if (begin >= 0 && end > begin) {
    const have = lines.slice(begin + 1, end).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    if (have.join("\n") === want.join("\n")) return [];
    return [make(`the managed shared block differs from ${SHARED_DIR}/requirements.txt`, begin + 1)];
  }
  const declared = new Set(lines.map(requirementName).filter((n): n is string => Boolean(n)));
  return want
    .filter((l) => {
      const n = requirementName(l);
      return n !== null && !declared.has(n);
    })
    .map((l) => make(`lacks \`${l}\` from ${SHARED_DIR}/requirements.txt, which the vendored shared code needs`, null));
}
