import { changedPaths } from "../monorepo/git.js";
import { LOCK_FILE } from "../monorepo/vendor.js";
import { MANIFEST_FILE } from "../monorepo/manifest.js";
import { openMonorepo, type Monorepo } from "../monorepo/monorepo.js";

/** The generated CI workflow: a change to it runs every server's jobs. */
export const CI_WORKFLOW = ".github/workflows/ci.yml";

/** Which servers a change touches, and why. */
export interface Affected {
  /** True when every server is selected. */
  all: boolean;
  /** Why every server is selected (a changed shared file or manifest, `--all`, an unknown base); null otherwise. */
  reason: string | null;
  /** Selected server names, in manifest order. */
  servers: string[];
  /** Their folders (the generated CI's matrix values), in the same order. */
  folders: string[];
}

/**
 * The servers whose jobs a set of changed files needs (pure): a server whose folder holds a
 * changed file; every server when a file of the shared code folder, the manifest, the lock or
 * the CI workflow changed (each server vendors shared/ and is listed by the manifest); none for
 * anything else (README.md, docs).
 *
 * @param changed - POSIX paths relative to the monorepo root.
 */
export function affectedBy(repo: Pick<Monorepo, "servers" | "manifest">, changed: readonly string[]): Affected {
  const all = (reason: string): Affected => ({ all: true, reason, servers: repo.servers.map((s) => s.name), folders: repo.servers.map((s) => s.folder) });
  const shared = repo.manifest.shared.replace(/\\/g, "/").replace(/^\.\//, "").replace(/\/$/, "");
  for (const p of changed) {
    if (p === MANIFEST_FILE || p === LOCK_FILE) return all(`${p} changed`);
    if (p.startsWith(`${shared}/`)) return all(`${p} changed (shared code)`);
    if (p === CI_WORKFLOW) return all(`${p} changed`);
  }
  const picked = repo.servers.filter((s) => changed.some((p) => p.startsWith(`${s.folder}/`)));
  return { all: false, reason: null, servers: picked.map((s) => s.name), folders: picked.map((s) => s.folder) };
}

/** Options of {@link findAffected}. */
export interface AffectedOptions {
  /** Absolute folder to start from (walks up to the monorepo). */
  start: string;
  /** The commit to compare with (a pull request's base, a push's `before`); ignored with `all`. */
  base?: string;
  /** The commit compared (default HEAD). */
  head?: string;
  /** Every server (scheduled and manual runs). */
  all?: boolean;
}

/**
 * The servers changed since `base` ({@link affectedBy} over `git diff base...head`). Every server
 * when `all` is set, when there is no base, or when git does not know it (a shallow clone, a new
 * branch's first push): running too much is safe, skipping a changed server is not.
 *
 * @throws CannotRunError outside a monorepo or a git work tree.
 */
export async function findAffected(opts: AffectedOptions): Promise<Affected & { changed: string[] | null }> {
  const repo = await openMonorepo(opts.start);
  const every = (reason: string) => ({ ...affectedBy(repo, [MANIFEST_FILE]), reason, changed: null });
  if (opts.all) return every("--all (a scheduled or manual run)");
  if (!opts.base) return every("no --base");
  const changed = await changedPaths(repo.root, opts.base, opts.head);
  if (changed === null) return every(`${opts.base} is not a commit of this clone (fetch the history: actions/checkout fetch-depth: 0)`);
  return { ...affectedBy(repo, changed), changed };
}
