import path from "node:path";
import type { ManifestServer } from "../monorepo/manifest.js";

/**
 * Where a bundle starts: the manifest's `entrypoint` (`server-ops/src/app.py:mcp`, the form
 * FastMCP Cloud asks for: https://gofastmcp.com/deployment/fastmcp-cloud) decides the entry
 * file (the MCPB `entry_point` and what `mcp_config` runs), the server object, and the folder
 * uvicorn is started in for HTTP (`--app-dir`), whose `asgi.py` holds the app.
 */

/** The entry of a bundle. */
export interface BundleEntry {
  /** Entry file relative to the server folder (POSIX), e.g. `src/server.py`. */
  file: string;
  /** Module name of the entry file inside its folder, e.g. `server`. */
  module: string;
  /** Name of the FastMCP object in it (default `mcp`). */
  object: string;
  /** The entry file's folder relative to the server folder, e.g. `src` (`.` for the folder itself). */
  appDir: string;
}

/**
 * Reads a server's entry from its manifest entrypoint; the folder prefix is optional.
 *
 * @returns null when the entrypoint names no `.py` file.
 */
export function bundleEntry(server: Pick<ManifestServer, "entrypoint" | "folder">): BundleEntry | null {
  const m = /^(.*\.py)(?::([A-Za-z_][A-Za-z0-9_]*))?$/.exec(server.entrypoint.trim());
  if (!m) return null;
  const prefix = server.folder.replace(/\/+$/, "") + "/";
  let file = m[1]!.replace(/\\/g, "/").replace(/^\.\//, "");
  if (file.startsWith(prefix)) file = file.slice(prefix.length);
  file = path.posix.normalize(file);
  if (file.startsWith("../") || path.posix.isAbsolute(file)) return null;
  return { file, module: path.posix.basename(file, ".py"), object: m[2] ?? "mcp", appDir: path.posix.dirname(file) };
}
