import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./python.js";

const execFileP = promisify(execFile);

/** The commit of this repository that is create-mcp-monorepo 0.1.0 (before the uv layout). */
export const OLD_COMMIT = "adc70d6";
export const OLD_VERSION = "0.1.0";
/** Where the packed old generator is cached between runs. */
export const OLD_TARBALL = path.join(REPO_ROOT, ".cache", "upgrade", `create-mcp-monorepo-${OLD_VERSION}-${OLD_COMMIT}.tgz`);

/**
 * The tarball of create-mcp-monorepo 0.1.0 as `npm pack` makes it, built from this repository's
 * history: `git archive adc70d6`, its dependencies installed from npm (its own frozen lockfile),
 * its build, `npm pack`. Cached in `.cache/upgrade/` (the first build takes ~15 s).
 *
 * @throws Error when the commit is not in this clone (a shallow clone: fetch the history).
 */
export async function oldGeneratorTarball(): Promise<string> {
  if (await fs.stat(OLD_TARBALL).then(() => true, () => false)) return OLD_TARBALL;
  try {
    await execFileP("git", ["cat-file", "-e", `${OLD_COMMIT}^{commit}`], { cwd: REPO_ROOT });
  } catch {
    throw new Error(`commit ${OLD_COMMIT} (create-mcp-monorepo ${OLD_VERSION}) is not in this clone, so the old generator cannot be built; fetch the full history (git fetch --unshallow) or put its npm pack tarball at ${OLD_TARBALL}`);
  }
  const work = await fs.mkdtemp(path.join(tmpdir(), "mcpm-oldgen-"));
  try {
    const src = path.join(work, "src");
    await fs.mkdir(src);
    await execFileP("sh", ["-c", `git -C "$1" archive ${OLD_COMMIT} | tar -x -C "$2"`, "sh", REPO_ROOT, src]);
    const env = { ...process.env, npm_config_loglevel: "error" };
    await execFileP("npx", ["-y", "pnpm@10", "install", "--frozen-lockfile", "--ignore-scripts"], { cwd: src, env, maxBuffer: 1 << 24, timeout: 300_000 });
    await execFileP(process.execPath, ["scripts/build.mjs"], { cwd: src, env, timeout: 300_000 });
    await execFileP("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: src, env, timeout: 120_000 });
    const tgz = (await fs.readdir(work)).find((n) => n.endsWith(".tgz"))!;
    await fs.mkdir(path.dirname(OLD_TARBALL), { recursive: true });
    const tmp = `${OLD_TARBALL}.${process.pid}.tmp`;
    await fs.copyFile(path.join(work, tgz), tmp);
    await fs.rename(tmp, OLD_TARBALL);
    return OLD_TARBALL;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Unpacks the old generator into a temporary folder and returns the path of its bin. */
export async function oldGeneratorBin(): Promise<string> {
  const tgz = await oldGeneratorTarball();
  const dir = await fs.mkdtemp(path.join(tmpdir(), "mcpm-oldbin-"));
  await execFileP("tar", ["-xzf", tgz, "-C", dir]);
  return path.join(dir, "package", "bin", "create-mcp-monorepo.js");
}
