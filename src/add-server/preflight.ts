import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "../core/errors.js";
import { MANIFEST_FILE, type LoadedManifest } from "../core/manifest.js";
import { toFolder, toIdentifier, validateServerName, validateServerNames } from "../core/names.js";
import { SHARED_DIR } from "../core/vendor.js";

/**
 * The refusals `add-server` makes before it plans anything (issue 3). Each one is
 * a {@link UserError} whose message is one line that says what is wrong and how to
 * proceed; nothing has been written when it is thrown.
 */

async function isDir(abs: string): Promise<boolean> {
  return fs.stat(abs).then((s) => s.isDirectory(), () => false);
}

/**
 * Checks that server `name` can be added to the loaded monorepo.
 *
 * Refuses (UserError), in this order:
 * - a manifest whose `shared` is not `shared` (the only layout add-server and sync support);
 * - an invalid name (same rules as `create`, src/core/names.ts);
 * - a name listed in the manifest whose folder was deleted by hand (says how to proceed:
 *   remove the entry from mcp-monorepo.yaml, or restore the folder);
 * - a name that equals or maps (same Python identifier) to a server in the manifest;
 * - a folder `server-<name>` that another manifest entry uses as its `folder`;
 * - a `server-<name>/` (or a `server-*` mapping to the same identifier) that exists on
 *   disk but is not in the manifest: add-server never overwrites it.
 *
 * @param loaded - the monorepo's manifest.
 * @param name - the requested server name.
 * @returns warnings that do not block (other servers whose folders are missing).
 */
export async function assertServerCanBeAdded(loaded: LoadedManifest, name: string): Promise<string[]> {
  const { root, manifest } = loaded;
  if (manifest.shared !== SHARED_DIR) {
    throw new UserError(`${MANIFEST_FILE} sets shared: "${manifest.shared}", but add-server only supports "${SHARED_DIR}"`);
  }
  const valid = validateServerName(name);
  if (valid !== true) throw new UserError(valid);
  const ident = toIdentifier(name);
  const folder = toFolder(name);

  const missing: Array<{ name: string; folder: string }> = [];
  for (const s of manifest.servers) {
    if (!(await isDir(path.resolve(root, s.folder)))) missing.push({ name: s.name, folder: s.folder });
  }
  const gone = missing.find((s) => toIdentifier(s.name) === ident);
  if (gone) {
    throw new UserError(
      `server "${gone.name}" is still listed in ${MANIFEST_FILE} but its folder ${gone.folder}/ was deleted: ` +
        `to add it again, remove its entry from the servers list in ${MANIFEST_FILE} and run add-server again; ` +
        `to keep it, restore the folder (e.g. git restore ${gone.folder})`,
    );
  }

  const clash = validateServerNames([name], manifest.servers.map((s) => s.name));
  if (clash !== true) throw new UserError(`${clash} in ${MANIFEST_FILE} (its folder: ${manifest.servers.find((s) => toIdentifier(s.name) === ident)?.folder ?? folder}/); pick another name`);

  const owner = manifest.servers.find((s) => path.posix.normalize(s.folder.replace(/\\/g, "/")).replace(/\/$/, "") === folder);
  if (owner) throw new UserError(`${folder}/ is already the folder of server "${owner.name}" in ${MANIFEST_FILE}; pick another name`);

  const listed = new Set(manifest.servers.map((s) => path.resolve(root, s.folder)));
  for (const entry of await fs.readdir(root)) {
    if (!entry.startsWith("server-") || listed.has(path.resolve(root, entry))) continue;
    if (entry === folder) {
      throw new UserError(`${folder}/ already exists but is not listed in ${MANIFEST_FILE}; add-server never overwrites it: move or delete it, or pick another name`);
    }
    if (toIdentifier(entry.slice("server-".length)) === ident) {
      throw new UserError(`${entry}/ already exists and maps to the same Python identifier "${ident}" as "${name}"; rename or delete it, or pick another name`);
    }
  }

  return missing.map(
    (s) => `server "${s.name}" is listed in ${MANIFEST_FILE} but ${s.folder}/ is missing; the Deployment table still lists it (restore the folder or remove the entry)`,
  );
}
