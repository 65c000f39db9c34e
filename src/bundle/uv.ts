import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { runProcess } from "../kernel/proc.js";
import type { BundlePlatform } from "./platforms.js";
import { installFailure } from "./install-errors.js";

/**
 * Installs a server's dependencies into `deps/` with uv, for another interpreter and platform
 * (https://docs.astral.sh/uv/reference/cli/#uv-pip-install: `--target`, `--python-platform`,
 * `--python-version`, `--only-binary :all:`), the way awslabs' MCP servers build their bundles.
 * uv resolves and installs the same wheels pip would, several times faster; pip remains the
 * fallback where uv is absent.
 */

/** uv's `--python-platform` per bundle platform (manylinux 2.28 as pip's newest tag; macOS 11 as pip's). */
export const UV_PLATFORMS: Readonly<Record<BundlePlatform, string>> = {
  "linux-x86_64": "x86_64-manylinux_2_28",
  "linux-arm64": "aarch64-manylinux_2_28",
  "macos-arm64": "aarch64-apple-darwin",
  "macos-x86_64": "x86_64-apple-darwin",
  "windows-x86_64": "x86_64-pc-windows-msvc",
};

/** The uv arguments (exported for tests and docs). */
export function uvArgs(opts: { target: string; requirements: string; python: string; platform: BundlePlatform; interpreter: string }): string[] {
  return [
    "pip", "install", "--no-config", "--target", opts.target,
    "--python-platform", UV_PLATFORMS[opts.platform], "--python-version", opts.python, "--only-binary", ":all:",
    "--python", opts.interpreter, "--no-progress", "-r", opts.requirements,
  ];
}

/**
 * Finds uv: `$MCPM_UV`, `uv` on PATH, else the `uv` beside the interpreter that would run pip
 * (`pip install uv` puts it there).
 *
 * @returns its path, or null when there is none.
 */
export async function findUv(env: NodeJS.ProcessEnv, pythonExe: string | null, signal?: AbortSignal): Promise<string | null> {
  const candidates = [env.MCPM_UV, "uv", pythonExe ? path.join(path.dirname(pythonExe), process.platform === "win32" ? "uv.exe" : "uv") : undefined];
  for (const c of candidates) {
    if (!c) continue;
    const r = await runProcess(c, ["--version"], { env, signal, timeoutMs: 20_000 });
    if (r.code === 0 && /^uv /.test(r.stdout)) return c;
  }
  return null;
}

/**
 * The environment uv runs in: no interpreter downloads (an explicit interpreter is always
 * given), and pip's index URLs carried over when uv's own are not set.
 */
export function uvEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, UV_PYTHON_DOWNLOADS: "never", NO_COLOR: "1" };
  if (env.PIP_INDEX_URL && !env.UV_INDEX_URL && !env.UV_DEFAULT_INDEX) out.UV_DEFAULT_INDEX = env.PIP_INDEX_URL;
  if (env.PIP_EXTRA_INDEX_URL && !env.UV_EXTRA_INDEX_URL && !env.UV_INDEX) out.UV_INDEX = env.PIP_EXTRA_INDEX_URL;
  return out;
}

/** Truthy as pip reads a boolean setting (`PIP_NO_INDEX=1`, `yes`, `true`, `on`). */
const on = (v: string | undefined) => v !== undefined && v !== "" && !/^(0|false|no|off)$/i.test(v);

/**
 * pip's `PIP_NO_INDEX` and `PIP_FIND_LINKS` as uv options (uv reads no environment variable for
 * `--no-index`): a build pointed at local wheels only stays there with either installer.
 */
export function uvIndexArgs(env: NodeJS.ProcessEnv): string[] {
  const args: string[] = [];
  if (on(env.PIP_NO_INDEX)) args.push("--no-index");
  for (const link of (env.PIP_FIND_LINKS ?? "").split(/\s+/).filter(Boolean)) args.push("--find-links", link);
  return args;
}

/**
 * Runs uv to fill `target`.
 *
 * @throws UserError, one line, naming the server and uv's first error when it fails.
 */
export async function uvInstall(opts: {
  uv: string;
  interpreter: string;
  target: string;
  requirements: string;
  python: string;
  platform: BundlePlatform;
  folder: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  progress?: (line: string) => void;
}): Promise<void> {
  const r = await runProcess(opts.uv, [...uvArgs(opts), ...uvIndexArgs(opts.env)], {
    env: uvEnv(opts.env),
    signal: opts.signal,
    onLine: (l) => {
      const t = l.trim();
      if (/^(Resolved|Prepared|Installed|Audited) \d+ packages?/.test(t)) opts.progress?.(t.replace(/ in [\d.]+m?s$/, ""));
    },
  });
  if (r.startError) throw new UserError(`cannot run uv (${opts.uv}: ${r.startError.code}); install uv, or build with --installer pip`);
  if (r.code !== 0) throw installFailure("uv", r.output, { folder: opts.folder, python: opts.python, platform: opts.platform, target: opts.target });
}
