import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import path from "node:path";
import { runProcess } from "../kernel/proc.js";

/**
 * Throwaway venvs for `verify`, one per requirements set, cached by content: a fresh virtual
 * environment that installs only from requirements.txt, as the platform's build does.
 *
 * A venv lives in `<cache>/verify/venvs/<hash>/` where the hash covers the requirement lines and
 * the base interpreter's version; `.complete` is written last, so a half-built venv (killed run,
 * failed install) is rebuilt. A `<hash>.lock` folder (mkdir is atomic) keeps two runs from building
 * the same venv at once; a lock older than 30 minutes is taken over. pip's own download cache is
 * used as usual, so rebuilding after a cache wipe does not download again.
 */

/** A ready venv. */
export interface Venv {
  dir: string;
  python: string;
  /** The venv's `fastmcp` console script (may not exist if the requirements do not install FastMCP). */
  fastmcp: string;
  /** True when it was already built. */
  cached: boolean;
  /** Key of the cache entry. */
  hash: string;
}

const bin = (dir: string, name: string) => path.join(dir, process.platform === "win32" ? "Scripts" : "bin", process.platform === "win32" ? `${name}.exe` : name);

/** The cache key of a requirements set for a base interpreter version. */
export function venvHash(lines: string[], pythonVersion: string): string {
  return createHash("sha256").update(JSON.stringify({ v: 1, python: pythonVersion, lines: [...lines].map((l) => l.trim()).filter(Boolean).sort() })).digest("hex").slice(0, 24);
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(() => true, () => false);
}

/** Thrown when pip cannot install the requirements (the log is pip's output). */
export class InstallError extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
  }
}

/**
 * Returns the venv for these requirements, building it if needed.
 *
 * @param basePython - interpreter that creates the venv (`python -m venv`).
 * @param pythonVersion - its `X.Y.Z` (part of the key).
 * @param lines - requirement lines (what the platform installs).
 * @throws InstallError when `venv` or `pip install` fails.
 */
export async function ensureVenv(basePython: string, pythonVersion: string, lines: string[], cache: string, env: NodeJS.ProcessEnv): Promise<Venv> {
  const hash = venvHash(lines, pythonVersion);
  const root = path.join(cache, "verify", "venvs");
  const dir = path.join(root, hash);
  const venv = { dir, python: bin(dir, "python"), fastmcp: bin(dir, "fastmcp"), hash };
  if (await exists(path.join(dir, ".complete"))) return { ...venv, cached: true };
  await fs.mkdir(root, { recursive: true });
  const lock = `${dir}.lock`;
  for (const started = Date.now(); ; ) {
    try {
      await fs.mkdir(lock);
      break;
    } catch {
      if (await exists(path.join(dir, ".complete"))) return { ...venv, cached: true };
      const st = await fs.stat(lock).catch(() => null);
      if (st && Date.now() - st.mtimeMs > 30 * 60_000) await fs.rm(lock, { recursive: true, force: true });
      if (Date.now() - started > 30 * 60_000) throw new InstallError(`timed out waiting for another run to build ${dir}`, "");
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (await exists(path.join(dir, ".complete"))) return { ...venv, cached: true };
    await fs.rm(dir, { recursive: true, force: true });
    const mk = await runProcess(basePython, ["-m", "venv", dir], { cwd: root, env, timeoutMs: 180_000 });
    if (mk.code !== 0) throw new InstallError(`python -m venv failed (exit ${mk.code})`, mk.output || (mk.startError?.message ?? ""));
    const req = path.join(dir, "requirements.txt");
    await fs.writeFile(req, lines.join("\n") + "\n");
    const pip = await runProcess(venv.python, ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q", "-r", req], {
      cwd: root,
      env: { ...env, PIP_NO_INPUT: "1" },
      timeoutMs: 20 * 60_000,
    });
    if (pip.code !== 0) {
      await fs.rm(dir, { recursive: true, force: true });
      throw new InstallError(`pip install failed (exit ${pip.code}${pip.timedOut ? ", timed out" : ""})`, pip.output || (pip.startError?.message ?? ""));
    }
    await fs.writeFile(path.join(dir, ".complete"), new Date().toISOString() + "\n");
    return { ...venv, cached: false };
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}
