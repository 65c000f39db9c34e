import * as fs from "node:fs/promises";
import path from "node:path";
import { CannotRunError } from "../kernel/errors.js";
import type { FileChange } from "../monorepo/changes.js";
import { LOCK_FILE, readCanonicalShared, serializeLock, SHARED_DIR, VENDORED_DIR, type SharedFile, type SyncLock } from "../monorepo/vendor.js";
import { planVendoredFiles, sameVendoredState } from "./classify.js";
import { checkSharedRequirements, mergeRequirements } from "../monorepo/requirements-merge.js";
import { SHARED_REQUIREMENTS } from "../monorepo/requirements.js";
import { findLeftovers } from "../monorepo/leftovers.js";
import { checkSharedEnv, ENV_EXAMPLE, mergeEnvBlock, SHARED_ENV_FILE } from "../monorepo/env-block.js";
import { scanVendored } from "./scan.js";
import { isExportedRequirements, mergePyprojectBlock, PYPROJECT, UV_LOCK } from "../monorepo/pyproject.js";
import type { Leftover, PlanSyncOptions, RequirementError, ServerSyncPlan, SyncConflict, SyncPlan, UnmanagedFile } from "./types.js";

/**
 * Plans a sync without writing anything or printing: reads canonical
 * `shared/`, each selected server's `src/shared/` and requirements.txt, and the lock,
 * and decides every file (see `planVendoredFiles` for the rules).
 *
 * A server with a conflict (unless `force`) or a requirements problem is
 * `blocked`: none of its changes are in `changes` and its lock entry is kept,
 * so each vendored copy is always one coherent snapshot. A problem in
 * `shared/requirements.txt` or `shared/.env.example` blocks every server.
 *
 * When `shared/.env.example` exists, the shared-settings block (src/monorepo/env-block.ts) of each
 * selected server's `.env.example` and, on a full sync, of the root `.env.example` is planned
 * too (written before the lock, like every other change).
 *
 * @returns the plan; `changes` lists the writes in apply order with the lock file last.
 * @throws UserError when `shared/` is missing or holds a symlink to outside it, a server folder
 *   is missing or outside the root (exit 2, "could not run", for the missing `shared/` and folder).
 */
export async function planSync(opts: PlanSyncOptions): Promise<SyncPlan> {
  const { root, lock, force } = opts;
  const selected = opts.selected ?? opts.servers;
  const partial = opts.selected !== undefined;
  const secretsLeftOut: Array<{ path: string; what: string }> = [];
  const canonicalFiles = await readCanonicalShared(root, { secrets: secretsLeftOut });
  const canonical = new Map(canonicalFiles.map((f) => [f.path, { sha256: f.sha256, mode: f.mode }]));
  const byPath = new Map(canonicalFiles.map((f) => [f.path, f]));
  const sharedText = await readTextOrNull(path.join(root, ...SHARED_REQUIREMENTS.split("/")));
  const sharedProblems = checkSharedRequirements(sharedText ?? "", SHARED_REQUIREMENTS).map<RequirementError>((p) => ({ server: null, ...p }));
  // The shared-settings block of every .env.example is managed only once shared/.env.example exists.
  const sharedEnvText = await readTextOrNull(path.join(root, ...SHARED_ENV_FILE.split("/")));
  const sharedEnvProblems = sharedEnvText === null ? [] : checkSharedEnv(sharedEnvText).map<RequirementError>((p) => ({ server: null, ...p }));
  const sharedBlocked = sharedProblems.length > 0 || sharedEnvProblems.length > 0;

  const perServer: InternalServerPlan[] = [];
  for (const server of selected) {
    perServer.push(await planServer(root, server, { canonical, byPath, lock, force, sharedText, sharedEnvText, sharedBlocked, k8sPython: opts.deploy?.targets.includes("k8s") ? opts.deploy.python : null }));
  }

  const newLock: SyncLock = { lockVersion: 1, servers: {} };
  const selectedNames = new Set(selected.map((s) => s.name));
  const known = new Set(opts.servers.map((s) => s.name));
  for (const [name, state] of Object.entries(lock.servers)) {
    // Keep entries of servers not synced this time; drop servers no longer in the manifest on a full sync.
    if (!selectedNames.has(name) && (partial || known.has(name))) newLock.servers[name] = state;
  }
  const changes: FileChange[] = [];
  const leftovers: Leftover[] = [];
  let lockChanged = Object.keys(lock.servers).some((n) => !known.has(n)) && !partial;
  for (const s of perServer) {
    leftovers.push(...s.leftovers);
    if (s.status === "blocked") {
      if (lock.servers[s.name]) newLock.servers[s.name] = lock.servers[s.name]!;
      continue;
    }
    changes.push(...s.changes);
    newLock.servers[s.name] = s.lockStateAfter;
    if (s.lockChanged) lockChanged = true;
  }
  // The root .env.example documents every server: it is kept in step on a full sync only.
  const rootEnvErrors: RequirementError[] = [];
  let rootEnv: SyncPlan["rootEnv"] = "skipped";
  if (sharedEnvText !== null && !partial) {
    if (sharedBlocked) rootEnv = "blocked";
    else {
      const now = await readTextOrNull(path.join(root, ENV_EXAMPLE));
      const merged = mergeEnvBlock({ sharedText: sharedEnvText, fileText: now, file: ENV_EXAMPLE, header: "Every environment variable read by any server or by shared/ in this monorepo." });
      rootEnvErrors.push(...merged.problems.map((p) => ({ server: null, ...p })));
      if (merged.text === null) rootEnv = "blocked";
      else if (merged.text === now) rootEnv = "unchanged";
      else {
        rootEnv = now === null ? "create" : "update";
        changes.push({ path: ENV_EXAMPLE, kind: rootEnv, content: Buffer.from(merged.text, "utf8"), reason: "shared settings block" });
      }
    }
    leftovers.push(...findLeftovers(root, ENV_EXAMPLE).map((p) => ({ server: null, path: p })));
  }
  const lockLeftovers = findLeftovers(root, LOCK_FILE);
  leftovers.push(...lockLeftovers.map((p) => ({ server: null, path: p })));
  const lockFileExists = await fs.stat(path.join(root, LOCK_FILE)).then(() => true, () => false);
  if (lockChanged || (!lockFileExists && Object.keys(newLock.servers).length > 0 && changes.length > 0)) {
    lockChanged = true;
    changes.push({ path: LOCK_FILE, kind: lockFileExists ? "update" : "create", content: Buffer.from(serializeLock(newLock)), mode: 0o644 });
  }
  const conflicts = perServer.flatMap((s) => s.conflicts);
  const unmanaged = perServer.flatMap((s) => s.unmanaged);
  const requirementErrors = [...sharedProblems, ...perServer.flatMap((s) => s.requirementErrors)];
  const envErrors = [...sharedEnvProblems, ...rootEnvErrors, ...perServer.flatMap((s) => s.envErrors)];
  const inSync =
    perServer.every((s) => s.status === "in-sync") &&
    !lockChanged &&
    leftovers.length === 0 &&
    unmanaged.length === 0 &&
    requirementErrors.length === 0 &&
    envErrors.length === 0 &&
    (rootEnv === "unchanged" || rootEnv === "skipped");
  return {
    perServer: perServer.map(({ lockStateAfter: _, ...rest }) => rest),
    changes,
    leftovers,
    conflicts,
    unmanaged,
    requirementErrors,
    envErrors,
    rootEnv,
    lock: newLock,
    lockChanged,
    canonicalFileCount: canonicalFiles.length,
    secretsLeftOut: secretsLeftOut.map((x) => ({ path: `${SHARED_DIR}/${x.path}`, what: x.what })),
    inSync,
  };
}

interface ServerContext {
  canonical: Map<string, { sha256: string; mode: number }>;
  byPath: Map<string, SharedFile>;
  lock: SyncLock;
  force: boolean;
  sharedText: string | null;
  /** Canonical `shared/.env.example`, or null when the shared-settings block is not managed. */
  sharedEnvText: string | null;
  sharedBlocked: boolean;
  /** The manifest's Python when it lists the k8s target (pristine k8s.yaml files follow `.env.example`), else null. */
  k8sPython: string | null;
}

type InternalServerPlan = ServerSyncPlan & { lockStateAfter: SyncLock["servers"][string] };

async function planServer(root: string, server: PlanSyncOptions["servers"][number], sc: ServerContext): Promise<InternalServerPlan> {
  const folder = toPosixInside(root, server.folder, `server "${server.name}" folder`);
  const folderStat = await fs.stat(path.join(root, ...folder.split("/"))).catch(() => null);
  if (!folderStat?.isDirectory()) {
    throw new CannotRunError(`${folder}/ (server "${server.name}" in mcp-monorepo.yaml) does not exist; restore it or remove the server from the manifest`);
  }
  const vendoredRel = `${folder}/${VENDORED_DIR}`;
  const vendoredAbs = path.join(root, ...vendoredRel.split("/"));
  const { files: disk, leftovers: vendoredLeftovers } = scanVendored(vendoredAbs, sc.byPath);
  const plan = planVendoredFiles({ canonical: sc.canonical, lock: sc.lock.servers[server.name], disk, force: sc.force });

  const changes: FileChange[] = [];
  const conflicts: SyncConflict[] = [];
  const unmanaged: UnmanagedFile[] = [];
  for (const d of plan.decisions) {
    const rel = `${vendoredRel}/${d.path}`;
    const c = sc.byPath.get(d.path);
    switch (d.action) {
      case "create":
      case "update":
      case "forced-update":
        // Modes are kept, except that the owner may always write: a read-only vendored copy
        // would make every later sync of it fail (applyChanges refuses read-only files).
        changes.push({ path: rel, kind: d.action === "create" ? "create" : "update", content: c!.content, mode: c!.mode | 0o200, reason: d.reason });
        break;
      case "delete":
      case "forced-delete":
        changes.push({ path: rel, kind: "delete", reason: d.reason });
        break;
      case "unmanaged":
        unmanaged.push({ server: server.name, path: rel });
        break;
      default:
        break;
    }
    if (d.action === "conflict" || d.action === "forced-update" || d.action === "forced-delete") {
      // Loaded on demand: the diff library is only needed when there is a conflict to show.
      const { conflictDiff } = await import("./conflict-diff.js");
      const vendoredBytes = await readVendoredForDiff(path.join(vendoredAbs, ...d.path.split("/")));
      const canonicalName = c ? `${SHARED_DIR}/${d.path}` : null;
      conflicts.push({
        server: server.name,
        path: rel,
        canonical: canonicalName,
        reason: d.reason ?? "edited by hand",
        diff: conflictDiff(rel, vendoredBytes, canonicalName, c?.content ?? null),
        forced: d.action !== "conflict",
      });
    }
  }

  const requirementErrors: RequirementError[] = [];
  const reqRel = toPosixInside(root, server.requirements, `server "${server.name}" requirements`);
  const reqAbs = path.join(root, ...reqRel.split("/"));
  const serverText = await readTextOrNull(reqAbs);
  let requirementsChanged = false;
  let needsLock = false;
  // A uv project: the block lives in pyproject.toml's dependencies; a requirements.txt exported
  // from uv.lock is never edited (the lock makes it again).
  const pyRel = `${folder}/${PYPROJECT}`;
  const pyText = sc.sharedText === null ? null : await readTextOrNull(path.join(root, ...pyRel.split("/")));
  if (pyText !== null) {
    const merged = mergePyprojectBlock(pyText, sc.sharedText ?? "");
    if (merged.text === null) requirementErrors.push({ server: server.name, file: pyRel, line: merged.line, message: merged.message! });
    else if (merged.text !== pyText) {
      requirementsChanged = true;
      needsLock = await fs.stat(path.join(root, ...folder.split("/"), UV_LOCK)).then(() => true, () => false);
      changes.push({ path: pyRel, kind: "update", content: Buffer.from(merged.text, "utf8"), reason: "shared requirements block" });
    }
  }
  if ((sc.sharedText !== null || serverText !== null) && !isExportedRequirements(serverText)) {
    const merged = mergeRequirements({ sharedText: sc.sharedText ?? "", sharedFile: SHARED_REQUIREMENTS, serverText, serverFile: reqRel, serverFolder: folder });
    requirementErrors.push(...merged.problems.map((p) => ({ server: server.name, ...p })));
    if (merged.text !== null && merged.text !== serverText) {
      requirementsChanged = true;
      changes.push({ path: reqRel, kind: serverText === null ? "create" : "update", content: Buffer.from(merged.text, "utf8") });
    }
  }

  const envErrors: RequirementError[] = [];
  const kept: ServerSyncPlan["kept"] = [];
  let envChanged = false;
  if (sc.sharedEnvText !== null && !sc.sharedBlocked) {
    const envRel = `${folder}/${ENV_EXAMPLE}`;
    const now = await readTextOrNull(path.join(root, ...envRel.split("/")));
    const merged = mergeEnvBlock({ sharedText: sc.sharedEnvText, fileText: now, file: envRel, header: `${folder}: every environment variable this server reads.` });
    envErrors.push(...merged.problems.map((p) => ({ server: server.name, ...p })));
    if (merged.text !== null && merged.text !== now) {
      envChanged = true;
      changes.push({ path: envRel, kind: now === null ? "create" : "update", content: Buffer.from(merged.text, "utf8"), reason: "shared settings block" });
      if (sc.k8sPython !== null) {
        const { followK8sManifest } = await import("./k8s-follow.js");
        const k8s = await followK8sManifest({ root, folder, server, python: sc.k8sPython, envBefore: now, envAfter: merged.text });
        if (k8s.change) changes.push(k8s.change);
        if (k8s.kept) kept.push({ path: k8s.kept, reason: "edited by hand, so not updated for the new .env.example: add what it lacks (check's k8s-env rule names it)" });
      }
    }
  }

  const leftovers: Leftover[] = vendoredLeftovers.map((p) => ({ server: server.name, path: `${vendoredRel}/${p}` }));
  const reqDir = path.posix.dirname(reqRel);
  const reqLeft = findLeftovers(path.join(root, ...reqDir.split("/")), path.posix.basename(reqRel));
  leftovers.push(...reqLeft.map((p) => ({ server: server.name, path: reqDir === "." ? p : `${reqDir}/${p}` })));
  if (sc.sharedEnvText !== null) {
    leftovers.push(...findLeftovers(path.join(root, ...folder.split("/")), ENV_EXAMPLE).map((p) => ({ server: server.name, path: `${folder}/${p}` })));
  }
  // Temporary files of an interrupted write of pyproject.toml's block.
  leftovers.push(...findLeftovers(path.join(root, ...folder.split("/")), PYPROJECT).map((p) => ({ server: server.name, path: `${folder}/${p}` })));

  const lockChanged = !sameVendoredState(sc.lock.servers[server.name], plan.lockState);
  const blocked = conflicts.some((c) => !c.forced) || requirementErrors.length > 0 || envErrors.length > 0 || sc.sharedBlocked;
  const status = blocked ? "blocked" : changes.length > 0 || lockChanged ? "out-of-date" : "in-sync";
  return {
    name: server.name,
    folder,
    status,
    changes,
    decisions: plan.decisions,
    conflicts,
    unmanaged,
    requirementErrors,
    envErrors,
    leftovers,
    lockChanged,
    requirementsChanged,
    needsLock,
    envChanged,
    kept,
    lockStateAfter: plan.lockState,
  };
}

/** Normalises a manifest path to POSIX relative to the root, refusing one that leaves it. */
function toPosixInside(root: string, p: string, what: string): string {
  const abs = path.resolve(root, p);
  const rel = path.relative(root, abs);
  if (!rel || rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) throw new CannotRunError(`${what} "${p}" in mcp-monorepo.yaml is not inside the monorepo`);
  return rel.split(path.sep).join("/");
}

async function readTextOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

async function readVendoredForDiff(file: string): Promise<Buffer> {
  const lst = await fs.lstat(file);
  if (lst.isSymbolicLink()) return Buffer.from(`(symlink to ${await fs.readlink(file)})\n`);
  return fs.readFile(file);
}
