import path from "node:path";
import { MANIFEST_FILE, parseManifest, type LoadedManifest, type Manifest, type ManifestServer } from "../monorepo/manifest.js";
import { readTextOrNull } from "../kernel/fs.js";
import { renderPartial } from "../scaffold/render.js";
import type { ServerData } from "../scaffold/template-data.js";
import { README_FILE, updateReadme } from "../scaffold/readme.js";
import { LOCK_FILE, readLock, serializeLock, vendoredStateOf, type SharedFile } from "../monorepo/vendor.js";
import { appendServerPreservingText } from "./manifest-append.js";
import { appendEnvSection, definesVariable } from "./root-files.js";
import type { RootFileUpdates } from "./types.js";

/** Root env documentation file name. */
export const ROOT_ENV_FILE = ".env.example";

/**
 * Computes the new text of every root file that lists servers (writes nothing):
 * the manifest with the entry appended (byte-preserving splice, see
 * `appendServerPreservingText`), the README table regenerated from the new manifest,
 * the root `.env.example` with the server's `rootEnvServer` section appended (the
 * partial `create` uses), and the lock with the new server's vendored files
 * recorded, so a later `sync` sees its copy as clean.
 *
 * @param loaded - the manifest as read.
 * @param entry - the new server's manifest entry.
 * @param server - its template data (src/scaffold/server-files.ts `serverData`).
 * @param vendored - the canonical shared files vendored into the new server.
 * @returns the texts, the manifest after the change, and notes worth showing.
 * @throws UserError if the lock file is invalid, or the new manifest would not validate (file:line: problem).
 */
export async function renderRootUpdates(
  loaded: LoadedManifest,
  entry: ManifestServer,
  server: ServerData,
  vendored: SharedFile[],
): Promise<{ updates: RootFileUpdates; manifest: Manifest; notes: string[] }> {
  const { root } = loaded;
  const notes: string[] = [];
  const manifestText = appendServerPreservingText(loaded, entry).text;
  const manifest = parseManifest(manifestText, root).manifest;

  const readme = updateReadme(await readTextOrNull(path.join(root, README_FILE)), manifest);

  const envNow = await readTextOrNull(path.join(root, ROOT_ENV_FILE));
  let envExample: string;
  if (envNow !== null && definesVariable(envNow, server.greetingVar)) {
    envExample = envNow;
    notes.push(`${ROOT_ENV_FILE} already defines ${server.greetingVar}; left it as it is`);
  } else {
    envExample = appendEnvSection(envNow, await renderPartial("rootEnvServer", { server }));
  }

  const lock = await readLock(root);
  lock.servers[entry.name] = vendoredStateOf(vendored);

  return {
    updates: {
      manifest: manifestText,
      readme: readme.text,
      readmeAppended: readme.appended,
      readmeCreated: readme.created,
      envExample,
      lock: serializeLock(lock),
    },
    manifest,
    notes,
  };
}

/** The root files in commit order, lock last (a killed run leaves the lock describing the old state). */
export function rootFileOrder(u: RootFileUpdates): Array<[string, string]> {
  return [
    [ROOT_ENV_FILE, u.envExample],
    [README_FILE, u.readme],
    [MANIFEST_FILE, u.manifest],
    [LOCK_FILE, u.lock],
  ];
}
