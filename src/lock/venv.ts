import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import path from "node:path";
import { runProcess } from "../kernel/proc.js";
import { pathExists } from "../kernel/fs.js";
import { findUv, runUv, uvError } from "./uv.js";

/**
 * Throwaway venvs for `verify`, one per requirements set, cached by content: a fresh virtual
 * environment that installs only from requirements.txt, as the platform's build does.
 *
 * A venv lives in `<cache>/verify/venvs/<hash>/` where the hash covers the requirement lines and
 * the base interpreter's version; `.complete` is written last, so a half-built venv (killed run,
 * failed install) is rebuilt. A `<hash>.lock` folder (mkdir is atomic) keeps two runs from building
 * the same venv at once; a lock older than 30 minutes is taken over.
 *
 * uv builds it when uv is installed (`uv venv` + `uv pip install -r`, the installer FastMCP Cloud
 * itself uses), else `python -m venv` + pip; `MCPM_INSTALLER=pip` asks for pip. Either keeps its
 * own download cache, so rebuilding after a cache wipe does not download again. Neither compiles
 * bytecode at install (pip gets `--no-compile`; uv skips it by default, as in FastMCP Cloud's own
 * `uv pip install`): every process run from the venv gets {@link bytecodeEnv}, so Python writes
 * `.pyc` on first import, only for the modules a server really imports, into the venv's own
 * `.pycache/` (PYTHONPYCACHEPREFIX), never into the server's folder. Compiling all of site-packages
 * up front cost more than the whole install.
 */

/** Which installer built a venv. */
export type Installer = "uv" | "pip";

/** A ready venv. */
export interface Venv {
  dir: string;
  python: string;
  /** The venv's `fastmcp` console script (may not exist if the requirements do not install FastMCP). */
  fastmcp: string;
  /** True when it was already built. */
  cached: boolean;
  /** The installer that built it (`uv 0.13.9`, `pip`); read back from the cache for a cached venv. */
  installer: string;
  /** Key of the cache entry. */
  hash: string;
}

const bin = (dir: string, name: string) => path.join(dir, process.platform === "win32" ? "Scripts" : "bin", process.platform === "win32" ? `${name}.exe` : name);

/**
 * The variables a process run from a venv gets for bytecode: `PYTHONPYCACHEPREFIX=<venv>/.pycache`,
 * where Python reads and writes every `.pyc` (Python docs, "PYTHONPYCACHEPREFIX", 3.8+), so the
 * second start of a server reads what the first compiled, and no `__pycache__` lands beside a
 * server's sources. Python writes each `.pyc` atomically, so processes may share the prefix.
 */
export function bytecodeEnv(venv: Pick<Venv, "dir">): { PYTHONPYCACHEPREFIX: string } {
  return { PYTHONPYCACHEPREFIX: path.join(venv.dir, ".pycache") };
}

/** The cache key of a requirements set for a base interpreter version. */
export function venvHash(lines: string[], pythonVersion: string): string {
  // v2: venvs carry no install-time bytecode (see bytecodeEnv).
  return createHash("sha256").update(JSON.stringify({ v: 2, python: pythonVersion, lines: [...lines].map((l) => l.trim()).filter(Boolean).sort() })).digest("hex").slice(0, 24);
}

/** Thrown when uv or pip cannot install the requirements (the log is the installer's output). */
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
 * @param basePython - interpreter of the venv (`uv venv --python`, or `python -m venv`).
 * @param pythonVersion - its `X.Y.Z` (part of the key).
 * @param lines - requirement lines (what the platform installs).
 * @throws InstallError when creating the venv or installing into it fails.
 */
export async function ensureVenv(basePython: string, pythonVersion: string, lines: string[], cache: string, env: NodeJS.ProcessEnv): Promise<Venv> {
  const hash = venvHash(lines, pythonVersion);
  const root = path.join(cache, "verify", "venvs");
  const dir = path.join(root, hash);
  const venv = { dir, python: bin(dir, "python"), fastmcp: bin(dir, "fastmcp"), hash };
  const complete = path.join(dir, ".complete");
  const cachedVenv = async () => ({ ...venv, cached: true, installer: (await fs.readFile(complete, "utf8").catch(() => "")).split("\n")[1]?.trim() || "pip" });
  if (await pathExists(complete)) return cachedVenv();
  await fs.mkdir(root, { recursive: true });
  const lock = `${dir}.lock`;
  for (const started = Date.now(); ; ) {
    try {
      await fs.mkdir(lock);
      break;
    } catch {
      if (await pathExists(complete)) return cachedVenv();
      const st = await fs.stat(lock).catch(() => null);
      if (st && Date.now() - st.mtimeMs > 30 * 60_000) await fs.rm(lock, { recursive: true, force: true });
      if (Date.now() - started > 30 * 60_000) throw new InstallError(`timed out waiting for another run to build ${dir}`, "");
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (await pathExists(complete)) return cachedVenv();
    await fs.rm(dir, { recursive: true, force: true });
    const req = path.join(root, `${hash}.requirements.txt`);
    await fs.writeFile(req, lines.join("\n") + "\n");
    const uv = env.MCPM_INSTALLER === "pip" ? null : await findUv(env);
    let installer: string;
    if (uv) {
      installer = `uv ${uv.version}`;
      const mk = await runUv(uv, ["venv", "--quiet", "--python", basePython, dir], { cwd: root, env, timeoutMs: 180_000 });
      if (mk.code !== 0) throw new InstallError(`uv venv failed (exit ${mk.code}): ${uvError(mk.stderr)}`, mk.stderr);
      const inst = await runUv(uv, ["pip", "install", "--quiet", "--python", venv.python, "-r", req], { cwd: root, env, timeoutMs: 20 * 60_000 });
      if (inst.code !== 0) {
        await fs.rm(dir, { recursive: true, force: true });
        throw new InstallError(`pip install failed (uv pip install, exit ${inst.code}): ${uvError(inst.stderr)}`, inst.stdout + inst.stderr);
      }
    } else {
      installer = "pip";
      const mk = await runProcess(basePython, ["-m", "venv", dir], { cwd: root, env, timeoutMs: 180_000 });
      if (mk.code !== 0) throw new InstallError(`python -m venv failed (exit ${mk.code})`, mk.output || (mk.startError?.message ?? ""));
      const pip = await runProcess(venv.python, ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--no-compile", "-q", "-r", req], {
        cwd: root,
        env: { ...env, PIP_NO_INPUT: "1" },
        timeoutMs: 20 * 60_000,
      });
      if (pip.code !== 0) {
        await fs.rm(dir, { recursive: true, force: true });
        throw new InstallError(`pip install failed (exit ${pip.code}${pip.timedOut ? ", timed out" : ""})`, pip.output || (pip.startError?.message ?? ""));
      }
    }
    await fs.copyFile(req, path.join(dir, "requirements.txt"));
    await fs.rm(req, { force: true });
    await fs.writeFile(complete, `${new Date().toISOString()}\n${installer}\n`);
    return { ...venv, cached: false, installer };
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}
