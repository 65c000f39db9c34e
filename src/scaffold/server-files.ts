import { ENV_BLOCK_BEGIN, ENV_BLOCK_END, ENV_EXAMPLE, mergeEnvBlock } from "../monorepo/env-block.js";
import { toEnvPrefix, toFolder, toTitle } from "../monorepo/names.js";
import type { DesiredFile } from "../monorepo/changes.js";
import { renderGenerator } from "./render.js";
import type { ServerData } from "./template-data.js";
import { renderServerRequirements } from "../monorepo/requirements.js";
import { PYPROJECT, renderServerPyproject } from "../monorepo/pyproject.js";
import { fastmcpJsonPython } from "../monorepo/deploy-compat.js";
import { VENDORED_DIR, type SharedFile } from "../monorepo/vendor.js";
import { VERSION } from "../version.js";
import type { Target } from "../monorepo/manifest.js";
import { renderTargetFiles } from "./targets.js";

/**
 * A new server's own requirements: what its generated code imports directly besides
 * FastMCP and shared's (`starlette` for the `/health` route, `uvicorn` for `src/asgi.py`).
 * FastMCP 4 installs both already (fastmcp-slim[server]: starlette>=1.0.1, uvicorn>=0.35);
 * listing them keeps `check`'s undeclared-dependency rule honest.
 */
export const SERVER_OWN_REQUIREMENTS = ["starlette>=1.0", "uvicorn>=0.35"];

/** Template data for a server from its validated name and free-text description. */
export function serverData(name: string, description: string): ServerData {
  return {
    name,
    description,
    folder: toFolder(name),
    title: toTitle(name),
    greetingVar: `${toEnvPrefix(name)}_GREETING`,
  };
}

/** What {@link serverFiles} renders one server folder from. */
export interface ServerFilesInput {
  /** Template data ({@link serverData}). */
  server: ServerData;
  /** The monorepo's Python version (e.g. "3.12"). */
  python: string;
  /** Canonical shared files to vendor (requirements.txt excluded). */
  shared: SharedFile[];
  /** Text of canonical `shared/requirements.txt`. */
  sharedRequirements: string;
  /**
   * Text of canonical `shared/.env.example` (put in the `.env.example`'s managed block), or null
   * for a monorepo without one (the block is then left out).
   */
  sharedEnv: string | null;
  /**
   * The monorepo's deployment targets: their per-server artefacts (Dockerfile, k8s.yaml,
   * .mcpbignore; src/scaffold/targets.ts) are rendered too. Default: none.
   */
  targets?: readonly Target[];
}

/**
 * Every file of one `server-<name>/` folder, as `create` and `add-server`
 * write it: the `server` generator's output, the vendored copy of the
 * canonical shared package (byte-exact, modes kept), pyproject.toml (a uv project) and
 * requirements.txt, both with shared's requirements in the managed block, and the targets'
 * artefacts. This is the unlocked form: `mcp-monorepo lock` then writes uv.lock and exports
 * requirements.txt from it.
 *
 * @returns POSIX path relative to the monorepo root → file.
 */
export async function serverFiles({ server, python, shared, sharedRequirements, sharedEnv, targets = [] }: ServerFilesInput): Promise<Map<string, DesiredFile>> {
  const files = await renderGenerator("server", { server, python, pythonRequirement: fastmcpJsonPython(python), generatorVersion: VERSION });
  for (const f of shared) {
    files.set(`${server.folder}/${VENDORED_DIR}/${f.path}`, { content: f.content, mode: f.mode });
  }
  const pyproject = renderServerPyproject({ folder: server.folder, description: server.description, python, sharedRequirements, own: SERVER_OWN_REQUIREMENTS });
  files.set(`${server.folder}/${PYPROJECT}`, { content: pyproject, mode: 0o644 });
  files.set(`${server.folder}/requirements.txt`, { content: renderServerRequirements(server.folder, sharedRequirements, SERVER_OWN_REQUIREMENTS), mode: 0o644 });
  fillEnvBlock(files, `${server.folder}/${ENV_EXAMPLE}`, sharedEnv);
  const env = files.get(`${server.folder}/.env.example`);
  const envExample = env ? Buffer.from(env.content).toString("utf8") : null;
  for (const [p, f] of await renderTargetFiles(targets, { server, python, envExample })) files.set(p, f);
  return files;
}

/**
 * Fills the (empty) shared-settings block a template rendered into the `.env.example` at `rel`
 * with `sharedEnv`, exactly as `sync` would (so sync has nothing to do after create or
 * add-server); with `sharedEnv` null, removes the marker lines instead.
 *
 * @throws Error when the rendered file has no usable block (a template bug).
 */
export function fillEnvBlock(files: Map<string, DesiredFile>, rel: string, sharedEnv: string | null): void {
  const file = files.get(rel);
  if (!file) return;
  const text = String(file.content);
  let out: string | null;
  if (sharedEnv === null) {
    out = text
      .split("\n")
      .filter((l) => l !== ENV_BLOCK_BEGIN && l !== ENV_BLOCK_END)
      .join("\n")
      .replace(/\n{3,}/g, "\n\n");
  } else {
    out = mergeEnvBlock({ sharedText: sharedEnv, fileText: text, file: rel, header: "" }).text;
  }
  if (out === null || (sharedEnv !== null && !text.includes(ENV_BLOCK_BEGIN))) throw new Error(`template bug: ${rel} has no usable shared-settings block`);
  files.set(rel, { ...file, content: out });
}
