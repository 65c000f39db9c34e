import * as fsSync from "node:fs";
import path from "node:path";
import { compare as semverCompare } from "semver";
import { byCodeUnit } from "../kernel/compare.js";
import { CancelledError, CannotRunError, throwIfCancelled, UserError } from "../kernel/errors.js";
import { isWrite, resolveInside, type FileChange } from "../monorepo/changes.js";
import { MANIFEST_FILE, type Manifest } from "../monorepo/manifest.js";
import type { Monorepo } from "../monorepo/monorepo.js";
import { openMonorepo } from "../monorepo/monorepo.js";
import { PYPROJECT, UV_LOCK } from "../monorepo/pyproject.js";
import { SHARED_REQUIREMENTS } from "../monorepo/requirements.js";
import { LOCK_FILE, NOT_COPIED, SHARED_DIR, VENDORED_DIR, serializeLock, vendorHash } from "../monorepo/vendor.js";
import { removeTransientFiles, runWrite } from "../monorepo/transaction.js";
import { unfinishedCommit } from "../monorepo/busy.js";
import { parseCreateOptions, renderMonorepo } from "../scaffold/create.js";
import { VERSION } from "../version.js";
import { obtainGenerator, PACKAGE_NAME, renderWithPackage } from "./base.js";
import { conflictMarkerLines, decideFile, type MergeOutcome } from "./merge.js";
import { migrateServer, MigrationRefusal, REQUIREMENTS_DEV } from "./migrate.js";

export { decideFile, mergeText, conflictMarkerLines, type MergeOutcome, type MergeDecision } from "./merge.js";
export { MIGRATIONS, migrateServer, type Migration, type ServerLayout } from "./migrate.js";

/**
 * `upgrade`: brings a monorepo made by an older generator version to this one. Every file the
 * generator owns is three-way merged (./merge.ts) between base = what the recorded version
 * rendered for the manifest (./base.ts), theirs = what this version renders for it, and ours =
 * the file on disk; server folders of an older layout are migrated first (./migrate.ts); the
 * manifest's `generator:` moves to this version last. Everything is written as one transaction
 * of the monorepo's write path; the migrated servers are then locked (`lock`).
 */

/** Options of {@link upgradeMonorepo}. */
export interface UpgradeOptions {
  /** Any folder inside the monorepo. */
  cwd: string;
  /** `check`: report only, exit-code style (no base rendered); `dry-run`: the full plan, nothing written. */
  mode: "upgrade" | "check" | "dry-run";
  /** Tarball of the recorded generator version, used instead of npm's. */
  fromPackage?: string;
  allowDirty?: boolean;
  /** Lock the migrated servers after the write (default true; false: say to run `lock`). */
  lock?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Aborting cancels before anything is written ({@link CancelledError}). */
  signal?: AbortSignal;
  /** Test hook passed to `applyChanges` (fault injection). */
  beforeCommit?: (change: FileChange) => void | Promise<void>;
}

/** One generator-owned file and what upgrade did (or would do) with it. */
export interface UpgradeFile {
  path: string;
  outcome: MergeOutcome | "migrated";
  /** Conflicting regions (`conflict`). */
  conflicts?: number;
  /** `migrated` by deleting the file (its lines moved into pyproject.toml). */
  deleted?: boolean;
}

/** What `upgrade` found, did or would do. */
export interface UpgradeResult {
  root: string;
  /** The version the manifest records (`generator:`). */
  from: string;
  /** This version. */
  to: string;
  /** `current`: nothing to upgrade; `pending`: an upgrade is due (check, dry run); `upgraded`: written. */
  status: "current" | "pending" | "upgraded";
  /** Every file whose outcome is not `unchanged`, sorted by path. */
  files: UpgradeFile[];
  /** Layout steps run per server. */
  migrations: Array<{ server: string; steps: string[]; notes: string[] }>;
  /** Files holding conflict markers after the run (written now, or left by an earlier upgrade). */
  conflicts: string[];
  /** The changes, in commit order. */
  changes: FileChange[];
  /** Notes worth showing (a lock not run, a server left in its old layout). */
  notes: string[];
  /** Servers locked after the migration. */
  locked: string[];
  dirty: string[] | null;
  dryRun: boolean;
}

/** The version in a manifest's `generator: create-mcp-monorepo@X`. */
export function recordedVersion(manifest: Pick<Manifest, "generator">): string {
  const m = new RegExp(`^${PACKAGE_NAME}@(\\d+\\.\\d+\\.\\d+(?:[-+][0-9A-Za-z.-]+)?)$`).exec(manifest.generator?.trim() ?? "");
  if (!m) {
    throw new CannotRunError(`${MANIFEST_FILE} records no generator version upgrade can read (generator: ${manifest.generator ?? "missing"}); write the version that made it, e.g. "generator: ${PACKAGE_NAME}@0.1.0"`);
  }
  return m[1]!;
}

/** Renderings by opened monorepo: a run asks for theirs to clean leftovers, plan and find markers. */
const rendered = new WeakMap<Monorepo, Promise<Map<string, Buffer>>>();

/** What this version renders for a monorepo's manifest (once per opened monorepo). */
function renderTheirs(repo: Monorepo): Promise<Map<string, Buffer>> {
  let r = rendered.get(repo);
  if (!r) rendered.set(repo, (r = renderTheirsNow(repo)));
  return r;
}

async function renderTheirsNow(repo: Monorepo): Promise<Map<string, Buffer>> {
  const m = repo.manifest;
  const opts = parseCreateOptions({
    targetDir: repo.root,
    project: m.project,
    servers: m.servers.map((s) => ({ name: s.name, description: s.description })),
    python: m.python,
    git: false,
    repository: m.repository,
    branch: m.branch,
    targets: m.targets,
  });
  const { files } = await renderMonorepo(opts, m);
  return new Map([...files].map(([p, f]) => [p, typeof f.content === "string" ? Buffer.from(f.content, "utf8") : Buffer.from(f.content)]));
}

function readOrNull(root: string, rel: string): Buffer | null {
  const abs = resolveInside(root, rel);
  const st = fsSync.lstatSync(abs, { throwIfNoEntry: false });
  if (!st) return null;
  if (!st.isFile()) throw new UserError(`${rel} is not a regular file (a folder or a link); upgrade owns it: move it away and run upgrade again (nothing was written)`);
  return fsSync.readFileSync(abs);
}

/** Files the three-way merge never touches: the manifest (its `generator:` is set), sync's lock and vendored copies, and what `lock` derives. */
function mergedByOthers(rel: string, folders: ReadonlySet<string>): boolean {
  if (rel === MANIFEST_FILE || rel === LOCK_FILE) return true;
  const slash = rel.indexOf("/");
  if (slash < 0 || !folders.has(rel.slice(0, slash))) return false;
  const inner = rel.slice(slash + 1);
  return inner.startsWith(`${VENDORED_DIR}/`) || inner === "requirements.txt" || inner === UV_LOCK;
}

/** Files holding upgrade's conflict markers among `paths` (on disk). */
function filesWithMarkers(root: string, paths: Iterable<string>): string[] {
  const out: string[] = [];
  for (const rel of paths) {
    let bytes: Buffer | null;
    try {
      bytes = readOrNull(root, rel);
    } catch {
      continue;
    }
    if (bytes && !bytes.subarray(0, 8000).includes(0) && conflictMarkerLines(bytes.toString("utf8")).length > 0) out.push(rel);
  }
  return out.sort();
}

/** The manifest text with `generator:` set to this version (the line edited in place, else through the YAML document). */
export function withGenerator(repo: Monorepo, version: string): string {
  const want = `${PACKAGE_NAME}@${version}`;
  const text = repo.loaded.text;
  const re = /^generator:[ \t]*(["']?)create-mcp-monorepo@[^\s"'#]*\1([ \t]*(#.*)?)$/m;
  if (re.test(text)) return text.replace(re, (_m, _q, rest: string) => `generator: ${want}${rest}`);
  const doc = repo.loaded.doc.clone();
  doc.set("generator", want);
  return doc.toString();
}

interface Plan {
  from: string;
  /** The recorded version is this one (a killed upgrade may just have been finished): no merge, only pending layout steps; nothing at all when none. */
  current?: boolean;
  files: UpgradeFile[];
  migrations: UpgradeResult["migrations"];
  conflicts: string[];
  changes: FileChange[];
  notes: string[];
  migrated: string[];
}

/**
 * The layout migrations a monorepo's servers need (./migrate.ts), as changes: `writes` and `deletes`
 * in commit order, `files` for the report, `migrated` (servers changed), `refused` (servers a step
 * could not carry over, the reason in `notes`) and `taken` (the paths the steps own, kept out of the merge).
 */
function planMigrations(repo: Monorepo, sharedRequirements: string) {
  const root = repo.root;
  const files: UpgradeFile[] = [];
  const writes: FileChange[] = [];
  const deletes: FileChange[] = [];
  const notes: string[] = [];
  const migrations: Plan["migrations"] = [];
  const migrated: string[] = [];
  const taken = new Set<string>();
  /** Servers a step could not migrate (the reason in `notes`). */
  const refused: string[] = [];
  const text = (rel: string) => readOrNull(root, rel)?.toString("utf8") ?? null;

  for (const s of repo.servers) {
    const layout = { folder: s.folder, description: s.description, python: repo.manifest.python, sharedRequirements, requirements: text(`${s.folder}/requirements.txt`), requirementsDev: text(`${s.folder}/${REQUIREMENTS_DEV}`), pyproject: text(`${s.folder}/${PYPROJECT}`) };
    let r;
    try {
      r = migrateServer(layout);
    } catch (err) {
      if (!(err instanceof MigrationRefusal)) throw err;
      notes.push(`${s.folder} keeps its old layout: ${err.message}`);
      refused.push(s.name);
      taken.add(`${s.folder}/${PYPROJECT}`).add(`${s.folder}/${REQUIREMENTS_DEV}`);
      continue;
    }
    if (r.steps.length === 0) continue;
    migrations.push({ server: s.name, steps: r.steps, notes: r.notes });
    migrated.push(s.name);
    for (const [name, content] of Object.entries(r.writes)) {
      const rel = `${s.folder}/${name}`;
      taken.add(rel);
      writes.push({ path: rel, kind: layout.pyproject === null && name === PYPROJECT ? "create" : "update", content: Buffer.from(content, "utf8"), mode: 0o644 });
      files.push({ path: rel, outcome: "migrated" });
    }
    for (const name of r.deletes) {
      const rel = `${s.folder}/${name}`;
      taken.add(rel);
      deletes.push({ path: rel, kind: "delete" });
      files.push({ path: rel, outcome: "migrated", deleted: true });
    }
    // A server just migrated has no pyproject.toml in the base to merge with.
    taken.add(`${s.folder}/${PYPROJECT}`);
  }

  return { files, writes, deletes, notes, migrations, migrated, taken, refused };
}

/** The text of canonical shared/requirements.txt ("" when there is none). */
function sharedRequirementsText(repo: Monorepo, fallback?: Buffer): string {
  return (readOrNull(repo.root, SHARED_REQUIREMENTS) ?? fallback ?? Buffer.alloc(0)).toString("utf8");
}

/**
 * Plans the upgrade of `repo` from `from` (reads only; renders the base with that version's package).
 *
 * @throws UserError / CannotRunError from rendering the base or a file upgrade cannot read.
 */
export async function planUpgrade(repo: Monorepo, from: string, opts: Pick<UpgradeOptions, "fromPackage" | "env" | "signal">): Promise<Plan> {
  const theirs = await renderTheirs(repo);
  const pkg = await obtainGenerator(from, { fromPackage: opts.fromPackage, env: opts.env, signal: opts.signal });
  const base = await renderWithPackage(pkg, repo.manifest, { env: opts.env, signal: opts.signal });
  const root = repo.root;
  const folders = new Set(repo.servers.map((s) => s.folder));
  const sharedRequirements = sharedRequirementsText(repo, theirs.get(SHARED_REQUIREMENTS));
  const { files, writes, deletes, notes, migrations, migrated, taken } = planMigrations(repo, sharedRequirements);

  const conflicts: string[] = [];
  const newShared = new Map<string, Buffer | null>();
  const paths = [...new Set([...base.keys(), ...theirs.keys()])].filter((p) => !taken.has(p) && !mergedByOthers(p, folders)).sort();
  for (const rel of paths) {
    // A pyproject.toml the base has no copy of (the base predates the uv layout) is not merged.
    if (rel.endsWith(`/${PYPROJECT}`) && !base.has(rel)) continue;
    const ours = readOrNull(root, rel);
    const d = decideFile({ base: base.get(rel) ?? null, theirs: theirs.get(rel) ?? null, ours }, VERSION);
    if (d.outcome === "unchanged") continue;
    files.push({ path: rel, outcome: d.outcome, ...(d.conflicts ? { conflicts: d.conflicts } : {}) });
    if (d.outcome === "conflict") conflicts.push(rel);
    if (d.content) writes.push({ path: rel, kind: ours === null ? "create" : "update", content: d.content, ...(ours === null ? { mode: 0o644 } : {}) });
    if (d.delete) deletes.push({ path: rel, kind: "delete" });
    const sharedRel = rel.startsWith(`${SHARED_DIR}/`) ? rel.slice(SHARED_DIR.length + 1) : null;
    if (sharedRel !== null && !NOT_COPIED.has(sharedRel) && d.outcome !== "conflict" && (d.content || d.delete)) newShared.set(sharedRel, d.content ?? null);
  }

  // Vendored copies follow the canonical shared/ files upgrade changed, where they were in sync with it.
  if (newShared.size > 0) {
    const lock = await repo.readLock();
    let lockChanged = false;
    for (const [sharedRel, content] of newShared) {
      const canonical = readOrNull(root, `${SHARED_DIR}/${sharedRel}`);
      for (const s of repo.servers) {
        const rel = `${s.folder}/${VENDORED_DIR}/${sharedRel}`;
        const copy = readOrNull(root, rel);
        const inSync = copy === null ? canonical === null : canonical !== null && vendorHash(copy) === vendorHash(canonical);
        if (!inSync) {
          notes.push(`${rel} differs from ${SHARED_DIR}/${sharedRel}: left as it is; run \`npx create-mcp-monorepo sync\``);
          continue;
        }
        const state = (lock.servers[s.name] ??= { files: {} });
        if (content === null) {
          if (copy !== null) deletes.push({ path: rel, kind: "delete" });
          delete state.files[sharedRel];
        } else {
          writes.push({ path: rel, kind: copy === null ? "create" : "update", content, ...(copy === null ? { mode: 0o644 } : {}) });
          state.files[sharedRel] = { sha256: vendorHash(content), mode: state.files[sharedRel]?.mode ?? 0o644 };
        }
        lockChanged = true;
      }
    }
    if (lockChanged) writes.push({ path: LOCK_FILE, kind: "update", content: Buffer.from(serializeLock(lock), "utf8") });
  }

  // Files the user left with markers from an earlier upgrade count too.
  for (const rel of filesWithMarkers(root, theirs.keys())) if (!conflicts.includes(rel) && !writes.some((w) => w.path === rel)) conflicts.push(rel);
  const manifest: FileChange = { path: MANIFEST_FILE, kind: "update", content: Buffer.from(withGenerator(repo, VERSION), "utf8") };
  files.sort((a, b) => byCodeUnit(a.path, b.path));
  // The manifest last: a run killed before it leaves the recorded version, so the next one plans again.
  return { from, files, migrations, conflicts: conflicts.sort(), changes: [...writes, ...deletes, manifest], notes, migrated };
}

/**
 * The core of `upgrade` (never prompts). `check` reports whether an upgrade is pending or
 * conflict markers are left, without rendering the base; `dry-run` plans; `upgrade` plans and
 * writes through the monorepo's one write transaction, then locks the migrated servers.
 *
 * @throws CannotRunError (exit 2) outside a monorepo, for a manifest without a readable
 *   `generator:`, or when the recorded version's package cannot be fetched; UserError for a
 *   monorepo made by a newer version, the dirty-tree guard and write failures (rolled back);
 *   CancelledError when `signal` is aborted before the write.
 */
export async function upgradeMonorepo(o: UpgradeOptions): Promise<UpgradeResult> {
  const opened = await openMonorepo(o.cwd);
  const from = recordedVersion(opened.manifest);
  const order = semverCompare(from, VERSION);
  if (order > 0) throw new UserError(`this monorepo was made by ${PACKAGE_NAME}@${from}, newer than this ${VERSION}; run that version or a newer one: npx ${PACKAGE_NAME}@${from} upgrade`);
  const empty = { root: opened.root, from, to: VERSION, files: [], migrations: [], changes: [], notes: [], locked: [], dirty: null, dryRun: o.mode !== "upgrade" };
  const markers = async (repo: Monorepo) => {
    const theirs = await renderTheirs(repo);
    const pyprojects = repo.servers.map((s) => `${s.folder}/${PYPROJECT}`);
    return filesWithMarkers(repo.root, new Set([...theirs.keys(), ...pyprojects].filter((p) => p !== MANIFEST_FILE && p !== LOCK_FILE)));
  };
  // Server folders of an older layout are migrated whatever the recorded version says (a step
  // refused before, then fixed by hand, runs on the next upgrade).
  const layout = planMigrations(opened, sharedRequirementsText(opened));
  if (o.mode === "check") {
    const behind = [...layout.migrations, ...layout.refused.map((server) => ({ server, steps: [], notes: [] }))];
    return { ...empty, status: order === 0 && behind.length === 0 ? "current" : "pending", migrations: behind, notes: layout.notes, conflicts: await markers(opened) };
  }
  // Current, nothing to migrate and no killed upgrade to finish (its journal in the busy marker): nothing to take or write.
  if (order === 0 && layout.migrations.length === 0 && (o.mode === "dry-run" || (await unfinishedCommit(opened.root)) === null)) {
    return { ...empty, status: "current", notes: layout.notes, conflicts: await markers(opened) };
  }
  const abortable = async <T>(p: Promise<T>): Promise<T> => {
    const r = await p;
    throwIfCancelled(o.signal);
    return r;
  };
  const done = await runWrite<Plan>({
    command: "upgrade",
    start: o.cwd,
    opened,
    dryRun: o.mode === "dry-run",
    allowDirty: o.allowDirty,
    beforeCommit: o.beforeCommit,
    // upgrade writes below the root and the server folders too (.github/workflows/, shared/, src/, tests/).
    removeLeftovers: async (repo) => removeTransientFiles(repo, [...new Set([...(await renderTheirs(repo)).keys()].map((p) => path.posix.dirname(p)))]),
    // Read again under the marker: taking it over may have finished a killed upgrade, which moved the version.
    plan: async (repo) => {
      const at = recordedVersion(repo.manifest);
      if (semverCompare(at, VERSION) === 0) {
        const m = planMigrations(repo, sharedRequirementsText(repo));
        return { from: at, current: m.migrated.length === 0, files: m.files, migrations: m.migrations, conflicts: await markers(repo), changes: [...m.writes, ...m.deletes], notes: m.notes, migrated: m.migrated };
      }
      return abortable(planUpgrade(repo, at, o));
    },
    changes: (plan) => plan.changes,
    guard: (plan) => ({ paths: plan.changes.filter(isWrite).map((c) => c.path), verb: "upgrade would change or delete" }),
  });
  const plan = done.plan;
  const result: UpgradeResult = { ...empty, from: plan.from, status: plan.current ? "current" : done.dryRun ? "pending" : "upgraded", files: plan.files, migrations: plan.migrations, conflicts: plan.conflicts, changes: plan.changes, notes: [...plan.notes], dirty: done.dirty, dryRun: done.dryRun };
  if (done.dryRun || plan.migrated.length === 0) return result;
  const later = `run \`npx ${PACKAGE_NAME} lock\` to write uv.lock and export requirements.txt for ${plan.migrated.join(", ")}`;
  if (o.lock === false) {
    result.notes.push(`not locked (--no-lock or MCPM_NO_LOCK=1): ${later}`);
    return result;
  }
  const { lockAfterWrite } = await import("../lock/index.js");
  const names = plan.migrated;
  const r = await lockAfterWrite(done.repo.root, names, { env: o.env });
  result.locked = r.locked;
  if (r.note) result.notes.push(r.note);
  else if (r.locked.length < names.length) result.notes.push(`uv was not found: ${later}`);
  return result;
}
