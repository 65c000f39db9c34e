import * as fs from "node:fs/promises";
import path from "node:path";
import { processAlive } from "../monorepo/busy.js";
import { UserError } from "../kernel/errors.js";
import { stagingOwner, stagingSibling } from "../monorepo/changes.js";
import { sha256FileName } from "./verify.js";
import { sha256File } from "./zip.js";

/**
 * Where `bundle` writes, and how it writes there without ever leaving half a result.
 *
 * Each bundle is built in a staging folder beside it in the output folder,
 * `.<bundle>.mcpm-staging-<pid>` (the bundle's tree with the installer's `--target`, the zip being written, its `.sha256`), and
 * only complete files are renamed into place: the `.mcpb` first, then its `.sha256`. A run killed
 * at any point leaves no `.mcpb`, or a complete one; a killed run's staging folder (its process
 * is gone) is removed by the next run, which first moves a staged `.sha256` into place when the
 * `.mcpb` beside it is the one it describes (killed between the two renames).
 */

/** The first existing ancestor of `p` (or `p`), with the rest of the path below it. */
async function existingAncestor(p: string): Promise<{ dir: string; rest: string[] }> {
  const rest: string[] = [];
  let dir = p;
  for (;;) {
    if (await fs.lstat(dir).then(() => true, () => false)) return { dir, rest };
    const up = path.dirname(dir);
    if (up === dir) return { dir, rest };
    rest.unshift(path.basename(dir));
    dir = up;
  }
}

/** True when `p` is `dir` or inside it (lexically). */
function inside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Checks the output folder before anything is built.
 *
 * @param outDir - absolute output folder (`--out`, default `<root>/dist`).
 * @param root - absolute monorepo root.
 * @param shown - how to name the folder in a message.
 * @throws UserError when the path holds a NUL byte; when a part of it is a file; when it lies
 *   inside the monorepo but a symbolic link on the way leads out of it (a link such as
 *   `dist -> /elsewhere` would make bundle write where nobody asked it to; name the real folder
 *   with `--out` instead).
 */
export async function checkOutDir(outDir: string, root: string, shown: string): Promise<void> {
  if (outDir.includes("\0")) throw new UserError(`--out ${JSON.stringify(shown)} holds a NUL byte; name a folder`);
  const { dir, rest } = await existingAncestor(outDir);
  const st = await fs.stat(dir).catch(() => null);
  if (!st) throw new UserError(`${shown}: ${path.relative(root, dir) || dir} is a broken symbolic link; name a folder that exists or can be created`);
  if (!st.isDirectory()) throw new UserError(`${shown} is not a folder (${rest.length ? `${dir} is a file` : "it is a file"}); name a folder for the bundles`);
  if (inside(outDir, root)) {
    const realRoot = await fs.realpath(root);
    const real = path.join(await fs.realpath(dir), ...rest);
    if (!inside(real, realRoot)) {
      throw new UserError(`${shown} is inside the monorepo but a symbolic link leads it to ${real}, outside it; bundle writes only where it is told: pass --out ${real} to write there`);
    }
  }
}

/**
 * Creates the output folder (and its missing parents).
 *
 * @returns a function that removes the folders this created, if they are still empty (a run
 *   that fails leaves the tree as it was).
 */
export async function makeOutDir(outDir: string): Promise<() => Promise<void>> {
  const first = await fs.mkdir(outDir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`cannot create the output folder ${outDir} (${err.code ?? err.message})`);
  });
  return async () => {
    if (!first) return;
    for (let d = outDir; inside(d, first); d = path.dirname(d)) {
      if (!(await fs.rmdir(d).then(() => true, () => false))) return;
      if (d === first) return;
    }
  };
}

/**
 * Refuses to replace a `.mcpb` or `.sha256` that is not a regular file (a symbolic link, a
 * folder): bundle replaces only the files it wrote.
 */
export async function checkTargets(file: string, shown: (p: string) => string): Promise<void> {
  for (const p of [file, sha256FileName(file)]) {
    const st = await fs.lstat(p).catch(() => null);
    if (st && !st.isFile()) {
      throw new UserError(`${shown(p)} exists and is ${st.isSymbolicLink() ? "a symbolic link" : st.isDirectory() ? "a folder" : "not a regular file"}; bundle replaces only regular files: move it away and run bundle again`);
    }
  }
}

/** Name of a bundle's staged `.sha256` inside its staging folder. */
const STAGED_SHA = "bundle.sha256";
/** Name of the zip being written inside the staging folder. */
const STAGED_ZIP = "bundle.mcpb";

/**
 * Removes the staging folders of bundles in `outDir` whose process is gone, first finishing
 * a commit that was killed between its two renames.
 */
export async function removeStaleStaging(outDir: string): Promise<void> {
  const entries = await fs.readdir(outDir).catch(() => [] as string[]);
  for (const e of entries) {
    const owner = stagingOwner(e);
    if (!owner?.target.endsWith(".mcpb") || processAlive(owner.pid)) continue;
    const staging = path.join(outDir, e);
    const bundle = path.join(outDir, owner.target);
    const staged = await fs.readFile(path.join(staging, STAGED_SHA), "utf8").catch(() => null);
    if (staged !== null && (await fs.lstat(bundle).then((s) => s.isFile(), () => false))) {
      const want = staged.trim().split(/\s+/)[0];
      if (want && (await sha256File(bundle)) === want) await fs.rename(path.join(staging, STAGED_SHA), sha256FileName(bundle)).catch(() => undefined);
    }
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** A bundle being built: its staging folder, what goes where, and the commit. */
export interface Staged {
  dir: string;
  /** The bundle's tree as it will be zipped: the server's files, `deps/`, the guard and bytecode. */
  root: string;
  /** The installer's `--target` (`<root>/deps`). */
  deps: string;
  /** The zip being written. */
  zip: string;
  /** Renames the zip and then its `.sha256` into place. */
  commit(sha256: string): Promise<void>;
  /** Removes the staging folder (always call it, after commit or failure). */
  remove(): Promise<void>;
}

/** Creates the staging folder of `file` for this process. */
export async function stage(file: string): Promise<Staged> {
  const dir = stagingSibling(file, process.pid);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir);
  const zip = path.join(dir, STAGED_ZIP);
  const root = path.join(dir, "bundle");
  await fs.mkdir(root);
  return {
    dir,
    root,
    deps: path.join(root, "deps"),
    zip,
    async commit(sha256: string) {
      const sha = path.join(dir, STAGED_SHA);
      await fs.writeFile(sha, `${sha256}  ${path.basename(file)}\n`);
      await fs.rename(zip, file);
      await fs.rename(sha, sha256FileName(file));
    },
    remove: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
