import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "../kernel/errors.js";

/**
 * Which files of a server folder go into its bundle: honours `.mcpbignore`, never
 * holds `.env` files, tests or caches.
 *
 * Two filters apply, both in gitignore syntax (the `ignore` package, as `@anthropic-ai/mcpb
 * pack` uses for its own `.mcpbignore`): {@link BUILTIN_IGNORE}, which a `.mcpbignore` cannot
 * undo (a `!.env` line there does not bring secrets back), and the server's `.mcpbignore`, if any.
 */

/** Name of the per-server ignore file. */
export const MCPBIGNORE = ".mcpbignore";

/**
 * Always left out: secrets (`.env`, `.env.*`, but `.env.example`), tests, virtualenvs, caches,
 * bytecode, VCS and editor files, earlier bundles, and the names the bundle itself writes
 * (`manifest.json`, `deps/`) plus the build-time `.mcpbignore`.
 */
export const BUILTIN_IGNORE = [
  ".env",
  ".env.*",
  "!.env.example",
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

/**
 * Lists the server folder's files that go into the bundle, sorted by path.
 *
 * @param serverDir - absolute server folder.
 * @throws UserError when a file that would be bundled is a symbolic link or not a regular file
 *   (a bundle holds regular files only), or when `src/server.py` is excluded or missing.
 */
export async function collectBundleFiles(serverDir: string, folder: string): Promise<BundleFile[]> {
  const { builtin, user } = await loadIgnore(serverDir);
  const ignored = (rel: string) => builtin.ignores(rel) || Boolean(user?.ignores(rel));
  const out: BundleFile[] = [];
  async function walk(relDir: string): Promise<void> {
    const entries = await fs.readdir(path.join(serverDir, relDir), { withFileTypes: true });
    for (const e of entries) {
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      const abs = path.join(serverDir, rel);
      if (e.isDirectory()) {
        if (!ignored(rel + "/")) await walk(rel);
      } else if (!ignored(rel)) {
        if (!e.isFile()) {
          throw new UserError(`${folder}/${rel} is ${e.isSymbolicLink() ? "a symbolic link" : "not a regular file"}; a bundle holds regular files only (replace it with the file, or list it in ${folder}/${MCPBIGNORE})`);
        }
        out.push({ rel, abs });
      }
    }
  }
  await walk("");
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  if (!out.some((f) => f.rel === "src/server.py")) {
    throw new UserError(`${folder}/src/server.py would not be in the bundle (missing, or excluded by ${folder}/${MCPBIGNORE}); the bundle's entry point is src/server.py`);
  }
  return out;
}
