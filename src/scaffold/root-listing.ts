import * as fsSync from "node:fs";
import path from "node:path";
import { diffAgainstDisk, type DesiredFile, type FileChange } from "../monorepo/changes.js";
import { MANIFEST_FILE, parseManifest, type Manifest } from "../monorepo/manifest.js";
import { LOCK_FILE, serializeLock, type SyncLock } from "../monorepo/vendor.js";
import { replaceDeploymentTable, TABLE_END, TABLE_START } from "./readme.js";
import { planRootTargetFiles } from "./root-targets.js";

/** Root README file name. */
export const README_FILE = "README.md";
/** Root env documentation file name. */
export const ROOT_ENV_FILE = ".env.example";

/** What a command changes in the root files that list servers. */
export interface RootListing {
  /** The new manifest text. */
  manifestText: string;
  /** The new root `.env.example` text; undefined: unchanged. */
  envExample?: string;
  /** The new lock; undefined: unchanged. */
  lock?: SyncLock;
  /**
   * The README's generated example lines (outside the table) that name the first server
   * (`cd server-NAME`, `npx create-mcp-monorepo bundle NAME  # dist/server-NAME-...`)
   * follow it: `from` is replaced by `to` in them (null: left as they are).
   */
  readmeExamples?: { from: { name: string; folder: string }; to: { name: string; folder: string } } | null;
  /**
   * The manifest before the change: when given, the root artefacts of its targets that list the
   * servers (compose.yaml, kustomization.yaml) follow the new manifest where they are as the
   * generator rendered them from this one (see planRootTargetFiles); undefined: left alone.
   */
  before?: Manifest;
}

const escRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Replaces `from` by `to` in the README's generated example lines outside the Deployment table
 * (the quick start's `cd <folder>` line and the MCPB section's `bundle <name>` line,
 * which README.md.hbs renders from the first server). Every other line is left as it is.
 */
export function retargetReadmeExamples(text: string, from: { name: string; folder: string }, to: { name: string; folder: string }): string {
  const start = text.indexOf(TABLE_START);
  const end = start === -1 ? -1 : text.indexOf(TABLE_END, start);
  const folderRe = new RegExp(`(?<![A-Za-z0-9_-])${escRe(from.folder)}(?=[^A-Za-z0-9_]|$)`, "g");
  const fix = (part: string) =>
    part
      .split("\n")
      .map((line) => {
        if (new RegExp(`^\\(?cd ${escRe(from.folder)}(?: |\\)|$)`).test(line)) return line.replace(folderRe, to.folder);
        const bundle = new RegExp(`^(npx create-mcp-monorepo bundle )${escRe(from.name)}( +# dist/)`);
        if (bundle.test(line)) return line.replace(bundle, `$1${to.name}$2`).replace(folderRe, to.folder);
        return line;
      })
      .join("\n");
  if (start === -1 || end === -1) return fix(text);
  return fix(text.slice(0, start)) + text.slice(start, end) + fix(text.slice(end));
}

/** Reads a root file as UTF-8, or null when it does not exist. */
export function readRootText(root: string, rel: string): string | null {
  try {
    return fsSync.readFileSync(path.join(root, rel), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/**
 * The changes of the root files for a new manifest: `.env.example` (when given), the README's
 * Deployment table regenerated from the new manifest (only the bytes between its markers; a README
 * without markers is left alone), the root artefacts of the targets when `before` is given, the
 * manifest, and the lock last (a killed run that was not
 * rolled forward leaves the lock describing the old state).
 *
 * @returns the changes (unchanged files included as `unchanged`) and the new manifest.
 * @throws CannotRunError when the new manifest text does not validate.
 */
export async function rootListingChanges(root: string, listing: RootListing): Promise<{ changes: FileChange[]; manifest: Manifest; warnings: string[] }> {
  const manifest = parseManifest(listing.manifestText, root).manifest;
  const desired: Array<[string, DesiredFile]> = [];
  const targets = listing.before === undefined ? { changes: [], warnings: [] } : await planRootTargetFiles(root, listing.before, manifest);
  if (listing.envExample !== undefined) desired.push([ROOT_ENV_FILE, { content: listing.envExample }]);
  const readme = readRootText(root, README_FILE);
  if (readme !== null) {
    const examples = listing.readmeExamples;
    const next = replaceDeploymentTable(examples ? retargetReadmeExamples(readme, examples.from, examples.to) : readme, manifest);
    if (!next.appended) desired.push([README_FILE, { content: next.text }]);
  }
  desired.push([MANIFEST_FILE, { content: listing.manifestText }]);
  if (listing.lock !== undefined) desired.push([LOCK_FILE, { content: serializeLock(listing.lock) }]);
  // The root artefacts before the manifest: a killed run rolled forward lists the same servers in both.
  const changes: FileChange[] = [...targets.changes];
  // One at a time: diffAgainstDisk sorts by path, the commit order here is the list's.
  for (const entry of desired) changes.push(...(await diffAgainstDisk(root, new Map([entry]))));
  return { changes, manifest, warnings: targets.warnings };
}
