import type { FileChange } from "../monorepo/changes.js";
import type { SyncLock, VendoredState } from "../monorepo/vendor.js";

/**
 * Data types of the sync core: results are data, and printing them is the CLI's job.
 * Every path in these types is POSIX. Paths named `path` are relative to the
 * monorepo root unless a field says otherwise.
 */

/** The hash and permission bits of one file, as canonical, as recorded in the lock, or as found on disk. */
export interface FileFingerprint {
  /** Lower-case hex SHA-256 of the bytes; for a symlink found in a vendored folder, `symlink:<target>` (never equal to a file hash). */
  sha256: string;
  /** Permission bits, e.g. `0o644`. */
  mode: number;
}

/**
 * What sync decides for one file of a vendored copy:
 * - `create`: canonical file missing from the vendored copy (new, or deleted there by hand): written.
 * - `update`: canonical changed since the last sync and the vendored copy was not edited: rewritten.
 * - `delete`: removed from canonical; the vendored copy is what sync last wrote: removed.
 * - `unchanged`: already equal to canonical (bytes and executable bit); not rewritten.
 * - `adopt`: equal to canonical but missing from the lock (lock lost or a killed run): recorded, not rewritten.
 * - `conflict`: edited by hand since the last sync (or never written by sync and different): left alone.
 * - `unmanaged`: a file sync never wrote and canonical does not have: reported, never touched.
 * - `forced-update` / `forced-delete`: a conflict that `--force` overwrites or removes, discarding the hand edit.
 */
export type VendoredAction =
  | "create"
  | "update"
  | "delete"
  | "unchanged"
  | "adopt"
  | "conflict"
  | "unmanaged"
  | "forced-update"
  | "forced-delete";

/** One file's decision. `path` is relative to the server's `src/shared/`. */
export interface VendoredDecision {
  path: string;
  action: VendoredAction;
  /** Why, in a few words (always set for conflict, unmanaged and forced actions). */
  reason?: string;
}

/** Result of {@link planVendoredFiles}: the decisions and the lock entry to record if they are applied. */
export interface VendoredPlan {
  /** One decision per path in canonical ∪ lock ∪ disk, sorted by path. */
  decisions: VendoredDecision[];
  /** The server's lock entry after applying the decisions (conflicts keep their old entry). */
  lockState: VendoredState;
}

/** A vendored file whose hand edit sync will not overwrite (or, with `--force`, overwrites). */
export interface SyncConflict {
  /** Server name from the manifest. */
  server: string;
  /** Root-relative path of the vendored file, e.g. `server-ops/src/shared/config.py`. */
  path: string;
  /** Root-relative path of the canonical file (`shared/...`); null when canonical no longer has it. */
  canonical: string | null;
  reason: string;
  /** Unified diff from the vendored copy (`---`) to canonical (`+++`): the `-` lines are what an overwrite discards. */
  diff: string;
  /** True when `--force` overwrites (or removes) it. */
  forced: boolean;
}

/** A file in a vendored folder that sync never wrote; reported and left alone. */
export interface UnmanagedFile {
  server: string;
  /** Root-relative path. */
  path: string;
}

/** A requirements.txt problem that stops a server from being synced. `line` is 1-based when known. */
export interface RequirementError {
  /** Server name, or null for a problem in `shared/requirements.txt` (which blocks every server). */
  server: string | null;
  /** Root-relative file. */
  file: string;
  line?: number;
  message: string;
}

/** A transient file a killed `applyChanges` left behind (`.<name>.mcpm-tmp-xxxxxxxx`, `...-bak-...`); sync removes it. */
export interface Leftover {
  /** Server name, or null for one next to the lock file. */
  server: string | null;
  /** Root-relative path. */
  path: string;
}

/**
 * Status of one server after planning:
 * - `in-sync`: nothing to write;
 * - `out-of-date`: files, requirements or its lock entry will be written;
 * - `blocked`: has conflicts (without `--force`) or requirement errors, so nothing of it is written.
 */
export type ServerStatus = "in-sync" | "out-of-date" | "blocked";

/** Everything planned for one server. */
export interface ServerSyncPlan {
  name: string;
  /** Root-relative server folder, e.g. `server-ops`. */
  folder: string;
  status: ServerStatus;
  /** File changes for this server (root-relative paths), whether or not they will be applied; no `unchanged` entries. */
  changes: FileChange[];
  /** Per-file decisions in the vendored folder (paths relative to `src/shared/`), including unchanged ones. */
  decisions: VendoredDecision[];
  conflicts: SyncConflict[];
  unmanaged: UnmanagedFile[];
  requirementErrors: RequirementError[];
  /** Problems of its `.env.example` (or of `shared/.env.example`, which block every server); same shape as requirement errors. */
  envErrors: RequirementError[];
  leftovers: Leftover[];
  /** True when the server's lock entry differs (beyond file-mode noise) from the one recorded. */
  lockChanged: boolean;
  /** True when the managed block of `requirements.txt` or `pyproject.toml` (or the file) will be written. */
  requirementsChanged: boolean;
  /**
   * True when its pyproject.toml's block changes and it has a uv.lock: the lock and the
   * requirements.txt exported from it must be made again (`mcp-monorepo lock`; sync does it
   * when uv is installed).
   */
  needsLock: boolean;
  /** True when the shared-settings block of its `.env.example` (or the file) will be written. */
  envChanged: boolean;
  /**
   * Generated files sync would have updated but left as they are because they were edited by
   * hand (today: a `k8s.yaml` whose `.env.example` changed; src/sync/k8s-follow.ts).
   */
  kept: Array<{ path: string; reason: string }>;
}

/** Options of {@link planSync}. */
export interface PlanSyncOptions {
  /** Absolute monorepo root. */
  root: string;
  /** Servers of the manifest (name, folder, requirements path; the description for k8s.yaml). */
  servers: Array<{ name: string; folder: string; requirements: string; description?: string }>;
  /** The lock as read (see `readLock`). */
  lock: SyncLock;
  /**
   * Sync only these servers (a `--server` selection, from `Monorepo.select`); default all. A
   * partial sync keeps the other servers' lock entries and leaves the root `.env.example` alone.
   */
  selected?: PlanSyncOptions["servers"];
  /** Overwrite conflicts (hand edits) with canonical. */
  force: boolean;
  /**
   * The manifest's Python version and targets: with the k8s target, a pristine `k8s.yaml` follows
   * its server's `.env.example` when the shared block changes (src/sync/k8s-follow.ts).
   */
  deploy?: { python: string; targets: readonly string[] };
}

/** The whole plan: per-server detail plus the flat change list to apply (lock last). */
export interface SyncPlan {
  perServer: ServerSyncPlan[];
  /** Changes to apply, in order, for servers that are not blocked; the lock file change (if any) is last. */
  changes: FileChange[];
  /** Transient leftovers to delete before applying. */
  leftovers: Leftover[];
  conflicts: SyncConflict[];
  unmanaged: UnmanagedFile[];
  requirementErrors: RequirementError[];
  /**
   * Problems of `shared/.env.example` (server null), of the root `.env.example` (server null) and of
   * every server's `.env.example`. Empty when `shared/.env.example` does not exist (nothing is managed then).
   */
  envErrors: RequirementError[];
  /**
   * The root `.env.example`'s shared-settings block: `unchanged`, `update` (or `create`) when it will be
   * written, `blocked` when it has a problem, `skipped` when not managed (no `shared/.env.example`,
   * or a sync of selected servers only).
   */
  rootEnv: "unchanged" | "create" | "update" | "blocked" | "skipped";
  /** The lock as it will be written (blocked servers keep their old entries). */
  lock: SyncLock;
  lockChanged: boolean;
  /** Number of canonical files vendored into each server. */
  canonicalFileCount: number;
  /** True when nothing at all would be written or deleted and no server has a problem or an unmanaged file. */
  inSync: boolean;
  /** Secret-looking files of `shared/` (root-relative) that are never vendored, and what each is. */
  secretsLeftOut: Array<{ path: string; what: string }>;
}
