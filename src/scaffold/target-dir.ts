import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { MANIFEST_FILE } from "../monorepo/manifest.js";

/**
 * Checks on `create`'s target folder and project name, run as each answer is typed
 * (as create-vite does) and again on flags, so a bad folder is refused before any
 * other question. Synchronous on purpose: clack validators are called on every Enter.
 */

/** Project names `create` accepts: letters, digits, `.`, `_`, `-`; starts with a letter or digit; at most 100. */
export const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Validates a project name (plop convention: `true` or a one-line message).
 * The message suggests a valid name when one can be derived (`My Servers` → `my-servers`).
 */
export function validateProjectName(name: string): true | string {
  if (PROJECT_NAME.test(name)) return true;
  const suggestion = suggestProjectName(name);
  const rule = "a project name may hold letters, digits, '.', '_' and '-' (at most 100, starting with a letter or digit)";
  return `${JSON.stringify(name)} is not a valid project name: ${rule}${suggestion ? `; try ${JSON.stringify(suggestion)}` : ""}`;
}

/**
 * A valid project name close to `name` (lower case; runs of other characters become one
 * hyphen; accents dropped), or null when nothing is left. `My Servers` → `my-servers`.
 */
export function suggestProjectName(name: string): string | null {
  const s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[._-]+|[._-]+$/g, "")
    .slice(0, 100)
    .replace(/[._-]+$/, "");
  return s && PROJECT_NAME.test(s) ? s : null;
}

/** The state of a target folder that `create` may use. */
export type TargetState = "absent" | "empty" | "git-only";

/**
 * Decides whether `create` may write into `targetDir` (absolute).
 *
 * Accepted: a folder that does not exist, is empty, or holds only `.git`.
 * Refused with a message that says what to do instead: a file of that name; a folder that is
 * already an mcp-monorepo (holds `mcp-monorepo.yaml`: suggests `add-server`), or is inside one
 * (a nested monorepo would shadow the outer one for every command run in it); any other
 * non-empty folder; a folder name that starts with a dot or is not a valid project name
 * (with a suggested name).
 *
 * @param targetDir - absolute path.
 * @param shown - how to name the folder in messages (what the user typed).
 * @returns the state when usable, else a one-line message.
 */
export function checkTargetDir(targetDir: string, shown: string): TargetState | { problem: string } {
  const base = path.basename(targetDir);
  if (base.startsWith(".")) return { problem: `pick a folder name that does not start with a dot (got ${JSON.stringify(shown)})` };
  const name = validateProjectName(base);
  if (name !== true) return { problem: `folder ${name}` };
  const outer = enclosingMonorepo(path.dirname(targetDir));
  if (outer) {
    return {
      problem: `${shown} would be inside the mcp-monorepo at ${outer} (it has ${MANIFEST_FILE}); to add a server to it run: npx create-mcp-monorepo add-server NAME --cwd ${outer}; for a separate monorepo pick a folder outside it`,
    };
  }
  let st;
  try {
    st = statSync(targetDir);
  } catch {
    return "absent";
  }
  if (!st.isDirectory()) return { problem: `${shown} exists and is not a folder; pick a new folder name` };
  const entries = readdirSync(targetDir);
  if (entries.includes(MANIFEST_FILE)) {
    return { problem: `${shown} is already an mcp-monorepo (it has ${MANIFEST_FILE}); to add a server to it run: npx create-mcp-monorepo add-server NAME --cwd ${shown}` };
  }
  const foreign = entries.filter((e) => e !== ".git");
  if (foreign.length > 0) {
    const list = foreign.slice(0, 3).join(", ") + (foreign.length > 3 ? ", ..." : "");
    return { problem: `${shown} is not empty (${list}); pick a new folder` };
  }
  return entries.length === 0 ? "empty" : "git-only";
}

/** The nearest folder at or above `dir` holding {@link MANIFEST_FILE}, or null. */
function enclosingMonorepo(dir: string): string | null {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if (statSync(path.join(d, MANIFEST_FILE)).isFile()) return d;
    } catch {
      // not here
    }
    if (path.dirname(d) === d) return null;
  }
}
