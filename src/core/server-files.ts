import { toEnvPrefix, toFolder, toTitle } from "./names.js";
import type { DesiredFile } from "./plan.js";
import { renderGenerator, type ServerData } from "./render.js";
import { renderServerRequirements } from "./requirements.js";
import { VENDORED_DIR, type SharedFile } from "./vendor.js";
import { VERSION } from "../version.js";

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

/**
 * Every file of one `server-<name>/` folder, as `create` and `add-server`
 * write it: the `server` generator's output, the vendored copy of the
 * canonical shared package (byte-exact, modes kept), and requirements.txt
 * with shared's requirements in the managed block.
 *
 * @param server - template data ({@link serverData}).
 * @param python - the monorepo's Python version (e.g. "3.12").
 * @param shared - canonical shared files to vendor (requirements.txt excluded).
 * @param sharedRequirements - text of canonical `shared/requirements.txt`.
 * @returns POSIX path relative to the monorepo root → file.
 */
export async function serverFiles(
  server: ServerData,
  python: string,
  shared: SharedFile[],
  sharedRequirements: string,
): Promise<Map<string, DesiredFile>> {
  const files = await renderGenerator("server", { server, python, pythonRequirement: `>=${python}`, generatorVersion: VERSION });
  for (const f of shared) {
    files.set(`${server.folder}/${VENDORED_DIR}/${f.path}`, { content: f.content, mode: f.mode });
  }
  files.set(`${server.folder}/requirements.txt`, { content: renderServerRequirements(server.folder, sharedRequirements, SERVER_OWN_REQUIREMENTS), mode: 0o644 });
  return files;
}
