import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { MANIFEST_FILE, type LoadedManifest } from "../monorepo/manifest.js";
import { toFolder, toIdentifier, validateServerName, validateServerNames } from "../monorepo/names.js";
import { SHARED_DIR } from "../monorepo/vendor.js";

/**
 * The refusals `add-server` makes before it plans anything. Each one is
 * one line that says what is wrong and how to proceed; nothing has been written.
 * {@link checkNewServerName} is pure (the prompt validates with it too);
 * {@link assertServerCanBeAdded} gathers the facts from disk and throws.
 */

/** What the name checks need to know about the monorepo (gathered by {@link gatherNameFacts}). */
export interface NameFacts {
  /** Servers in the manifest, with whether their folder exists on disk. */
  servers: Array<{ name: string; folder: string; folderExists: boolean }>;
  /** Names of the entries of the monorepo root that start with `server-` and are not a listed server's folder. */
  unlistedServerDirs: string[];
}

/**
 * Reads the facts {@link checkNewServerName} needs: which manifest servers still
 * have their folder, and which `server-*` entries at the root are not in the manifest.
 *
 * @param loaded - the monorepo's manifest.
 */
export async function gatherNameFacts(loaded: LoadedManifest): Promise<NameFacts> {
  const { root, manifest } = loaded;
  const servers: NameFacts["servers"] = [];
  for (const s of manifest.servers) {
    const folderExists = await fs.stat(path.resolve(root, s.folder)).then((st) => st.isDirectory(), () => false);
    servers.push({ name: s.name, folder: s.folder, folderExists });
  }
  const listed = new Set(manifest.servers.map((s) => path.resolve(root, s.folder)));
  const unlistedServerDirs = (await fs.readdir(root)).filter((e) => e.startsWith("server-") && !listed.has(path.resolve(root, e))).sort();
  return { servers, unlistedServerDirs };
}

/**
 * Checks a new server name against the monorepo (plop validator convention).
 *
 * Problems, in this order:
 * - an invalid name (same rules as `create`, src/monorepo/names.ts);
 * - a name listed in the manifest whose folder was deleted by hand (says how to proceed:
 *   remove the entry from mcp-monorepo.yaml, or restore the folder);
 * - a name that equals or maps (same Python identifier) to a server in the manifest;
 * - a folder `server-<name>` that another manifest entry uses as its `folder`;
 * - a `server-<name>` (or a `server-*` mapping to the same identifier) that exists at the
 *   root but is not in the manifest: add-server never overwrites it.
 *
 * @param name - the requested name.
 * @param facts - from {@link gatherNameFacts}.
 * @returns `true`, or the problem as one line.
 */
export function checkNewServerName(name: string, facts: NameFacts): true | string {
  const valid = validateServerName(name);
  if (valid !== true) return valid;
  const ident = toIdentifier(name);
  const folder = toFolder(name);
  const gone = facts.servers.find((s) => !s.folderExists && toIdentifier(s.name) === ident);
  if (gone) {
    return (
      `server "${gone.name}" is still listed in ${MANIFEST_FILE} but its folder ${gone.folder}/ was deleted: ` +
      `to add it again, remove its entry from the servers list in ${MANIFEST_FILE} and run add-server again; ` +
      `to keep it, restore the folder (e.g. git restore ${gone.folder})`
    );
  }
  const clash = validateServerNames([name], facts.servers.map((s) => s.name));
  if (clash !== true) {
    const owner = facts.servers.find((s) => toIdentifier(s.name) === ident);
    return `${clash} in ${MANIFEST_FILE} (its folder: ${owner?.folder ?? folder}/); pick another name`;
  }
  const owner = facts.servers.find((s) => path.posix.normalize(s.folder.replace(/\\/g, "/")).replace(/\/$/, "") === folder);
  if (owner) return `${folder}/ is already the folder of server "${owner.name}" in ${MANIFEST_FILE}; pick another name`;
  for (const entry of facts.unlistedServerDirs) {
    if (entry === folder) {
      return `${folder}/ already exists but is not listed in ${MANIFEST_FILE}; add-server never overwrites it: move or delete it, or pick another name`;
    }
    if (toIdentifier(entry.slice("server-".length)) === ident) {
      return `${entry}/ already exists and maps to the same Python identifier "${ident}" as "${name}"; rename or delete it, or pick another name`;
    }
  }
  return true;
}

/**
 * Checks that server `name` can be added to the loaded monorepo.
 *
 * @param loaded - the monorepo's manifest.
 * @param name - the requested server name.
 * @returns warnings that do not block (other servers whose folders are missing).
 * @throws UserError when the manifest's `shared` is not `shared` (the only layout add-server
 *   and sync support), or with the one-line problem of {@link checkNewServerName}.
 */
export async function assertServerCanBeAdded(loaded: LoadedManifest, name: string): Promise<string[]> {
  if (loaded.manifest.shared !== SHARED_DIR) {
    throw new UserError(`${MANIFEST_FILE} sets shared: "${loaded.manifest.shared}", but add-server only supports "${SHARED_DIR}"`);
  }
  const facts = await gatherNameFacts(loaded);
  const ok = checkNewServerName(name, facts);
  if (ok !== true) throw new UserError(ok);
  return facts.servers
    .filter((s) => !s.folderExists)
    .map((s) => `server "${s.name}" is listed in ${MANIFEST_FILE} but ${s.folder}/ is missing; the Deployment table still lists it (restore the folder or remove the entry)`);
}
