import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { isWrite, type FileChange } from "../monorepo/changes.js";
import { parseManifest, type Manifest } from "../monorepo/manifest.js";
import type { Monorepo, MonorepoServer } from "../monorepo/monorepo.js";
import { removeEnvSection, removeServerFromManifestText } from "../monorepo/server-edits.js";
import { removeTransientFiles, runWrite } from "../monorepo/transaction.js";
import { README_FILE, readRootText, rootListingChanges, ROOT_ENV_FILE } from "../scaffold/root-listing.js";
import { TABLE_END, TABLE_START } from "../scaffold/readme.js";

/** What `remove-server` is asked to do. */
export interface RemoveServerOptions {
  /** Any folder inside the monorepo. */
  cwd: string;
  /** Server names (or folders, or `server-<name>`), at least one. */
  names: string[];
  /** Keep the server folder on disk; only unlist the server. */
  keepFiles?: boolean;
  dryRun?: boolean;
  allowDirty?: boolean;
  /** Test hook passed to `applyChanges` (fault injection). */
  beforeCommit?: (change: FileChange) => void | Promise<void>;
}

/** A line the command found but does not change (a reference in a file it does not own). */
export interface Mention {
  file: string;
  line: number;
  text: string;
}

/** The plan (or result) of `remove-server`. */
export interface RemoveServerPlan {
  root: string;
  servers: MonorepoServer[];
  /** Folders deleted (with everything in them). */
  folders: string[];
  changes: FileChange[];
  manifest: Manifest;
  /** References to a removed server in CI workflows and other root files it does not own. */
  mentions: Mention[];
  /** Root artefacts (compose.yaml, kustomization.yaml) left as they are because they were edited. */
  warnings: string[];
}

/** The result of `remove-server`. */
export interface RemoveServerResult extends RemoveServerPlan {
  dryRun: boolean;
  dirty: string[] | null;
}

async function isRealDirectory(abs: string): Promise<"dir" | "link" | "missing" | "file"> {
  const st = await fs.lstat(abs).catch(() => null);
  if (st === null) return "missing";
  if (st.isSymbolicLink()) return "link";
  return st.isDirectory() ? "dir" : "file";
}

function wordsRe(words: string[]): RegExp {
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`(?<![A-Za-z0-9_-])(${escaped.join("|")})(?![A-Za-z0-9_]|-[A-Za-z0-9])`);
}

/** Lines of a README outside its generated Deployment table naming one of `words` (as a whole word). */
export function proseMentions(file: string, text: string, words: string[]): Mention[] {
  const re = wordsRe(words);
  const out: Mention[] = [];
  let inTable = false;
  text.split("\n").forEach((line, i) => {
    if (line.startsWith(TABLE_START.slice(0, 40))) inTable = true;
    if (!inTable && re.test(line)) out.push({ file, line: i + 1, text: line.trim() });
    if (line.startsWith(TABLE_END)) inTable = false;
  });
  return out;
}

/** Lines of `.github/workflows/*.yml|yaml` naming one of `words` (a folder or a server name, as a whole word). */
export async function workflowMentions(root: string, words: string[]): Promise<Mention[]> {
  const dir = path.join(root, ".github", "workflows");
  const out: Mention[] = [];
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => /\.ya?ml$/.test(n)).sort();
  const re = wordsRe(words);
  for (const n of names) {
    const text = await fs.readFile(path.join(dir, n), "utf8").catch(() => "");
    text.split("\n").forEach((line, i) => {
      if (re.test(line)) out.push({ file: `.github/workflows/${n}`, line: i + 1, text: line.trim() });
    });
  }
  return out;
}

/** Plans removing `names` from `repo` (reads only). */
export async function planRemoveServer(repo: Monorepo, opts: RemoveServerOptions): Promise<RemoveServerPlan> {
  if (opts.names.length === 0) throw new UserError("name at least one server to remove");
  const servers = repo.select(opts.names);
  let loaded = repo.loaded;
  let env = readRootText(repo.root, ROOT_ENV_FILE);
  const envBefore = env;
  const lock = await repo.readLock();
  let lockChanged = false;
  const folderChanges: FileChange[] = [];
  const folders: string[] = [];
  for (const s of servers) {
    loaded = parseManifest(removeServerFromManifestText(loaded, s.name), repo.root);
    if (env !== null) env = removeEnvSection(env, s.folder) ?? env;
    if (lock.servers[s.name] !== undefined) {
      delete lock.servers[s.name];
      lockChanged = true;
    }
    if (opts.keepFiles) continue;
    const kind = await isRealDirectory(s.dir);
    if (kind === "dir") {
      folderChanges.push({ path: s.folder, kind: "delete", dir: true });
      folders.push(s.folder);
    } else if (kind === "link") {
      // A link is removed, never what it points to.
      folderChanges.push({ path: s.folder, kind: "delete" });
      folders.push(s.folder);
    } else if (kind === "file") {
      throw new UserError(`${s.folder} is a file, not a server folder; remove it yourself or pass --keep-files (nothing was changed)`);
    }
  }
  // The README's example lines name the first server: they follow the first one that stays.
  const stays = repo.servers.find((s) => !servers.includes(s));
  const first = repo.servers[0]!;
  const root = await rootListingChanges(repo.root, {
    manifestText: loaded.text,
    envExample: env !== null && env !== envBefore ? env : undefined,
    lock: lockChanged ? lock : undefined,
    readmeExamples: servers.includes(first) && stays ? { from: first, to: stays } : null,
    before: repo.manifest,
  });
  const words = servers.flatMap((s) => [s.folder, s.name]);
  const readme = root.changes.find((c) => c.path === README_FILE);
  const readmeText = readme?.content?.toString("utf8") ?? readRootText(repo.root, README_FILE);
  const mentions = [...(readmeText === null ? [] : proseMentions(README_FILE, readmeText, words)), ...(await workflowMentions(repo.root, words))];
  // The folders first: a run killed after them is finished from the journal by the next one.
  return { root: repo.root, servers, folders, changes: [...folderChanges, ...root.changes], manifest: root.manifest, mentions, warnings: root.warnings };
}

/**
 * The core of `remove-server` (never prompts): removes each server's folder (unless `keepFiles`),
 * its manifest entry, its lock entry, its README Deployment row, its section of the root
 * `.env.example` and its entries in compose.yaml and kustomization.yaml (when as generated), through the monorepo's one write transaction (busy marker, journaled, all or
 * nothing). Refuses when the server folder or a root file it changes has uncommitted git changes,
 * unless `allowDirty`.
 *
 * @throws UnknownServerError (exit 2) for a name the manifest does not list; UserError for the refusals.
 */
export async function removeServer(opts: RemoveServerOptions): Promise<RemoveServerResult> {
  const result = await runWrite<RemoveServerPlan, void>({
    command: "remove-server",
    start: opts.cwd,
    dryRun: opts.dryRun,
    allowDirty: opts.allowDirty,
    beforeCommit: opts.beforeCommit,
    removeLeftovers: removeTransientFiles,
    plan: (repo) => planRemoveServer(repo, opts),
    changes: (plan) => plan.changes,
    guard: (plan) => ({ paths: plan.changes.filter(isWrite).map((c) => c.path), verb: "remove-server would change or delete" }),
  });
  return { ...result.plan, dryRun: result.dryRun, dirty: result.dirty };
}
