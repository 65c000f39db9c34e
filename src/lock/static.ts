import { parse as parseToml } from "smol-toml";
import { readPyproject } from "../monorepo/pyproject.js";

/**
 * Comparing pyproject.toml, uv.lock and requirements.txt without uv (when it is not installed
 * or no interpreter of the target's Python exists): uv.lock records the project's requirements
 * as it read them (`[package.metadata] requires-dist`, `requires-dev`) and every package's
 * version (uv docs, "Locking and syncing / The lockfile"). The comparison is on names and,
 * for a requirement listed once without a marker, its version specifier; uv's own
 * `uv lock --check` is the full answer and is preferred when it can run.
 */

/** PEP 503 normalised name. */
function norm(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Specifier clauses, spaces removed, sorted: `>=4.0,<5` and `<5, >=4.0` are the same. */
function normSpec(spec: string): string {
  return spec
    .split(",")
    .map((s) => s.replace(/\s+/g, ""))
    .filter(Boolean)
    .sort()
    .join(",");
}

interface Req {
  name: string;
  spec: string;
  marker: boolean;
}

/** Name, specifier and whether it has a marker, of a PEP 508 requirement string (null for one it cannot read). */
function parseReq(text: string): Req | null {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(\(?[^;@]*\)?)?\s*(;.*)?$/.exec(text);
  if (!m) return null;
  return { name: norm(m[1]!), spec: normSpec((m[3] ?? "").replace(/[()]/g, "")), marker: Boolean(m[4]) };
}

interface LockedProject {
  requiresPython: string | null;
  requiresDist: Array<{ name: string; specifier: string; marker: boolean }>;
  requiresDev: Record<string, Array<{ name: string; specifier: string; marker: boolean }>>;
  versions: Map<string, string[]>;
}

type LockToml = {
  "requires-python"?: string;
  package?: Array<{
    name?: string;
    version?: string;
    source?: { virtual?: string; editable?: string };
    metadata?: { "requires-dist"?: Array<{ name: string; specifier?: string; marker?: string }>; "requires-dev"?: Record<string, Array<{ name: string; specifier?: string; marker?: string }>> };
  }>;
};

function readLock(lockText: string): LockedProject {
  const data = parseToml(lockText) as LockToml;
  const pkgs = data.package ?? [];
  const root = pkgs.find((p) => p.source?.virtual === "." || p.source?.editable === ".");
  const list = (v: Array<{ name: string; specifier?: string; marker?: string }> | undefined) => (v ?? []).map((r) => ({ name: norm(r.name), specifier: normSpec(r.specifier ?? ""), marker: Boolean(r.marker) }));
  const versions = new Map<string, string[]>();
  for (const p of pkgs) {
    if (!p.name || !p.version || p === root) continue;
    versions.set(norm(p.name), [...(versions.get(norm(p.name)) ?? []), p.version]);
  }
  const dev: LockedProject["requiresDev"] = {};
  for (const [g, v] of Object.entries(root?.metadata?.["requires-dev"] ?? {})) dev[g] = list(v);
  return { requiresPython: data["requires-python"] ?? null, requiresDist: list(root?.metadata?.["requires-dist"]), requiresDev: dev, versions };
}

function compareLists(what: string, declared: string[], locked: Array<{ name: string; specifier: string }>): string | null {
  const reqs = declared.map(parseReq).filter((r): r is Req => r !== null);
  const names = new Set(reqs.map((r) => r.name));
  const lockedNames = new Set(locked.map((r) => r.name));
  const added = [...names].filter((n) => !lockedNames.has(n));
  if (added.length) return `${what} lists ${added.join(", ")}, which uv.lock does not`;
  const removed = [...lockedNames].filter((n) => !names.has(n));
  if (removed.length) return `uv.lock still has ${removed.join(", ")}, which ${what} no longer lists`;
  for (const r of reqs) {
    if (r.marker || reqs.filter((x) => x.name === r.name).length > 1) continue;
    const l = locked.filter((x) => x.name === r.name);
    if (l.length === 1 && l[0]!.specifier !== r.spec) return `${what} asks for ${r.name}${r.spec ? ` ${r.spec}` : ""}, uv.lock was made for ${r.name}${l[0]!.specifier ? ` ${l[0]!.specifier}` : ""}`;
  }
  return null;
}

/** Why uv.lock does not match pyproject.toml, or null when it does (as far as a static reading tells). */
export function staticLockMismatch(pyprojectText: string, lockText: string): string | null {
  const py = readPyproject(pyprojectText);
  const lock = readLock(lockText);
  if ((py.requiresPython ?? null) !== null && lock.requiresPython !== null && normSpec(py.requiresPython!) !== normSpec(lock.requiresPython)) {
    return `requires-python is "${py.requiresPython}" in pyproject.toml, "${lock.requiresPython}" in uv.lock`;
  }
  // uv records an extra's requirements in the same requires-dist, each with the marker
  // `extra == "<name>"` (uv docs, "The lockfile"), so [project.optional-dependencies] count here.
  const extras = Object.entries(py.optionalDependencies).flatMap(([extra, reqs]) => reqs.map((r) => `${r.split(";")[0]!.trim()}; extra == "${extra}"`));
  const deps = compareLists("pyproject.toml", [...py.dependencies, ...extras], lock.requiresDist);
  if (deps) return deps;
  for (const g of new Set([...Object.keys(py.groups), ...Object.keys(lock.requiresDev)])) {
    const r = compareLists(`dependency group "${g}"`, py.groups[g] ?? [], lock.requiresDev[g] ?? []);
    if (r) return r;
  }
  return null;
}

/** Why requirements.txt is not the export of uv.lock (a pin the lock does not hold), or null when every pin matches. */
export function staticExportMismatch(requirementsText: string, lockText: string): string | null {
  const lock = readLock(lockText);
  for (const raw of requirementsText.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#\\]+)/.exec(raw.trim());
    if (!m) continue;
    const name = norm(m[1]!);
    const versions = lock.versions.get(name);
    if (!versions) return `requirements.txt pins ${name}==${m[3]}, which uv.lock does not hold`;
    if (!versions.includes(m[3]!)) return `requirements.txt pins ${name}==${m[3]}, uv.lock has ${versions.join(", ")}`;
  }
  for (const r of lock.requiresDist) {
    if (!r.marker && !new RegExp(`^${r.name.replace(/-/g, "[-_.]")}(\\[[^\\]]*\\])?==`, "im").test(requirementsText.replace(/^\s+/gm, ""))) {
      return `requirements.txt does not pin ${r.name}, a dependency in uv.lock`;
    }
  }
  return null;
}
