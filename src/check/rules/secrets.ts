import path from "node:path";
import { findSecretFiles } from "../../monorepo/secrets.js";
import { SHARED_DIR } from "../../monorepo/vendor.js";
import type { Target } from "../../monorepo/manifest.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `secret-file`: no secret-looking file (private keys, `*.pem`/`*.key`/`*.p12`/`*.pfx`,
 * `.netrc`, `.npmrc`, `.pypirc`, `.aws/`, `.ssh/`, `.envrc`, `secrets.*`, `credentials*`; the
 * one list of src/monorepo/secrets.ts) lies inside a server folder or `shared/`, for every
 * target: each ships the server's files (FastMCP Cloud builds from the git repository, Docker
 * copies the build context, Kubernetes runs that image, an MCPB bundle is a zip of the folder).
 * `bundle`, the generated `.dockerignore` and `sync` leave such files out, but a file that is
 * there is one `git add .` or one edited ignore file away from being published.
 *
 * `.env` files are the documented place for local settings (git, `.dockerignore` and `bundle`
 * keep them out) and are not reported here.
 */

/** Folders of installed packages, caches and build output: not the server's own files. */
const NOT_OWN = new Set([".venv", "venv", "env", "node_modules", ".git", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache", "dist", "build"]);
const LOCAL_ENV = /(^|\/)\.env(\.[^/]*)?$/;

/** What shipping means for each target, for the message. */
const SHIPS: Readonly<Record<Target, string>> = {
  "fastmcp-cloud": "FastMCP Cloud builds from the git repository",
  docker: "docker build copies the folder",
  k8s: "Kubernetes runs the Docker image",
  mcpb: "the MCPB bundle zips the folder",
};

function message(rel: string, what: string, targets: readonly Target[]): string {
  return `${rel} looks like ${what} and must not ship with the server (${targets.map((t) => SHIPS[t]).join("; ")})`;
}
const FIX = "move it out of the monorepo (e.g. into ~/.config or a secret store) and read it at run time from an environment variable; never commit it";

/** The per-server rule. */
export const secretFileRule: Rule = async (server, ctx) => {
  if (!server.dirExists || ctx.targets.length === 0) return [];
  const found = await findSecretFiles(server.server.dir, { skip: NOT_OWN, keep: (rel) => !LOCAL_ENV.test(rel) });
  const prefix = server.folder === "." ? "" : `${server.folder}/`;
  return found.map((f) => finding("secret-file", "error", server, prefix + f.rel, null, message(prefix + f.rel, f.what, ctx.targets), FIX));
};

/** Findings for `shared/` (monorepo-wide: server null). */
export async function sharedSecretFindings(root: string, targets: readonly Target[]): Promise<Finding[]> {
  if (targets.length === 0) return [];
  const found = await findSecretFiles(path.join(root, SHARED_DIR), { skip: NOT_OWN, keep: (rel) => !LOCAL_ENV.test(rel) });
  return found.map((f) => {
    const rel = `${SHARED_DIR}/${f.rel}`;
    return { rule: "secret-file" as const, severity: "error" as const, server: null, file: rel, line: null, message: message(rel, f.what, targets) + "; sync never vendors it", fix: FIX };
  });
}
