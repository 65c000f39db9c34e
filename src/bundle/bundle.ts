import * as fs from "node:fs/promises";
import path from "node:path";
import { CannotRunError, UserError } from "../kernel/errors.js";
import { acquireShared } from "../monorepo/busy.js";
import { openMonorepo, UnknownServerError, type Monorepo, type MonorepoServer } from "../monorepo/monorepo.js";
import { collectBundleFiles, type BundleFile } from "./files.js";
import { requiredVariables } from "./env.js";
import { findBuildPython, introspectServer } from "./introspect.js";
import { buildManifest } from "./manifest.js";
import { normalizeDeps, pipInstall, type Progress } from "./pip.js";
import { hostPlatform, type BundlePlatform } from "./platforms.js";
import { checkOutDir, checkTargets, makeOutDir, removeStaleStaging, stage } from "./out.js";
import { findNonPypiLines } from "../monorepo/requirements.js";
import { sha256FileName } from "./verify.js";
import { writeReproducibleZip, type ZipEntry } from "./zip.js";

/**
 * The `bundle` core (validated options in, results out, never prompts or prints).
 *
 * For each server: `DIR/server-NAME-VERSION-PLATFORM.mcpb`, a reproducible zip laid out as the
 * MCPB Python runtime expects (the MCPB specification's bundle structure): `manifest.json`, the server's
 * files (`src/` and the rest its `.mcpbignore` keeps), and `deps/` installed by pip from
 * `requirements.txt` for the manifest's Python and the platform; plus `<bundle>.sha256`.
 */

/** Options of {@link runBundle}. */
export interface BundleOptions {
  /** Absolute folder to start from (walks up to `mcp-monorepo.yaml`). */
  start: string;
  /** Server names; empty for every server in the manifest. */
  servers: string[];
  /** Absolute output folder; default `<root>/dist`. */
  out?: string;
  /** How to name `out` in messages (what the user typed); default `out`. */
  shownOut?: string;
  /** Target platform; default the machine's ({@link hostPlatform}). */
  platform?: BundlePlatform;
  /** Interpreter that runs pip (`--python`); default `$MCPM_PYTHON`, else python3/python. */
  python?: string;
  env: NodeJS.ProcessEnv;
  /** Called with a server name and a pip progress line. */
  progress?: (server: string, line: string) => void;
}

/** One built bundle. */
export interface BuiltBundle {
  server: string;
  /** Absolute path of the `.mcpb`. */
  file: string;
  /** Absolute path of its `.sha256`. */
  sha256File: string;
  /** Bytes. */
  size: number;
  /** Lower-case hex. */
  sha256: string;
  platform: BundlePlatform;
  python: string;
  version: string;
  /** Entries in the zip. */
  entries: number;
}

/** Bundle file name: `server-NAME-VERSION-PLATFORM.mcpb`. */
export function bundleFileName(folder: string, version: string, platform: BundlePlatform): string {
  return `${folder}-${version}-${platform}.mcpb`;
}

/** Falls back to this version when `FastMCP(...)` is given none. */
export const DEFAULT_VERSION = "0.0.0";

/**
 * Builds the bundles, one server after the other.
 *
 * @throws UserError with exit code 2 outside a monorepo and for an unknown server name (listing
 *   the known ones); with exit code 1 for: a
 *   machine with no default platform; no Python with pip; an excluded or missing
 *   `src/server.py`; a symlink among the files; pip failing (e.g. no wheel for the platform).
 *   Nothing is left in the output folder for a server that failed.
 */
export async function runBundle(opts: BundleOptions): Promise<BuiltBundle[]> {
  // "Could not run" exits 2, as in sync and check: outside a monorepo (openMonorepo says so), an unknown server.
  const repo = await openMonorepo(opts.start);
  // A shared hold: no writer (sync, add-server, add-target) changes the tree while it is read,
  // so a bundle never mixes old and new files.
  const release = await acquireShared(repo.root, "bundle");
  try {
    return await bundleIn(repo, opts);
  } finally {
    await release();
  }
}

async function bundleIn(repo: Monorepo, opts: BundleOptions): Promise<BuiltBundle[]> {
  const { root, manifest } = repo;
  let selected: MonorepoServer[];
  try {
    selected = repo.select(opts.servers);
  } catch (err) {
    if (!(err instanceof UnknownServerError)) throw err;
    throw new CannotRunError(`no server named "${err.unknown[0]}" in mcp-monorepo.yaml (servers: ${err.known.join(", ") || "none"})`);
  }
  if (selected.length === 0) throw new UserError("mcp-monorepo.yaml lists no servers to bundle");
  const platform = opts.platform ?? hostPlatform();
  if (!platform) throw new UserError(`no bundle platform matches this machine (${process.platform}-${process.arch}); pass --platform`);
  const outDir = opts.out ?? path.join(root, "dist");
  const shownOut = opts.out === undefined ? "dist/" : opts.shownOut ?? opts.out;
  await checkOutDir(outDir, root, shownOut);
  const pythonExe = await findBuildPython(opts.python, opts.env);

  // Everything that can be refused is checked for every server before anything is written.
  const plans: Array<{ s: MonorepoServer; dir: string; files: BundleFile[]; file: string; version: string; mcpbManifest: unknown }> = [];
  for (const s of selected) {
    const dir = s.dir;
    const files = await collectBundleFiles(dir, s.folder);
    const requirements = await fs.readFile(path.join(dir, "requirements.txt"), "utf8").catch(() => null);
    if (requirements === null) throw new UserError(`${s.folder}/requirements.txt is missing or unreadable; bundle installs the server's dependencies from it`);
    const bad = findNonPypiLines(requirements);
    if (bad.length) throw new UserError(`${s.folder}/requirements.txt line ${bad[0]!.line} \`${bad[0]!.text.slice(0, 120)}\`: ${bad[0]!.message}; bundle vendors PyPI packages only`);
    const facts = await introspectServer(pythonExe, path.join(dir, "src", "server.py"), `${s.folder}/src/server.py`, opts.env);
    const version = facts.version ?? DEFAULT_VERSION;
    if (!SAFE_VERSION.test(version)) {
      throw new UserError(`${s.folder}/src/server.py: FastMCP version ${JSON.stringify(version.slice(0, 80))} cannot be part of the bundle's file name; use a version such as 1.2.0 (letters, digits, ".", "+", "-", "_")`);
    }
    const envText = await fs.readFile(path.join(dir, ".env.example"), "utf8").catch(() => "");
    const mcpbManifest = buildManifest({
      project: manifest.project,
      server: s.name,
      description: s.description,
      repository: manifest.repository,
      version,
      python: manifest.python,
      platform,
      tools: facts.tools,
      required: requiredVariables(envText),
    });
    const file = path.join(outDir, bundleFileName(s.folder, version, platform));
    await checkTargets(file, (p) => path.relative(root, p).split(path.sep).join("/") || p);
    plans.push({ s, dir, files, file, version, mcpbManifest });
  }

  const undoOutDir = await makeOutDir(outDir);
  const built: BuiltBundle[] = [];
  try {
    for (const { s, dir, files, file, version, mcpbManifest } of plans) {
      const staged = await stage(file);
      try {
        const progress: Progress = (line) => opts.progress?.(s.name, line);
        await pipInstall({ pythonExe, target: staged.deps, requirements: path.join(dir, "requirements.txt"), python: manifest.python, platform, folder: s.folder, env: opts.env, progress });
        await normalizeDeps(staged.deps);
        const entries: ZipEntry[] = [{ name: "manifest.json", data: Buffer.from(JSON.stringify(mcpbManifest, null, 2) + "\n") }];
        for (const f of files) entries.push({ name: f.rel, file: f.abs });
        for (const f of await listFiles(staged.deps)) entries.push({ name: `deps/${f.rel}`, file: f.abs });
        const { size, sha256 } = await writeReproducibleZip(entries, staged.zip);
        await staged.commit(sha256);
        built.push({ server: s.name, file, sha256File: sha256FileName(file), size, sha256, platform, python: manifest.python, version, entries: entries.length });
      } finally {
        await staged.remove();
      }
    }
  } catch (err) {
    if (built.length === 0) await undoOutDir();
    throw err;
  }
  // Only a run that built its bundles tidies up after killed ones (a refused run changes nothing).
  await removeStaleStaging(outDir);
  return built;
}

/** A FastMCP version that can be part of a file name: PEP 440 and SemVer characters, no path. */
const SAFE_VERSION = /^[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?$/;

/** Every regular file under `dir`, as POSIX paths relative to it. */
async function listFiles(dir: string): Promise<BundleFile[]> {
  const out: BundleFile[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.push({ rel: path.relative(dir, abs).split(path.sep).join("/"), abs });
  }
  return out;
}
