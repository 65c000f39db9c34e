import path from "node:path";
import { CannotRunError } from "../kernel/errors.js";
import { loadManifest, loadManifestFrom, MANIFEST_FILE, normalizeFolder, type LoadedManifest, type Manifest, type ManifestServer } from "./manifest.js";
import { readLock, type SyncLock } from "./vendor.js";

/** A server of the manifest, with its folder normalised and resolved. */
export interface MonorepoServer extends ManifestServer {
  /** Root-relative POSIX folder, normalised (`./server-a/` is `server-a`). */
  folder: string;
  /** Absolute folder. */
  dir: string;
}

/**
 * One monorepo as a command sees it: opened once per command (and once more under the busy
 * marker by a writing command, see `./transaction.ts`), from a validated manifest.
 */
export interface Monorepo {
  /** Absolute root (the folder holding `mcp-monorepo.yaml`). */
  root: string;
  /** The manifest as read, with its YAML document for edits. */
  loaded: LoadedManifest;
  manifest: Manifest;
  /** Absolute path of the canonical shared code folder. */
  shared: string;
  /** Every server, in manifest order. */
  servers: MonorepoServer[];
  /** Reads `mcp-monorepo.lock.json` (an empty lock when it does not exist). */
  readLock(): Promise<SyncLock>;
  /**
   * The servers a `--server` option names, in the order given, each once; every server when
   * `names` is empty or undefined. A value may be a server's name, its folder, or `server-<name>`.
   *
   * @throws UnknownServerError (exit 2, "could not run") naming the unknown values and the servers there are.
   */
  select(names?: readonly string[]): MonorepoServer[];
}

/** `--server` values that name no server of the manifest ("could not run", exit 2). */
export class UnknownServerError extends CannotRunError {
  readonly unknown: readonly string[];
  readonly known: readonly string[];
  constructor(unknown: readonly string[], known: readonly string[]) {
    super(unknownServerMessage(unknown, known));
    this.unknown = unknown;
    this.known = known;
  }
}

/** Turns `loaded` into the {@link Monorepo} value. */
export function monorepoOf(loaded: LoadedManifest): Monorepo {
  const { root, manifest } = loaded;
  const servers: MonorepoServer[] = manifest.servers.map((s) => {
    const folder = normalizeFolder(s.folder);
    return { ...s, folder, dir: path.join(root, ...folder.split("/")) };
  });
  return {
    root,
    loaded,
    manifest,
    shared: path.join(root, ...normalizeFolder(manifest.shared).split("/")),
    servers,
    readLock: () => readLock(root),
    select: (names) => selectServers(servers, names ?? []),
  };
}

function selectServers(servers: MonorepoServer[], names: readonly string[]): MonorepoServer[] {
  if (names.length === 0) return servers;
  const find = (n: string) =>
    servers.find((s) => s.name === n) ?? servers.find((s) => s.folder === normalizeFolder(n)) ?? servers.find((s) => `server-${s.name}` === n);
  const unknown = names.filter((n) => !find(n));
  if (unknown.length > 0) {
    throw new UnknownServerError(unknown, servers.map((s) => s.name));
  }
  return [...new Set(names.map((n) => find(n)!))];
}

/** The one message for `--server` values that name no server. */
export function unknownServerMessage(unknown: readonly string[], known: readonly string[]): string {
  return `unknown server ${unknown.map((n) => `"${n}"`).join(", ")} (servers in ${MANIFEST_FILE}: ${known.join(", ") || "none"})`;
}

/**
 * Opens the monorepo above `start` (walks up to `mcp-monorepo.yaml`).
 *
 * @throws UserError (exit 2) outside a monorepo, or for an unreadable or invalid manifest.
 */
export async function openMonorepo(start: string): Promise<Monorepo> {
  return monorepoOf(await loadManifestFrom(start));
}

/** Opens the monorepo whose root is `root` (its manifest read again). */
export async function openMonorepoAt(root: string): Promise<Monorepo> {
  return monorepoOf(await loadManifest(root));
}
