import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { UserError } from "../core/errors.js";
import { loadManifestFrom, type ManifestServer } from "../core/manifest.js";
import { collectBundleFiles, type BundleFile } from "./files.js";
import { requiredVariables } from "./env.js";
import { findBuildPython, introspectServer } from "./introspect.js";
import { buildManifest } from "./manifest.js";
import { normalizeDeps, pipInstall, type Progress } from "./pip.js";
import { hostPlatform, type BundlePlatform } from "./platforms.js";
import { sha256FileName } from "./verify.js";
import { writeReproducibleZip, type ZipEntry } from "./zip.js";

/**
 * The `bundle` core (issue 9, STYLE.md §1: validated options in, results out, never prompts or prints).
 *
 * For each server: `DIR/server-NAME-VERSION-PLATFORM.mcpb`, a reproducible zip laid out as the
 * MCPB Python runtime expects (seed 001 "Bundle Structure"): `manifest.json`, the server's
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
  // "Could not run" exits 2, as in sync and check: outside a monorepo, an unknown server.
  const { root, manifest } = await loadManifestFrom(opts.start).catch((err: unknown) => {
    throw err instanceof UserError ? new UserError(err.message, 2) : err;
  });
  const known = new Map(manifest.servers.map((s) => [s.name, s]));
  const selected: ManifestServer[] = [];
  for (const name of opts.servers) {
    const s = known.get(name.replace(/^server-/, "")) ?? manifest.servers.find((x) => x.folder === name);
    if (!s) throw new UserError(`no server named "${name}" in mcp-monorepo.yaml (servers: ${[...known.keys()].join(", ") || "none"})`, 2);
    if (!selected.includes(s)) selected.push(s);
  }
  if (opts.servers.length === 0) selected.push(...manifest.servers);
  if (selected.length === 0) throw new UserError("mcp-monorepo.yaml lists no servers to bundle");
  const platform = opts.platform ?? hostPlatform();
  if (!platform) throw new UserError(`no bundle platform matches this machine (${process.platform}-${process.arch}); pass --platform`);
  const pythonExe = await findBuildPython(opts.python, opts.env);
  const outDir = opts.out ?? path.join(root, "dist");
  await fs.mkdir(outDir, { recursive: true });

  const built: BuiltBundle[] = [];
  for (const s of selected) {
    const dir = path.join(root, s.folder);
    const files = await collectBundleFiles(dir, s.folder);
    const facts = await introspectServer(pythonExe, path.join(dir, "src", "server.py"), `${s.folder}/src/server.py`, opts.env);
    const envText = await fs.readFile(path.join(dir, ".env.example"), "utf8").catch(() => "");
    const version = facts.version ?? DEFAULT_VERSION;
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
    const work = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-bundle-"));
    try {
      const deps = path.join(work, "deps");
      const progress: Progress = (line) => opts.progress?.(s.name, line);
      await pipInstall({ pythonExe, target: deps, requirements: path.join(dir, "requirements.txt"), python: manifest.python, platform, folder: s.folder, env: opts.env, progress });
      await normalizeDeps(deps);
      const entries: ZipEntry[] = [{ name: "manifest.json", data: Buffer.from(JSON.stringify(mcpbManifest, null, 2) + "\n") }];
      for (const f of files) entries.push({ name: f.rel, file: f.abs });
      for (const f of await listFiles(deps)) entries.push({ name: `deps/${f.rel}`, file: f.abs });
      const name = bundleFileName(s.folder, version, platform);
      const file = path.join(outDir, name);
      const partial = path.join(outDir, `.${name}.partial`);
      const { size, sha256 } = await writeReproducibleZip(entries, partial).catch(async (err: unknown) => {
        await fs.rm(partial, { force: true });
        throw err;
      });
      await fs.rename(partial, file);
      const side = sha256FileName(file);
      await fs.writeFile(side, `${sha256}  ${name}\n`);
      built.push({ server: s.name, file, sha256File: side, size, sha256, platform, python: manifest.python, version, entries: entries.length });
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }
  return built;
}

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
