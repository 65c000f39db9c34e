import { homedir } from "node:os";
import path from "node:path";

/**
 * The user cache folder of `mcp-monorepo` (resolved package metadata for `check`, throwaway
 * venvs for `verify`). In order: `$MCPM_CACHE_DIR`; `$XDG_CACHE_HOME/mcp-monorepo`; on macOS
 * `~/Library/Caches/mcp-monorepo`; on Windows `%LOCALAPPDATA%\mcp-monorepo\Cache`; else
 * `~/.cache/mcp-monorepo` (the XDG Base Directory default).
 *
 * @param env - environment to read (injected for tests).
 * @returns an absolute folder (not created).
 */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  if (env.MCPM_CACHE_DIR) return path.resolve(env.MCPM_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, "mcp-monorepo");
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Caches", "mcp-monorepo");
  if (process.platform === "win32") return path.join(env.LOCALAPPDATA ?? path.join(home, "AppData", "Local"), "mcp-monorepo", "Cache");
  return path.join(home, ".cache", "mcp-monorepo");
}
