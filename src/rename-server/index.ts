import * as fs from "node:fs/promises";
import path from "node:path";
import { checkNewServerName, gatherNameFacts } from "../add-server/index.js";
import { UserError } from "../kernel/errors.js";
import { runProcess } from "../kernel/proc.js";
import { isTransientName, isWrite, type FileChange } from "../monorepo/changes.js";
import { parseManifest, type Manifest } from "../monorepo/manifest.js";
import type { Monorepo, MonorepoServer } from "../monorepo/monorepo.js";
import { toEnvPrefix, toFolder, toIdentifier, validateServerName } from "../monorepo/names.js";
import { renameEnvPrefix, renameEnvSection, updateServerInManifestText } from "../monorepo/server-edits.js";
import { removeTransientFiles, runWrite } from "../monorepo/transaction.js";
import { readRootText, rootListingChanges, ROOT_ENV_FILE } from "../scaffold/root-listing.js";

/** What `rename-server` is asked to do. */
export interface RenameServerOptions {
  cwd: string;
  from: string;
  to: string;
  dryRun?: boolean;
  allowDirty?: boolean;
  beforeCommit?: (change: FileChange) => void | Promise<void>;
}

/** A line that still names the old server after the rename (the command does not change it). */
export interface Leftover {
  file: string;
  line: number;
  text: string;
}

/** The plan (or result) of `rename-server`. */
export interface RenameServerPlan {
  root: string;
  server: MonorepoServer;
  from: { name: string; folder: string };
  to: { name: string; folder: string };
  /** The folder moves (false: a folder renamed by hand already, or a folder path kept as it is). */
  moved: boolean;
  changes: FileChange[];
  manifest: Manifest;
  /** Lines that still name the old server, in files the command does not rewrite or in the user's own code. */
  leftovers: Leftover[];
  /** Folders inside the server folder that are not carried over (environments and caches, rebuilt by their tools). */
  dropped: string[];
  /** Root artefacts (compose.yaml, kustomization.yaml) left as they are because they were edited. */
  warnings: string[];
}

/** The result of `rename-server`. */
export interface RenameServerResult extends RenameServerPlan {
  dryRun: boolean;
  dirty: string[] | null;
  /** Whether the move was staged in git (as `git mv` does). */
  staged: boolean;
}

/** Folders of a server that are rebuilt by their tools, not moved: a virtual environment holds absolute paths. */
const DROPPED_DIRS = new Set([".venv", "venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules"]);
/** Folders never read for leftovers. */
const SKIPPED_DIRS = new Set([".git", ...DROPPED_DIRS]);

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The name as a token: not inside a longer name (`ops` in `ops-team`, `devops` or `server-ops-config`). */
function nameToken(name: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9_-])${esc(name)}(?![A-Za-z0-9_]|-[A-Za-z0-9])`, "g");
}

/**
 * Rewrites the derived names of one server file. In every file: the folder (`server-old`, also in
 * the Kubernetes ConfigMap and Secret names `server-old-config`/`-secrets`), the server's variables
 * (`OLD_GREETING`). Outside Python: the name as a token (image tags, `bundle old`). In Python, where
 * a one-word name can be the user's identifier: `SERVER_NAME = "old"`, the generated docstrings'
 * `the old MCP server` / `the old server`, and a hyphenated name (never an identifier).
 */
export function renameInText(text: string, rel: string, from: { name: string; folder: string }, to: { name: string; folder: string }): string {
  let out = text.replace(new RegExp(`(?<![A-Za-z0-9_-])${esc(from.folder)}(?![A-Za-z0-9_]|-(?!config\\b|secrets\\b)[A-Za-z0-9])`, "g"), to.folder);
  out = out
    .split("\n")
    .map((line) => renameEnvPrefix(line, `${toEnvPrefix(from.name)}_`, `${toEnvPrefix(to.name)}_`))
    .join("\n");
  if (!rel.endsWith(".py") || from.name.includes("-")) return out.replace(nameToken(from.name), to.name);
  return out
    .replace(new RegExp(`^(\\s*SERVER_NAME\\s*=\\s*)(["'])${esc(from.name)}\\2`, "gm"), `$1$2${to.name}$2`)
    .replace(new RegExp(`\\bthe ${esc(from.name)} (MCP )?server\\b`, "g"), (_m, mcp: string | undefined) => `the ${to.name} ${mcp ?? ""}server`);
}

/** Every file under `dir` (POSIX paths relative to it), without {@link DROPPED_DIRS}; symbolic links refused. */
async function listFiles(dir: string, rel = ""): Promise<{ files: string[]; dropped: string[] }> {
  const files: string[] = [];
  const dropped: string[] = [];
  for (const e of (await fs.readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (DROPPED_DIRS.has(e.name)) {
        dropped.push(p);
        continue;
      }
      const sub = await listFiles(dir, p);
      files.push(...sub.files);
      dropped.push(...sub.dropped);
    } else if (e.isFile()) files.push(p);
    else throw new UserError(`${path.basename(dir)}/${p} is ${e.isSymbolicLink() ? "a symbolic link" : "not a regular file"}; rename-server moves only folders of regular files: replace it with a copy, or move the folder yourself and run rename-server again (nothing was changed)`);
  }
  return { files, dropped };
}

/** Lines of the monorepo's text files (outside `.git`, environments and caches) that still name the old server. */
async function findLeftovers(root: string, from: { name: string; folder: string }, pending: Map<string, Buffer | null>): Promise<Leftover[]> {
  const res = [nameToken(from.name), new RegExp(`(?<![A-Za-z0-9_])${esc(toEnvPrefix(from.name))}_[A-Z0-9_]`), new RegExp(`(?<![A-Za-z0-9_])${esc(toIdentifier(from.name))}(?![A-Za-z0-9_])`)];
  const out: Leftover[] = [];
  const visit = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true }).catch(() => [])) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !e.name.includes(".mcpm-")) await visit(p);
        continue;
      }
      if (!e.isFile() && !pending.has(p)) continue;
      const content = pending.has(p) ? pending.get(p)! : await fs.readFile(path.join(root, p)).catch(() => null);
      if (content === null || content.length > 2_000_000 || content.includes(0)) continue;
      content.toString("utf8").split("\n").forEach((line, i) => {
        if (res.some((re) => { re.lastIndex = 0; return re.test(line); })) out.push({ file: p, line: i + 1, text: line.trim().slice(0, 160) });
      });
    }
  };
  await visit("");
  // Files that only exist in the plan (the moved folder's new paths).
  for (const [p, content] of pending) {
    if (content === null || (await fs.lstat(path.join(root, p)).catch(() => null))) continue;
    if (content.includes(0)) continue;
    content.toString("utf8").split("\n").forEach((line, i) => {
      if (res.some((re) => { re.lastIndex = 0; return re.test(line); })) out.push({ file: p, line: i + 1, text: line.trim().slice(0, 160) });
    });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** Plans the rename (reads only). */
export async function planRenameServer(repo: Monorepo, opts: RenameServerOptions): Promise<RenameServerPlan> {
  const [server] = repo.select([opts.from]);
  const to = opts.to;
  if (to === server!.name) throw new UserError(`server "${to}" already has that name; nothing to rename`);
  const s = server!;
  const oldDir = s.dir;
  const parts = s.folder.split("/");
  const followsName = parts[parts.length - 1] === toFolder(s.name);
  const newFolder = followsName ? [...parts.slice(0, -1), toFolder(to)].join("/") : s.folder;
  const newDir = path.join(repo.root, ...newFolder.split("/"));
  const oldKind = await fs.lstat(oldDir).catch(() => null);
  const newKind = newFolder === s.folder ? null : await fs.lstat(newDir).catch(() => null);
  // A folder renamed by hand: the server's folder is gone and the new one is there, not listed.
  const byHand = !oldKind && newKind?.isDirectory() === true && !repo.servers.some((o) => o.folder === newFolder);
  const facts = await gatherNameFacts(repo.loaded);
  const others = { servers: facts.servers.filter((o) => o.name !== s.name), unlistedServerDirs: facts.unlistedServerDirs.filter((d) => !(byHand && d === newFolder)) };
  const ok = checkNewServerName(to, others);
  if (ok !== true) throw new UserError(ok);
  if (!oldKind && !byHand) throw new UserError(`${s.folder}/ is missing and ${newFolder}/ is not there either; restore the folder (git restore ${s.folder}) or remove the server with remove-server ${s.name} --keep-files (nothing was changed)`);
  if (oldKind && !oldKind.isDirectory()) throw new UserError(`${s.folder} is not a folder (${oldKind.isSymbolicLink() ? "a symbolic link" : "a file"}); rename-server moves only a server folder (nothing was changed)`);

  const from = { name: s.name, folder: s.folder };
  const target = { name: to, folder: newFolder };
  const srcDir = byHand ? newDir : oldDir;
  const { files, dropped } = await listFiles(srcDir);
  const moved = !byHand && newFolder !== s.folder;
  const changes: FileChange[] = [];
  const pending = new Map<string, Buffer | null>();
  for (const rel of files) {
    const abs = path.join(srcDir, ...rel.split("/"));
    const bytes = await fs.readFile(abs);
    const mode = (await fs.stat(abs)).mode & 0o777;
    const text = bytes.includes(0) ? null : bytes.toString("utf8");
    // The vendored shared package is the canonical one's copy: sync owns it, it names no server.
    const rewritten = text === null || rel.startsWith("src/shared/") ? bytes : Buffer.from(renameInText(text, rel, from, target), "utf8");
    const newRel = `${newFolder}/${rel}`;
    pending.set(newRel, rewritten);
    if (moved) changes.push({ path: newRel, kind: "create", content: rewritten, mode });
    else if (!rewritten.equals(bytes)) changes.push({ path: newRel, kind: "update", content: rewritten, mode });
  }
  if (moved) {
    if (newKind) throw new UserError(`${newFolder} already exists; rename-server never overwrites it: move it away or pick another name (nothing was changed)`);
    changes.push({ path: s.folder, kind: "delete", dir: true });
  }

  const loaded = parseManifest(
    updateServerInManifestText(repo.loaded, s.name, {
      name: to,
      folder: newFolder,
      entrypoint: s.entrypoint.startsWith(`${s.folder}/`) ? `${newFolder}/${s.entrypoint.slice(s.folder.length + 1)}` : s.entrypoint,
      requirements: s.requirements.startsWith(`${s.folder}/`) ? `${newFolder}/${s.requirements.slice(s.folder.length + 1)}` : s.requirements,
    }),
    repo.root,
  );
  const env = readRootText(repo.root, ROOT_ENV_FILE);
  const newEnv = env === null ? null : renameEnvSection(env, { folder: s.folder, prefix: `${toEnvPrefix(s.name)}_` }, { folder: newFolder, prefix: `${toEnvPrefix(to)}_` });
  const lock = await repo.readLock();
  const entry = lock.servers[s.name];
  if (entry !== undefined) {
    delete lock.servers[s.name];
    lock.servers[to] = entry;
  }
  const root = await rootListingChanges(repo.root, {
    manifestText: loaded.text,
    envExample: newEnv ?? undefined,
    lock: entry !== undefined ? lock : undefined,
    readmeExamples: { from, to: target },
    before: repo.manifest,
  });
  changes.push(...root.changes);
  for (const c of root.changes) if (c.content) pending.set(c.path, c.content);
  if (moved) for (const rel of files) pending.set(`${s.folder}/${rel}`, null);
  const leftovers = await findLeftovers(repo.root, from, pending);
  return { root: repo.root, server: s, from, to: target, moved, changes, manifest: root.manifest, leftovers, dropped: dropped.map((d) => `${s.folder}/${d}`), warnings: root.warnings };
}

/** True when `dir` holds nothing but folders and temporary files (`.<name>.mcpm-tmp-xxxxxxxx`). */
async function onlyTransient(dir: string): Promise<boolean> {
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!(await onlyTransient(path.join(dir, e.name)))) return false;
    } else if (!(e.isFile() && isTransientName(e.name))) return false;
  }
  return true;
}

/**
 * Removes the new folder a killed rename left while staging (`server-<to>/` holding only
 * temporary files and folders: its renames had not started, so the journal holds nothing to finish).
 */
async function removeStagedFolder(root: string, to: string): Promise<void> {
  if (validateServerName(to) !== true) return;
  const dir = path.join(root, toFolder(to));
  const st = await fs.lstat(dir).catch(() => null);
  if (st?.isDirectory() && (await onlyTransient(dir))) await fs.rm(dir, { recursive: true, force: true });
}

/** Whether `folder` has files tracked by git (false outside git). */
async function tracked(root: string, folder: string): Promise<boolean> {
  const r = await runProcess("git", ["ls-files", "-z", "--", folder], { cwd: root });
  return r.code === 0 && r.stdout.length > 0;
}

/**
 * The core of `rename-server` (never prompts): moves the server folder and renames every name
 * derived from the server's name (manifest entry, README row, root `.env.example` section, lock
 * entry; in the folder: Dockerfile, k8s objects and ConfigMap and Secret names, `.env.example`,
 * `SERVER_NAME`, the server's `OLD_*` variables) through the one write transaction: the new files
 * are staged, then renamed into place and the old folder renamed away, journaled, so a killed run
 * is finished by the next one. When the old folder was tracked by git, the move is then staged
 * (`git add -A` of both folders, what `git mv` records), so git shows it as renames.
 *
 * @throws UserError for an invalid or taken new name (as add-server), a missing folder, uncommitted changes.
 */
export async function renameServer(opts: RenameServerOptions): Promise<RenameServerResult> {
  let wasTracked = false;
  const result = await runWrite<RenameServerPlan, void>({
    command: "rename-server",
    start: opts.cwd,
    dryRun: opts.dryRun,
    allowDirty: opts.allowDirty,
    beforeCommit: opts.beforeCommit,
    removeLeftovers: async (repo) => {
      await removeTransientFiles(repo);
      await removeStagedFolder(repo.root, opts.to);
    },
    plan: async (repo) => {
      const plan = await planRenameServer(repo, opts);
      wasTracked = plan.moved && !opts.dryRun && (await tracked(repo.root, plan.from.folder));
      return plan;
    },
    changes: (plan) => plan.changes,
    // A folder renamed by hand is the user's uncommitted move: only the root files are guarded then.
    guard: (plan) => ({ paths: plan.changes.filter(isWrite).map((c) => c.path).filter((p) => plan.moved || !p.startsWith(`${plan.to.folder}/`)), verb: "rename-server would change or move" }),
  });
  let staged = false;
  if (wasTracked && !result.dryRun) {
    const r = await runProcess("git", ["add", "-A", "--", result.plan.from.folder, result.plan.to.folder], { cwd: result.repo.root, group: false });
    staged = r.code === 0;
  }
  return { ...result.plan, dryRun: result.dryRun, dirty: result.dirty, staged };
}
