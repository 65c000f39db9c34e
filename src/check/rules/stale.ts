import * as fs from "node:fs/promises";
import path from "node:path";
import { MANIFEST_FILE, type Manifest } from "../../monorepo/manifest.js";
import { LOCK_FILE, type SyncLock } from "../../monorepo/vendor.js";
import { TABLE_END, TABLE_START } from "../../scaffold/readme.js";
import type { Finding } from "../types.js";

/**
 * Stale state: what still lists a server that is gone, or misses one that is there. A server
 * folder deleted or renamed by hand leaves its manifest entry, lock entry, README Deployment row
 * and root `.env.example` section behind; `sync` and `bundle` then fail on the missing folder.
 * Each finding's fix names the command that puts it right.
 */

const CMD = "npx create-mcp-monorepo";

/** The unlisted `server-*` folder that a listed server with a missing folder was most likely renamed to. */
function renamedTo(unlisted: string[]): string | null {
  const candidates = unlisted.filter((f) => /^server-[a-z0-9-]+$/.test(f));
  return candidates.length === 1 ? candidates[0]!.slice("server-".length) : null;
}

/**
 * `server-missing` (error): a listed server whose folder does not exist; `server-unlisted`
 * (warning): a `server-*` folder holding a server that the manifest does not list.
 *
 * @param missing - listed servers whose folder is missing (name and folder).
 * @param unlisted - root folders that look like a server and are not listed.
 */
export function serverPresenceFindings(missing: Array<{ name: string; folder: string }>, unlisted: string[]): Finding[] {
  const out: Finding[] = [];
  const to = missing.length === 1 ? renamedTo(unlisted) : null;
  for (const s of missing) {
    out.push({
      rule: "server-missing",
      severity: "error",
      server: s.name,
      file: `${s.folder}/`,
      line: null,
      message: `${s.folder}/ is listed in ${MANIFEST_FILE} but does not exist, so sync, bundle and deployments of "${s.name}" fail`,
      fix: to
        ? `renamed by hand to server-${to}/? run \`${CMD} rename-server ${s.name} ${to}\`; else \`${CMD} remove-server ${s.name} --yes\`, or restore the folder (git restore ${s.folder})`
        : `removed on purpose? run \`${CMD} remove-server ${s.name} --yes\` (manifest, lock, README row, .env.example section); else restore the folder (git restore ${s.folder})`,
    });
  }
  for (const folder of unlisted) {
    const wasRenamed = missing.length === 1 && to !== null && folder === `server-${to}`;
    out.push({
      rule: "server-unlisted",
      severity: "warning",
      server: null,
      file: `${folder}/src/server.py`,
      line: null,
      message: `${folder}/ looks like a server but is not in ${MANIFEST_FILE}, so check and sync skip it`,
      fix: wasRenamed
        ? `run \`${CMD} rename-server ${missing[0]!.name} ${to}\` (the server was renamed by hand)`
        : `add it to ${MANIFEST_FILE} (servers:), or move it out of the monorepo root`,
    });
  }
  return out;
}

/** The server names of the README Deployment table's rows (`| **name** | ...`), with their 1-based lines. */
export function readmeRows(text: string): Array<{ name: string; line: number }> {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith(TABLE_START.slice(0, 40)));
  if (start < 0) return [];
  const rows: Array<{ name: string; line: number }> = [];
  for (let i = start + 1; i < lines.length && !lines[i]!.startsWith(TABLE_END); i++) {
    const m = /^\|\s*\*\*(.+?)\*\*\s*\|/.exec(lines[i]!);
    if (m) rows.push({ name: m[1]!.replace(/\\(.)/g, "$1"), line: i + 1 });
  }
  return rows;
}

/**
 * `stale-listing` (warning): a README Deployment row or a lock entry for a server the manifest
 * does not list. (A variable of a server's `.env.example` missing from the root one is `sync`'s:
 * a full sync adds it, and `sync --check` reports the root file out of date until then.)
 */
export async function listingFindings(root: string, manifest: Manifest, lock: SyncLock | null): Promise<Finding[]> {
  const out: Finding[] = [];
  const names = new Set(manifest.servers.map((s) => s.name));
  const readme = await fs.readFile(path.join(root, "README.md"), "utf8").catch(() => null);
  if (readme !== null) {
    for (const row of readmeRows(readme)) {
      if (names.has(row.name)) continue;
      out.push({
        rule: "stale-listing",
        severity: "warning",
        server: null,
        file: "README.md",
        line: row.line,
        message: `the Deployment table lists "${row.name}", which is not a server in ${MANIFEST_FILE}`,
        fix: `delete the row (the commands that add, remove or rename servers keep the table in step with ${MANIFEST_FILE})`,
      });
    }
  }
  for (const name of Object.keys(lock?.servers ?? {}).sort()) {
    if (names.has(name)) continue;
    out.push({
      rule: "stale-listing",
      severity: "warning",
      server: null,
      file: LOCK_FILE,
      line: null,
      message: `${LOCK_FILE} has an entry for "${name}", which is not a server in ${MANIFEST_FILE}`,
      fix: `run \`${CMD} sync\` (it drops entries of servers that are gone)`,
    });
  }
  return out;
}
