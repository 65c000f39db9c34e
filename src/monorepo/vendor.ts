import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import path from "node:path";
import { CannotRunError, UserError } from "../kernel/errors.js";
import { isTransientName } from "./changes.js";
import { byCodeUnit } from "../kernel/compare.js";
import { secretKind } from "./secrets.js";

/**
 * The canonical shared package and its vendored copies.
 *
 * The deployment checklist ("Handling Shared Code", option 1) requires shared code to be
 * embedded in each server (`server-x/src/shared/`), never referenced by path: FastMCP Cloud
 * builds each server from its own folder.
 * `shared/` at the root is the source of truth; `sync` copies it and records
 * what it wrote in {@link LOCK_FILE}.
 */

/** Root folder of the canonical shared package. */
export const SHARED_DIR = "shared";
/** Where each server holds its vendored copy, relative to the server folder. */
export const VENDORED_DIR = "src/shared";
/** The sync state file at the monorepo root (JSON, see {@link SyncLock}). */
export const LOCK_FILE = "mcp-monorepo.lock.json";

/**
 * Glob patterns (relative to `shared/`) that are never vendored:
 * bytecode, secrets (`.env`, `.env.*` but not `.env.example`), editor and OS junk.
 */
export const NEVER_VENDORED = [
  "**/__pycache__/**",
  "**/*.py[cod]",
  "**/.env",
  "**/.env.!(example)",
  "**/.DS_Store",
  "**/Thumbs.db",
  "**/desktop.ini",
  "**/*~",
  "**/*.sw[op]",
  "**/.#*",
  "**/#*#",
  "**/.idea/**",
  "**/.vscode/**",
  "**/.mypy_cache/**",
  "**/.pytest_cache/**",
  "**/.ruff_cache/**",
  "**/*.mcpm-*",
];

/** Folder names whose whole subtree is never vendored (the `/**` entries of {@link NEVER_VENDORED}). */
const NEVER_VENDORED_DIRS = new Set(["__pycache__", ".idea", ".vscode", ".mypy_cache", ".pytest_cache", ".ruff_cache"]);

/**
 * True when a POSIX path relative to a shared folder matches {@link NEVER_VENDORED}
 * (the same rules, written as plain string tests so a 30,000-file scan needs no glob engine;
 * `test/sync/never-vendored.test.ts` checks both agree).
 */
export function isNeverVendored(rel: string): boolean {
  const parts = rel.split("/");
  for (let i = 0; i < parts.length - 1; i++) if (NEVER_VENDORED_DIRS.has(parts[i]!)) return true;
  const name = parts[parts.length - 1]!;
  return (
    /\.py[cod]$/.test(name) ||
    name === ".env" ||
    (name.startsWith(".env.") && name !== ".env.example") ||
    name === ".DS_Store" ||
    name === "Thumbs.db" ||
    name === "desktop.ini" ||
    name.endsWith("~") ||
    /\.sw[op]$/.test(name) ||
    name.startsWith(".#") ||
    (name.length >= 2 && name.startsWith("#") && name.endsWith("#")) ||
    name.includes(".mcpm-")
  );
}

/**
 * Files that belong to the canonical package but are not copied into servers' `src/shared/`:
 * `requirements.txt` is merged into each server's requirements.txt and `.env.example` into each
 * `.env.example` (managed blocks, see src/sync/requirements-merge.ts and src/monorepo/env-block.ts).
 */
export const NOT_COPIED = new Set(["requirements.txt", ".env.example"]);

/** One file of the canonical shared package. */
export interface SharedFile {
  /** POSIX path relative to `shared/`. */
  path: string;
  content: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  /** Lower-case hex SHA-256 of `content`, line endings normalised for text ({@link vendorHash}). */
  sha256: string;
}

/** Lower-case hex SHA-256 of some bytes (node:crypto). */
export function sha256(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}

/**
 * The hash `sync`, the lock and `check` compare vendored files by: SHA-256 of the content as a
 * checkout under the generated `.gitattributes` (`* text=auto eol=lf`) leaves it. For a text file
 * (git's `text=auto` test: no NUL byte in the first 8000 bytes) every CRLF counts as LF, so a file
 * vendored with CRLF, committed (git stores it with LF) and cloned again (LF) hashes the same as
 * before the commit (https://git-scm.com/docs/gitattributes#_text, `eol`). Binary files hash as they are.
 */
export function vendorHash(content: Buffer): string {
  const head = content.subarray(0, 8000);
  if (head.includes(0) || !content.includes(13)) return sha256(content);
  return sha256(Buffer.from(content.toString("latin1").replace(/\r\n/g, "\n"), "latin1"));
}

/**
 * Lists files under `dir` (recursively, dot-files included) that are not
 * {@link NEVER_VENDORED} ({@link isNeverVendored}). Symlinks are returned too so callers can
 * vet them; a symlinked folder is listed through (its files then fail the caller's vetting if
 * they lie outside), a dangling symlink is skipped, and a folder symlink that loops back to one
 * of its own ancestors is not followed.
 *
 * A plain walk rather than a glob: glob engines match `*` with a regular expression whose `.`
 * skips line terminators, so a name starting with `\r` or `\n` was silently never vendored.
 *
 * @returns POSIX relative paths, sorted.
 */
export async function listVendorableFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (abs: string, rel: string, ancestors: Set<string>): Promise<void> => {
    for (const e of await fs.readdir(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const child = path.join(abs, e.name);
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        const st = await fs.stat(child).catch(() => null);
        if (!st) continue; // dangling
        isDir = st.isDirectory();
      }
      if (isDir) {
        if (isNeverVendored(`${r}/x`)) continue;
        const real = await fs.realpath(child);
        if (ancestors.has(real)) continue; // a loop
        await walk(child, r, new Set([...ancestors, real]));
      } else if ((e.isFile() || e.isSymbolicLink()) && !isNeverVendored(r) && !isTransientName(e.name)) {
        found.push(r);
      }
    }
  };
  await walk(dir, "", new Set([await fs.realpath(dir)]));
  return found.sort();
}

/**
 * Reads the canonical `shared/` package of a monorepo: every vendorable file
 * with its bytes, mode and hash. Symlinks inside `shared/` are followed only
 * when they point inside `shared/`.
 *
 * Secret-looking files (src/monorepo/secrets.ts: private keys, credential files, `.env` files)
 * are never returned: a server's copy must not carry them into a bundle or an image.
 *
 * @param root - absolute monorepo root.
 * @param opts.includeNotCopied - also return {@link NOT_COPIED} files (default false).
 * @param opts.secrets - when given, receives each secret-looking file left out (path relative to `shared/`, what it is).
 * @throws UserError if `shared/` is missing or a symlink points outside it.
 */
export async function readCanonicalShared(root: string, opts: { includeNotCopied?: boolean; secrets?: Array<{ path: string; what: string }> } = {}): Promise<SharedFile[]> {
  const dir = path.join(root, SHARED_DIR);
  const st = await fs.stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new CannotRunError(`canonical shared package not found: ${dir}`);
  const realDir = await fs.realpath(dir);
  const out: SharedFile[] = [];
  for (const rel of await listVendorableFiles(dir)) {
    if (!opts.includeNotCopied && NOT_COPIED.has(rel)) continue;
    const what = secretKind(rel);
    if (what) {
      opts.secrets?.push({ path: rel, what });
      continue;
    }
    const abs = path.join(dir, ...rel.split("/"));
    // Every path is vetted, not only symlinks: a file reached through a symlinked folder can escape too.
    const target = await fs.realpath(abs).catch(() => null);
    const inside = target !== null && target.startsWith(realDir + path.sep);
    if (!inside) throw new UserError(`${SHARED_DIR}/${rel} is a symlink (or inside a symlinked folder) that points outside ${SHARED_DIR}/; replace it with a real file`);
    const tst = await fs.stat(abs);
    if (!tst.isFile()) continue;
    const content = await fs.readFile(abs);
    const mode = (await fs.stat(abs)).mode & 0o777;
    out.push({ path: rel, content, mode, sha256: vendorHash(content) });
  }
  return out;
}

/** What `sync` last wrote into one server's vendored copy. */
export interface VendoredState {
  /** POSIX path relative to the server's `src/shared/` → hash and mode written. */
  files: Record<string, { sha256: string; mode: number }>;
}

/** The sync state kept in {@link LOCK_FILE}. */
export interface SyncLock {
  lockVersion: 1;
  /** Keyed by server name (not folder). */
  servers: Record<string, VendoredState>;
}

/** An empty lock. */
export function emptyLock(): SyncLock {
  return { lockVersion: 1, servers: {} };
}

/** The lock entry describing a vendored copy written from `files`. */
export function vendoredStateOf(files: SharedFile[]): VendoredState {
  const entries: VendoredState["files"] = {};
  for (const f of [...files].sort((a, b) => byCodeUnit(a.path, b.path))) entries[f.path] = { sha256: f.sha256, mode: f.mode };
  return { files: entries };
}

/** Serialises a lock deterministically (servers and files sorted, 2-space JSON, trailing newline). */
export function serializeLock(lock: SyncLock): string {
  const servers: SyncLock["servers"] = {};
  for (const name of Object.keys(lock.servers).sort()) {
    const files: VendoredState["files"] = {};
    const state = lock.servers[name]!;
    for (const p of Object.keys(state.files).sort()) files[p] = state.files[p]!;
    servers[name] = { files };
  }
  return JSON.stringify({ lockVersion: 1, servers }, null, 2) + "\n";
}

/**
 * Reads the lock at the monorepo root; a missing lock is an empty one.
 *
 * @throws UserError if the file exists but is not a valid lock.
 */
export async function readLock(root: string): Promise<SyncLock> {
  const file = path.join(root, LOCK_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyLock();
    // Node's read of a folder says EISDIR without the path: name the file.
    if ((err as NodeJS.ErrnoException).code === "EISDIR") throw new CannotRunError(`${LOCK_FILE} is a folder, not a file: move it away (sync writes the lock again)`);
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CannotRunError(`${LOCK_FILE} is not valid JSON (${(err as Error).message}); delete it and run \`npx create-mcp-monorepo sync --force\``);
  }
  const lock = data as SyncLock;
  if (!lock || lock.lockVersion !== 1 || typeof lock.servers !== "object" || lock.servers === null) {
    throw new CannotRunError(`${LOCK_FILE} has an unknown format (expected lockVersion 1)`);
  }
  return lock;
}
