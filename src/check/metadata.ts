import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import path from "node:path";
import { runProcess } from "../kernel/proc.js";
import { findNonPypiLines, requirementName } from "../monorepo/requirements.js";
import { distributionsFor, normalizeDistribution } from "./import-names.js";
import { wheelProvides, type WheelProvides } from "./wheel-files.js";

/**
 * Real package metadata for rule `undeclared-dependency`: which distributions a
 * server's requirements resolve to, and which of them provide each import.
 *
 * 1. The requirements (PyPI lines only) are resolved for the target runtime with pip:
 *    `pip install --dry-run --ignore-installed --report - --python-version X.Y --only-binary=:all:`
 *    (pip ≥ 22.2; `--target` is passed because older pips ask for it with `--python-version`).
 *    The report lists every distribution that would be installed and whether it was requested
 *    (named in the file) or pulled in transitively (pip "Installation Report" format, version 1).
 * 2. Import names come from the resolved wheels' file lists (central directory read with HTTP
 *    range requests, `wheel-files.ts`), fetched only for imports that no distribution name explains.
 *
 * Both are cached under `<cache>/check/` by content (requirements + runtime; wheel URL), so the
 * answer depends on the requirements and the target runtime, never on what the parsing
 * interpreter has installed. Without pip, network or a resolvable set, `check` falls back to its
 * built-in map (`import-names.ts`).
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

/** The resolution of one requirements set. */
export type Resolution = { ok: true; dists: ResolvedDist[] } | { ok: false; impossible: boolean; message: string };

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

/**
 * Resolves requirement lines with pip for a runtime (`3.12`), cached by content.
 *
 * @param python - an interpreter with pip (the analyzing one).
 * @param lines - PyPI requirement lines.
 * @param runtime - `X.Y` the target platform runs.
 * @param cache - absolute cache folder.
 */
export async function resolveRequirements(python: string, lines: string[], runtime: string, cache: string, env: NodeJS.ProcessEnv): Promise<Resolution> {
  const key = createHash("sha256").update(JSON.stringify({ v: 3, runtime, lines: [...lines].sort() })).digest("hex").slice(0, 32);
  const file = path.join(cache, "check", "resolve", `${key}.json`);
  const cached = await fs.readFile(file, "utf8").then((t) => JSON.parse(t) as Resolution, () => null);
  if (cached) return cached;
  const tmp = await fs.mkdtemp(path.join(cache, "check", ".tmp-")).catch(async () => {
    await fs.mkdir(path.join(cache, "check"), { recursive: true });
    return fs.mkdtemp(path.join(cache, "check", ".tmp-"));
  });
  try {
    const req = path.join(tmp, "requirements.txt");
    await fs.writeFile(req, lines.join("\n") + "\n");
    const args = ["-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", "--disable-pip-version-check", "--no-input",
      "--report", path.join(tmp, "report.json"), "--python-version", runtime, "--only-binary=:all:", "--target", path.join(tmp, "target"), "-r", req];
    const r = await runProcess(python, args, { env: { ...env, PIP_NO_INPUT: "1", PYTHONIOENCODING: "utf-8" }, timeoutMs: 180_000 });
    let result: Resolution;
    if (r.code === 0) {
      const report = JSON.parse(await fs.readFile(path.join(tmp, "report.json"), "utf8")) as PipReport;
      result = {
        ok: true,
        dists: report.install.map((i) => ({
          name: normalizeDistribution(i.metadata.name),
          version: i.metadata.version,
          requested: i.requested,
          wheel: /\.whl$/.test(i.download_info.url) ? i.download_info.url : null,
          requires: names((i.metadata.requires_dist ?? []).filter((d) => !/extra\s*==/.test(d))),
          requiresExtra: names((i.metadata.requires_dist ?? []).filter((d) => /extra\s*==/.test(d))),
        })),
      };
    } else {
      const impossible = /ResolutionImpossible|conflicting dependencies/i.test(r.stderr);
      result = { ok: false, impossible, message: pipReason(r.stderr) || (r.startError ? `cannot run ${python}: ${r.startError.message}` : `pip exited with ${r.code}`) };
      if (!impossible) return result; // network or pip trouble: not cached
    }
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(`${file}.${process.pid}`, JSON.stringify(result));
    await fs.rename(`${file}.${process.pid}`, file);
    return result;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
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
