import type { FileChange } from "../monorepo/changes.js";
import type { Manifest, ManifestServer } from "../monorepo/manifest.js";

/** Root-level files `add-server` updates (besides creating `server-<name>/`). */
export interface RootFileUpdates {
  /** New text of `mcp-monorepo.yaml` (server appended; comments and formatting kept). */
  manifest: string;
  /** New text of `README.md` (table regenerated between its markers, or appended). */
  readme: string;
  /** True when the README had no (complete) marker pair, so a fresh marked table was appended at its end. */
  readmeAppended: boolean;
  /** True when `README.md` did not exist and is created holding only the table. */
  readmeCreated: boolean;
  /** New text of the root `.env.example` (the server's section appended). */
  envExample: string;
  /** New text of `mcp-monorepo.lock.json` (the new server's vendored files recorded). */
  lock: string;
}

/**
 * What `add-server` plans to do (planned before anything is written; results are data, printing is the CLI's job).
 * Produced by `planAddServer`, applied by `addServer`.
 */
export interface AddServerPlan {
  /** Absolute monorepo root (the folder holding `mcp-monorepo.yaml`). */
  root: string;
  /** The manifest entry appended for the new server. */
  server: ManifestServer;
  /** The manifest after the change (the new server last). */
  manifest: Manifest;
  /**
   * Every file touched, in commit order: the new server's files, then `.env.example`,
   * `README.md`, `mcp-monorepo.yaml`, and the lock file last. Kinds are `create` or `update`
   * (`unchanged` only if a root file would not change).
   */
  changes: FileChange[];
  /** True when the README had no markers and a fresh marked table is appended at its end. */
  readmeAppended: boolean;
  /** Advice worth showing that does not block the change (e.g. another server's folder is missing). */
  warnings: string[];
}

/** What `addServer` did or, with `dryRun`, would do. */
export interface AddServerResult extends AddServerPlan {
  /** True when nothing was written (`--dry-run`). */
  dryRun: boolean;
  /**
   * Root-relative files add-server would modify that have uncommitted git changes
   * (`git status --porcelain`). Only non-empty when allowed (`allowDirty`) or in a dry run;
   * otherwise such files are a refusal. `null` when not checked (not a git work tree, or git missing).
   */
  dirty: string[] | null;
}
