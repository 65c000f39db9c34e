import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { runProcess } from "../kernel/proc.js";
import { findUv, runUv, uvError, type Uv } from "../lock/index.js";
import { findNonPypiLines, requirementName } from "../monorepo/requirements.js";
import { distributionsFor, normalizeDistribution } from "./import-names.js";
import { wheelProvides, type WheelProvides } from "./wheel-files.js";

/**
 * Real package metadata for rule `undeclared-dependency`: which distributions a
 * server's requirements resolve to, and which of them provide each import.
 *
 * 1. The requirements (PyPI lines only) are resolved for the target runtime, with uv when there is
 *    one (the installer FastMCP Cloud builds with), else pip:
 *    - uv: `uv pip compile --python-version X.Y --only-binary :all:` twice over uv's cache, once
 *      as a PEP 751 `pylock.toml` (each package's version and wheel URL) and once as
 *      requirements with `# via` annotations (who requires whom; `-r FILE` = requested);
 *      uv docs, "Locking environments" (`uv pip compile`) and "pylock.toml".
 *    - pip: `pip install --dry-run --ignore-installed --report - --python-version X.Y
 *      --only-binary=:all:` (pip ≥ 22.2; `--target` is passed because older pips ask for it with
 *      `--python-version`). The report lists every distribution that would be installed and
 *      whether it was requested (pip "Installation Report" format, version 1).
 *    Both resolve for this machine's platform (FastMCP Cloud and the images run Linux x86-64).
 * 2. Import names come from the resolved wheels' file lists (central directory read with HTTP
 *    range requests, `wheel-files.ts`), fetched only for imports that no distribution name explains.
 *
 * Both are cached under `<cache>/check/` by content (requirements + runtime; wheel URL), so the
 * answer depends on the requirements and the target runtime, never on what the parsing
 * interpreter has installed. Without uv or pip, network or a resolvable set, `check` falls back to
 * its built-in map (`import-names.ts`). `MCPM_INSTALLER=pip` asks for pip, as `verify` does.
 */

/** One resolved distribution. */
export interface ResolvedDist {
  /** PEP 503-normalised name. */
  name: string;
  version: string;
  /** Named in the requirements file (pip's `requested`), not only pulled in by another. */
  requested: boolean;
  /** Wheel URL (null for an sdist). */
  wheel: string | null;
  /** Normalised names of its own unconditional requirements (for "installed because X depends on it"). */
  requires: string[];
  /** Normalised names of requirements under an extra (`; extra == "server"`), which may or may not be installed. */
  requiresExtra: string[];
}

/** The resolution of one requirements set; `resolver` names what resolved it (`uv 0.13.9`, `pip`). */
export type Resolution = { ok: true; dists: ResolvedDist[]; resolver: string } | { ok: false; impossible: boolean; message: string; resolver: string };

interface PipReport {
  install: { requested: boolean; download_info: { url: string }; metadata: { name: string; version: string; requires_dist?: string[] } }[];
}

/** The PyPI-only requirement lines of a requirements file (what the platform would install, minus lines `pypi-only` reports). */
export function pypiLines(text: string): string[] {
  const bad = new Set(findNonPypiLines(text).map((p) => p.line));
  return text
    .split(/\r?\n/)
    .map((l, i) => (bad.has(i + 1) ? "" : l.replace(/(^|\s)#.*$/, "").trim()))
    .filter((l) => l && !l.startsWith("-"));
}

function names(reqs: string[]): string[] {
  return reqs.map((d) => requirementName(d)).filter((n): n is string => n !== null);
}

/** The first line of pip's error that says why (ResolutionImpossible: the conflict lines). */
function pipReason(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const conflict = lines.filter((l) => /depends on|requested|conflict|Could not find a version|No matching distribution/i.test(l));
  return (conflict.length ? conflict.slice(0, 4) : lines.slice(-2)).join("; ");
}

/** Where a resolution is cached, and the cached answer if there is one. */
async function cached(cache: string, key: string): Promise<{ file: string; hit: Resolution | null }> {
  const file = path.join(cache, "check", "resolve", `${key}.json`);
  const hit = await fs.readFile(file, "utf8").then((t) => JSON.parse(t) as Resolution, () => null);
  return { file, hit: hit && typeof hit.resolver === "string" ? hit : null };
}

async function store(file: string, result: Resolution): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(`${file}.${process.pid}`, JSON.stringify(result));
  await fs.rename(`${file}.${process.pid}`, file);
}

/**
 * Resolves requirement lines for a runtime (`3.12`) with uv when there is one, else pip; cached by
 * content (and resolver). A resolution that is impossible is cached; a network or installer
 * failure is not.
 *
 * @param python - the analyzing interpreter (pip's, or the one uv is pointed at).
 * @param lines - PyPI requirement lines.
 * @param runtime - `X.Y` the target platform runs.
 * @param cache - absolute cache folder.
 */
export async function resolveRequirements(python: string, lines: string[], runtime: string, cache: string, env: NodeJS.ProcessEnv): Promise<Resolution> {
  const uv = env.MCPM_INSTALLER === "pip" ? null : await findUv(env);
  const key = createHash("sha256").update(JSON.stringify({ v: 4, resolver: uv ? "uv" : "pip", runtime, lines: [...lines].sort() })).digest("hex").slice(0, 32);
  const { file, hit } = await cached(cache, key);
  if (hit) return hit;
  await fs.mkdir(path.join(cache, "check"), { recursive: true });
  const tmp = await fs.mkdtemp(path.join(cache, "check", ".tmp-"));
  try {
    const req = path.join(tmp, "requirements.txt");
    await fs.writeFile(req, lines.join("\n") + "\n");
    const result = uv ? await resolveWithUv(uv, python, req, runtime, tmp, env) : await resolveWithPip(python, req, runtime, tmp, env);
    if (result.ok || result.impossible) await store(file, result);
    return result;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function resolveWithPip(python: string, req: string, runtime: string, tmp: string, env: NodeJS.ProcessEnv): Promise<Resolution> {
  const args = ["-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", "--disable-pip-version-check", "--no-input",
    "--report", path.join(tmp, "report.json"), "--python-version", runtime, "--only-binary=:all:", "--target", path.join(tmp, "target"), "-r", req];
  const r = await runProcess(python, args, { env: { ...env, PIP_NO_INPUT: "1", PYTHONIOENCODING: "utf-8" }, timeoutMs: 180_000 });
  if (r.code !== 0) {
    const impossible = /ResolutionImpossible|conflicting dependencies/i.test(r.stderr);
    return { ok: false, impossible, resolver: "pip", message: pipReason(r.stderr) || (r.startError ? `cannot run ${python}: ${r.startError.message}` : `pip exited with ${r.code}`) };
  }
  const report = JSON.parse(await fs.readFile(path.join(tmp, "report.json"), "utf8")) as PipReport;
  return {
    ok: true,
    resolver: "pip",
    dists: report.install.map((i) => ({
      name: normalizeDistribution(i.metadata.name),
      version: i.metadata.version,
      requested: i.requested,
      wheel: /\.whl$/.test(i.download_info.url) ? i.download_info.url : null,
      requires: names((i.metadata.requires_dist ?? []).filter((d) => !/extra\s*==/.test(d))),
      requiresExtra: names((i.metadata.requires_dist ?? []).filter((d) => /extra\s*==/.test(d))),
    })),
  };
}

interface Pylock {
  packages?: { name: string; version?: string; wheels?: { url?: string }[] }[];
}

/**
 * `name==version  # via a, b, -r requirements.txt` lines of `uv pip compile --annotation-style
 * line` → name → the packages that require it, and whether the file names it.
 */
export function parseViaAnnotations(text: string): Map<string, { via: string[]; requested: boolean }> {
  const out = new Map<string, { via: string[]; requested: boolean }>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==\S+\s+#\s*via\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const via = m[2]!.split(",").map((v) => v.trim()).filter(Boolean);
    out.set(normalizeDistribution(m[1]!), {
      requested: via.some((v) => v.startsWith("-r ")),
      via: via.filter((v) => !v.startsWith("-")).map((v) => normalizeDistribution(v.replace(/\[.*$/, ""))),
    });
  }
  return out;
}

async function resolveWithUv(uv: Uv, python: string, req: string, runtime: string, tmp: string, env: NodeJS.ProcessEnv): Promise<Resolution> {
  const resolver = `uv ${uv.version}`;
  const base = ["pip", "compile", "--quiet", "--no-header", "--python", python, "--python-version", runtime, "--only-binary", ":all:", "requirements.txt"];
  const lock = await runUv(uv, [...base, "--format", "pylock.toml", "-o", "pylock.toml"], { cwd: tmp, env, timeoutMs: 180_000 });
  if (lock.code !== 0) {
    const impossible = /No solution found|unsatisfiable/i.test(lock.stderr);
    return { ok: false, impossible, resolver, message: uvError(lock.stderr) };
  }
  const via = await runUv(uv, [...base, "--annotation-style", "line", "-o", "via.txt"], { cwd: tmp, env, timeoutMs: 180_000 });
  if (via.code !== 0) return { ok: false, impossible: false, resolver, message: uvError(via.stderr) };
  const pylock = parseToml(await fs.readFile(path.join(tmp, "pylock.toml"), "utf8")) as Pylock;
  const edges = parseViaAnnotations(await fs.readFile(path.join(tmp, "via.txt"), "utf8"));
  const requires = new Map<string, string[]>();
  for (const [name, e] of edges) for (const parent of e.via) requires.set(parent, [...(requires.get(parent) ?? []), name]);
  return {
    ok: true,
    resolver,
    dists: (pylock.packages ?? []).map((p) => {
      const name = normalizeDistribution(p.name);
      const wheel = p.wheels?.find((w) => w.url && /\.whl$/.test(w.url))?.url ?? null;
      // uv's annotations do not say whether an edge came from an extra: every edge counts as a plain requirement.
      return { name, version: p.version ?? "", requested: edges.get(name)?.requested ?? false, wheel, requires: requires.get(name) ?? [], requiresExtra: [] };
    }),
  };
}

async function cachedProvides(url: string, cache: string): Promise<WheelProvides | null> {
  const name = path.basename(new URL(url).pathname);
  const file = path.join(cache, "check", "wheels", `${name}.json`);
  const hit = await fs.readFile(file, "utf8").then((t) => JSON.parse(t) as WheelProvides, () => null);
  if (hit) return hit;
  try {
    const p = await wheelProvides(url);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(`${file}.${process.pid}`, JSON.stringify(p));
    await fs.rename(`${file}.${process.pid}`, file);
    return p;
  } catch {
    return null;
  }
}

function provided(p: WheelProvides, module: string): boolean {
  const parts = module.split(".");
  if (p.owned.includes(parts[0]!)) return true;
  return p.provides.includes(parts.slice(0, 3).join("."));
}

/**
 * Which resolved distributions provide each import module.
 *
 * @param modules - dotted modules as imported (`google.cloud.firestore`, `yaml`); a
 *   `from google.cloud import firestore` is passed as `google.cloud.firestore`.
 * @returns module → normalised distribution names (empty: nothing resolved provides it; absent:
 *   unknown, because some resolved distribution's file list could not be read).
 */
export async function providersOf(resolution: ResolvedDist[], modules: string[], cache: string): Promise<Map<string, string[]>> {
  const names = new Set(resolution.map((d) => d.name));
  const out = new Map<string, string[]>();
  const unexplained: string[] = [];
  for (const m of modules) {
    const byName = distributionsFor(m).filter((d) => names.has(d));
    if (byName.length) out.set(m, byName);
    else unexplained.push(m);
  }
  if (unexplained.length === 0) return out;
  const withWheel = resolution.filter((d) => d.wheel);
  const listings = new Map<string, WheelProvides | null>();
  for (let i = 0; i < withWheel.length; i += 8) {
    const batch = withWheel.slice(i, i + 8);
    const got = await Promise.all(batch.map((d) => cachedProvides(d.wheel!, cache)));
    batch.forEach((d, j) => listings.set(d.name, got[j]!));
  }
  const complete = withWheel.length === resolution.length && [...listings.values()].every((p) => p !== null);
  for (const m of unexplained) {
    const hits = [...listings].filter(([, p]) => p && provided(p, m)).map(([n]) => n);
    // Nothing found while some file lists are unknown (an sdist, a network error): leave it to the built-in map.
    if (hits.length || complete) out.set(m, hits);
  }
  return out;
}
