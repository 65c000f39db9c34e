import { checkServerLock } from "../../lock/index.js";
import { distinctTargetPythons } from "../../monorepo/deploy-compat.js";
import { FASTMCP_CLOUD_PYTHON } from "../../monorepo/manifest.js";
import { finding, type Rule } from "../rule.js";

/**
 * Rule `stale-lock`: a server's requirements.txt (what FastMCP Cloud, the Dockerfile and
 * `bundle` install) must be the export of its uv.lock, and uv.lock must match pyproject.toml
 * (uv docs, "Locking and syncing": `uv lock --check` fails when the lock is outdated).
 * Otherwise what is tested locally with `uv run` is not what deploys. A server without uv.lock
 * whose requirements.txt is not an export (the unlocked form) is not checked.
 */
const FIX = "run `npx create-mcp-monorepo lock` (it re-locks and re-exports requirements.txt), then commit uv.lock and requirements.txt";

export const staleLockRule: Rule = async (server, ctx) => {
  const python = distinctTargetPythons(ctx.manifest?.python ?? FASTMCP_CLOUD_PYTHON, ctx.targets)[0]!;
  const r = await checkServerLock(server.server.dir, server.folder, python, ctx.env);
  if (!r) return [];
  return [finding("stale-lock", "error", server, `${server.folder}/${r.file}`, null, r.problem, FIX)];
};
