import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { runProcess } from "../kernel/proc.js";
import { installFailure } from "./install-errors.js";
import { PLATFORM_SPECS, type BundlePlatform } from "./platforms.js";

/**
 * Installs a server's dependencies into `deps/` for another interpreter and platform with
 * pip's cross-install flags (https://pip.pypa.io/en/stable/cli/pip_install/: `--target`,
 * `--platform`, `--python-version`, `--implementation`, `--only-binary=:all:`, which pip
 * requires whenever `--platform`/`--python-version` are given), then normalises pip's output so
 * two installs of the same wheels give the same files.
 */

/** Progress callback: one short line per pip step ("Collecting fastmcp", "Downloading ..."). */
export type Progress = (line: string) => void;

/** The pip arguments for a cross-platform install (exported for tests and docs). */
export function pipArgs(opts: { target: string; requirements: string; python: string; platform: BundlePlatform }): string[] {
  const args = ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar", "off", "--no-compile"];
  args.push("--target", opts.target, "--python-version", opts.python, "--implementation", "cp", "--only-binary=:all:");
  for (const tag of PLATFORM_SPECS[opts.platform].pipTags) args.push("--platform", tag);
  args.push("-r", opts.requirements);
  return args;
}

/** pip lines worth showing as progress. */
const PROGRESS = /^\s*(Collecting|Downloading|Using cached|Installing collected packages|Successfully installed)\b/;

/**
 * A pip output line shortened for progress: no "(from ...)" requirement chains, package lists
 * counted ("Installing 63 packages").
 */
export function progressLine(line: string): string {
  const l = line.trim().replace(/ \(from .*$/, "");
  const list = /^(Installing collected packages|Successfully installed):?\s*(.*)$/.exec(l);
  if (!list) return l;
  const n = list[2]!.split(/[\s,]+/).filter(Boolean).length;
  return `${list[1] === "Successfully installed" ? "Installed" : "Installing"} ${n} package${n === 1 ? "" : "s"}`;
}

/**
 * Runs pip (with the interpreter `python`) to fill `target`.
 *
 * @param opts.python - interpreter that runs pip (any Python with pip; not the bundle's Python).
 * @param opts.env - environment (PIP_* settings such as PIP_CACHE_DIR or PIP_INDEX_URL pass through).
 * @throws UserError naming the server and pip's last error lines when pip fails (e.g. a
 *   requirement has no wheel for the platform: `--only-binary=:all:` refuses sdists).
 */
export async function pipInstall(opts: {
  pythonExe: string;
  target: string;
  requirements: string;
  python: string;
  platform: BundlePlatform;
  folder: string;
  env: NodeJS.ProcessEnv;
  progress?: Progress;
  /** Aborting kills pip and rejects with a CancelledError. */
  signal?: AbortSignal;
}): Promise<void> {
  const args = pipArgs(opts);
  const result = await runProcess(opts.pythonExe, args, {
    env: { ...opts.env, PYTHONUTF8: "1" },
    signal: opts.signal,
    onLine: (l) => {
      if (PROGRESS.test(l)) opts.progress?.(progressLine(l));
    },
  });
  if (result.startError) {
    throw new UserError(`cannot run pip with ${opts.pythonExe} (${result.startError.code}); pass --python PATH to a Python that has pip`);
  }
  if (result.code !== 0) {
    let output = result.output;
    // pip reports an index it cannot reach as "from versions: none" (its connection errors are
    // retried quietly): ask the index itself, with the same interpreter and proxy settings.
    if (/from versions: none/.test(output)) {
      const index = opts.env.PIP_INDEX_URL || "https://pypi.org/simple/";
      const probe = await runProcess(opts.pythonExe, ["-c", "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)", index], { env: opts.env, timeoutMs: 20_000, signal: opts.signal });
      if (probe.code !== 0) output += `\nConnectError: ${index} ${probe.stderr.trim().split(/\r?\n/).at(-1) ?? ""}`;
    }
    throw installFailure("pip", output, { folder: opts.folder, python: opts.python, platform: opts.platform, target: opts.target });
  }
}

/**
 * Makes pip's `--target` output reproducible, in place:
 * - `bin/` goes: console scripts carry the build machine's interpreter path in their shebang,
 *   and the bundle runs its server with `python`, never through them;
 * - `__pycache__/` and `*.pyc` go (pip was told `--no-compile`; this catches the rest);
 * - `*.dist-info/direct_url.json` goes (it records local paths and URLs);
 * - each `*.dist-info/RECORD` keeps only the lines of files still present (its own line
 *   included, unhashed as pip writes it), in pip's order.
 * - uv's `.lock` goes.
 * `INSTALLER` (`pip` or `uv`) and `REQUESTED` are the same for every install and stay.
 *
 * @param target - the folder pip installed into.
 */
export async function normalizeDeps(target: string): Promise<void> {
  await fs.rm(path.join(target, "bin"), { recursive: true, force: true });
  // uv's lock of the target folder while it installs.
  await fs.rm(path.join(target, ".lock"), { force: true });
  const distInfos: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === "__pycache__") await fs.rm(abs, { recursive: true, force: true });
        else {
          if (e.name.endsWith(".dist-info") && dir === target) distInfos.push(abs);
          await walk(abs);
        }
      } else if (e.name.endsWith(".pyc") || e.name.endsWith(".pyo")) {
        await fs.rm(abs, { force: true });
      }
    }
  }
  await walk(target);
  for (const info of distInfos) {
    await fs.rm(path.join(info, "direct_url.json"), { force: true });
    const recordFile = path.join(info, "RECORD");
    const record = await fs.readFile(recordFile, "utf8").catch(() => null);
    if (record === null) continue;
    const kept: string[] = [];
    for (const line of record.split(/\r?\n/)) {
      if (!line) continue;
      const rel = recordPath(line);
      if (rel === null || rel.startsWith("../") || rel.startsWith("/")) continue;
      if (await fs.stat(path.join(target, rel)).then((s) => s.isFile(), () => false)) kept.push(line);
    }
    await fs.writeFile(recordFile, kept.map((l) => l + "\n").join(""));
  }
}

/** The path field of a RECORD line (CSV: the path may be quoted when it holds a comma). */
function recordPath(line: string): string | null {
  if (line.startsWith('"')) {
    const end = line.indexOf('",');
    return end === -1 ? null : line.slice(1, end).replace(/""/g, '"');
  }
  const comma = line.indexOf(",");
  return comma === -1 ? line : line.slice(0, comma);
}
