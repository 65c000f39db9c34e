import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { secretKind } from "../monorepo/secrets.js";

/**
 * Which files of a server folder go into its bundle: what its `.mcpbignore` keeps, never
 * secrets (private keys, credential files, `.env` files), tests or caches.
 *
 * Three filters apply, all in gitignore syntax (the `ignore` package, as `@anthropic-ai/mcpb
 * pack` uses for its own `.mcpbignore`): the secret patterns of src/monorepo/secrets.ts and
 * {@link BUILTIN_IGNORE}, which a `.mcpbignore` cannot undo (a `!.env` line there does not
 * bring secrets back), and the server's `.mcpbignore`, if any. A secret left out is reported
 * to the caller, which names it in a warning.
 */

/** Name of the per-server ignore file. */
export const MCPBIGNORE = ".mcpbignore";

/**
 * Always left out (besides secrets): tests, virtualenvs, caches,
 * bytecode, VCS and editor files, earlier bundles, and the names the bundle itself writes
 * (`manifest.json`, `deps/`) plus the build-time `.mcpbignore`.
 */
export const BUILTIN_IGNORE = [
  ".venv/",
  "venv/",
  "env/",
  "tests/",
  "test/",
  "__pycache__/",
  "*.pyc",
  "*.pyo",
  ".pytest_cache/",
  ".mypy_cache/",
  ".ruff_cache/",
  ".cache/",
  ".tox/",
  ".coverage",
  "htmlcov/",
  "*.egg-info/",
  "node_modules/",
  ".git/",
  ".DS_Store",
  "*.mcpb",
  "*.mcpb.sha256",
  "/manifest.json",
  "/deps/",
  "/.mcpbignore",
];

/** One file to bundle. */
export interface BundleFile {
  /** POSIX path inside the bundle (and relative to the server folder), e.g. `src/server.py`. */
  rel: string;
  /** Absolute path on disk. */
  abs: string;
}

type Matcher = { ignores(p: string): boolean };

/** Builds the two matchers (built-in and the server's `.mcpbignore`, when it exists). */
export async function loadIgnore(serverDir: string): Promise<{ builtin: Matcher; user: Matcher | null; userFile: string | null }> {
  const { default: ignore } = await import("ignore");
  const builtin = ignore().add(BUILTIN_IGNORE);
  const file = path.join(serverDir, MCPBIGNORE);
  const text = await fs.readFile(file, "utf8").catch(() => null);
  return { builtin, user: text === null ? null : ignore().add(text), userFile: text === null ? null : file };
}

/** Options of {@link collectBundleFiles}. */
export interface CollectOptions {
  /** Entry file relative to the server folder (POSIX), default `src/server.py`. */
  entry?: string;
  /** Called for each secret-looking file or folder left out (relative POSIX path, what it is). */
  onSecret?: (rel: string, what: string) => void;
}

/**
 * Lists the server folder's files that go into the bundle, sorted by path.
 *
 * @param serverDir - absolute server folder.
 * @throws UserError when the folder is missing; when a file that would be bundled is a symbolic
 *   link or not a regular file (a bundle holds regular files only); when the entry file is
 *   excluded or missing.
 */
export async function collectBundleFiles(serverDir: string, folder: string, opts: CollectOptions = {}): Promise<BundleFile[]> {
  const entry = opts.entry ?? "src/server.py";
  if (!(await fs.stat(serverDir).then((s) => s.isDirectory(), () => false))) {
    throw new UserError(`${folder}/ does not exist (the folder mcp-monorepo.yaml names for this server); restore it or fix its folder: in mcp-monorepo.yaml`);
  }
  const { builtin, user } = await loadIgnore(serverDir);
  const ignored = (rel: string) => builtin.ignores(rel) || Boolean(user?.ignores(rel));
  const secret = (rel: string) => {
    const what = secretKind(rel);
    if (what) opts.onSecret?.(rel, what);
    return what !== null;
  };
  const out: BundleFile[] = [];
  async function walk(relDir: string): Promise<void> {
    const entries = await fs.readdir(path.join(serverDir, relDir), { withFileTypes: true });
    for (const e of entries) {
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      const abs = path.join(serverDir, rel);
      if (e.isDirectory()) {
        if (!ignored(rel + "/") && !secret(rel + "/")) await walk(rel);
      } else if (!ignored(rel) && !secret(rel)) {
        if (!e.isFile()) {
          throw new UserError(`${folder}/${rel} is ${e.isSymbolicLink() ? "a symbolic link" : "not a regular file"}; a bundle holds regular files only (replace it with the file, or list it in ${folder}/${MCPBIGNORE})`);
        }
        out.push({ rel, abs });
      }
    }
  }
  await walk("");
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  if (!out.some((f) => f.rel === entry)) {
    throw new UserError(`${folder}/${entry} would not be in the bundle (missing, or excluded by ${folder}/${MCPBIGNORE}); the bundle's entry point is ${entry}`);
  }
  return out;
}
