import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { cacheDir } from "../kernel/cache.js";
import { CannotRunError, UserError } from "../kernel/errors.js";
import { pathExists } from "../kernel/fs.js";
import { lastLine, runProcess } from "../kernel/proc.js";
import type { Manifest } from "../monorepo/manifest.js";

/**
 * The base of `upgrade`'s three-way merge: what the generator version a monorepo records
 * (`generator: create-mcp-monorepo@X` in its manifest) rendered for the manifest's answers.
 * That version's own package renders it: the published tarball (`npm pack
 * create-mcp-monorepo@X`), or a tarball given with `--from-package`, is unpacked once into the
 * user cache folder (`<cache>/generators/`) and its `create` is run with the manifest's project,
 * servers, Python, targets, repository and branch into a temporary folder (no git, no lock).
 * The package is self-contained (its bundle has no runtime dependencies), so nothing is installed.
 */

/** The package name every version of the generator is published under. */
export const PACKAGE_NAME = "create-mcp-monorepo";

/** An unpacked generator package. */
export interface GeneratorPackage {
  /** Absolute folder holding its package.json and bin/. */
  dir: string;
  version: string;
}

/** Options of {@link obtainGenerator}. */
export interface ObtainOptions {
  /** A `.tgz` of the generator (as `npm pack` makes it), used instead of npm's. */
  fromPackage?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Reads an unpacked package's name and version. */
async function packageIdentity(dir: string): Promise<{ name: string; version: string } | null> {
  try {
    const pkg = JSON.parse(await fs.readFile(path.join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
    return typeof pkg.name === "string" && typeof pkg.version === "string" ? { name: pkg.name, version: pkg.version } : null;
  } catch {
    return null;
  }
}

/**
 * Unpacks a tarball into `dest` (its `package/` folder becomes `dest`): into a temporary folder
 * beside it first, renamed into place, so a killed run never leaves a half-unpacked package.
 */
async function unpack(tgz: string, dest: string, signal?: AbortSignal): Promise<void> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const tmp = await fs.mkdtemp(`${dest}.unpack-`);
  try {
    const r = await runProcess("tar", ["-xzf", tgz, "-C", tmp], { signal, timeoutMs: 120_000 });
    if (r.startError?.notFound) throw new CannotRunError("upgrade needs tar to unpack the generator package, which was not found on PATH");
    if (r.code !== 0) throw new UserError(`cannot unpack ${tgz}: ${lastLine(r.stderr) || `tar exited with ${r.code}`}`);
    const inner = path.join(tmp, "package");
    if (!(await pathExists(path.join(inner, "package.json")))) throw new UserError(`${tgz} is not an npm package tarball (no package/package.json in it)`);
    await fs.rename(inner, dest).catch(async (err: NodeJS.ErrnoException) => {
      // Another run unpacked the same package meanwhile: theirs is as good.
      if ((err.code === "ENOTEMPTY" || err.code === "EEXIST") && (await pathExists(path.join(dest, "package.json")))) return;
      throw err;
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The generator package of `version`, unpacked in the user cache folder (downloaded or unpacked
 * on first use).
 *
 * @throws CannotRunError when npm cannot fetch that version (not published, offline), naming
 *   `--from-package`; UserError when the given tarball is not that version of the generator.
 */
export async function obtainGenerator(version: string, opts: ObtainOptions = {}): Promise<GeneratorPackage> {
  const env = opts.env ?? process.env;
  const root = path.join(cacheDir(env), "generators");
  let dir: string;
  if (opts.fromPackage) {
    const tgz = path.resolve(opts.fromPackage);
    const bytes = await fs.readFile(tgz).catch((err: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read --from-package ${opts.fromPackage} (${err.code ?? err.message})`);
    });
    const digest = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    dir = path.join(root, `${PACKAGE_NAME}-${version}-${digest}`);
    if (!(await pathExists(path.join(dir, "package.json")))) await unpack(tgz, dir, opts.signal);
  } else {
    dir = path.join(root, `${PACKAGE_NAME}-${version}`);
    if (!(await pathExists(path.join(dir, "package.json")))) {
      const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-pack-"));
      try {
        const r = await runProcess("npm", ["pack", `${PACKAGE_NAME}@${version}`, "--pack-destination", tmp, "--silent"], { env, signal: opts.signal, timeoutMs: 300_000 });
        const tgz = (await fs.readdir(tmp)).find((n) => n.endsWith(".tgz"));
        if (r.code !== 0 || !tgz) {
          const why = r.startError?.notFound ? "npm was not found on PATH" : lastLine(r.stderr) || `npm pack exited with ${r.code}`;
          throw new CannotRunError(`cannot fetch ${PACKAGE_NAME}@${version}, the generator that made this monorepo, from npm (${why}); pass its tarball with --from-package FILE.tgz`);
        }
        await unpack(path.join(tmp, tgz), dir, opts.signal);
      } finally {
        await fs.rm(tmp, { recursive: true, force: true });
      }
    }
  }
  const id = await packageIdentity(dir);
  if (id?.name !== PACKAGE_NAME || id.version !== version) {
    throw new UserError(`${opts.fromPackage ?? dir} holds ${id ? `${id.name}@${id.version}` : "no package.json"}, not ${PACKAGE_NAME}@${version}, the generator this monorepo records; give that version's tarball`);
  }
  return { dir, version };
}

/** The `create` arguments that reproduce a manifest's answers (project = the folder's name). */
export function createArguments(manifest: Manifest): string[] {
  const args = [`--python=${manifest.python}`, `--repository=${manifest.repository}`, `--branch=${manifest.branch}`];
  for (const s of manifest.servers) args.push(`--server=${s.name}`, `--description=${s.description}`);
  for (const t of manifest.targets) args.push(`--target=${t}`);
  return [...args, "--no-git", "--yes", "--json"];
}

/** Every file under `dir`: POSIX relative path → bytes. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, abs).split(path.sep).join("/"), await fs.readFile(abs));
  }
  return out;
}

/**
 * Renders a manifest's monorepo with an older generator package: its `create` in a temporary
 * folder named as the project, read back and removed.
 *
 * @returns POSIX relative path → bytes, as that version wrote them.
 * @throws UserError when that version's create refuses the answers (its one-line error quoted).
 */
export async function renderWithPackage(pkg: GeneratorPackage, manifest: Manifest, opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<Map<string, Buffer>> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-base-"));
  try {
    const target = path.join(tmp, manifest.project);
    const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), MCPM_NO_LOCK: "1", NO_COLOR: "1" };
    delete env.FORCE_COLOR;
    const r = await runProcess(process.execPath, [path.join(pkg.dir, "bin", `${PACKAGE_NAME}.js`), "create", target, ...createArguments(manifest)], { cwd: tmp, env, signal: opts.signal, timeoutMs: 300_000 });
    if (r.code !== 0) {
      throw new UserError(`${PACKAGE_NAME}@${pkg.version} could not render this monorepo's base (${lastLine(r.stderr) || `exit ${r.code}`})`);
    }
    return await readTree(target);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
