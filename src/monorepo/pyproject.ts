import { parse as parseToml } from "smol-toml";
import { FASTMCP_REQUIREMENT, SHARED_BLOCK_BEGIN, SHARED_BLOCK_END } from "./requirements.js";

/**
 * Each generated server is a uv project (uv docs, "Working on projects"): `pyproject.toml`
 * declares its dependencies, `uv.lock` pins them, and `requirements.txt` (what FastMCP Cloud,
 * the Dockerfile and `bundle` install) is exported from the lock with `uv export`.
 *
 * `[tool.uv] package = false` makes the server a virtual project: uv installs its
 * dependencies but never builds the folder itself (uv docs, "Configuring projects / Build
 * systems"). Dev tools live in the `dev` dependency group (PEP 735), which `uv sync` installs
 * and `uv export --no-dev` leaves out.
 */

/** Name of the project file in a server folder. */
export const PYPROJECT = "pyproject.toml";
/** Name of uv's lock file in a server folder. */
export const UV_LOCK = "uv.lock";
/** Dev-group requirements of a new server (tests run with `uv run pytest`). */
export const DEV_REQUIREMENTS = ["pytest>=8"];

/** First line of a requirements.txt exported from uv.lock: the marker `check` and `sync` read. */
export const EXPORTED_HEADER = "# GENERATED from uv.lock by `npx create-mcp-monorepo lock`: do not edit.";

/** The comment lines of an exported requirements.txt, before uv's own output. */
export function exportedHeader(folder: string): string[] {
  return [
    EXPORTED_HEADER,
    `# ${folder}: exact pins FastMCP Cloud, the Dockerfile and bundle install. To change a dependency,`,
    "# edit pyproject.toml (or `uv add NAME` in this folder), then run the lock command above.",
  ];
}

/** True when a requirements.txt is one exported from uv.lock (its first line is {@link EXPORTED_HEADER}). */
export function isExportedRequirements(text: string | null): boolean {
  return text !== null && text.split(/\r?\n/, 1)[0] === EXPORTED_HEADER;
}

/**
 * A TOML basic string. JSON's escapes are valid TOML escapes (toml.io, "String"); TOML also
 * refuses DEL unescaped and a lone surrogate in any form, so DEL is escaped and a lone surrogate
 * becomes U+FFFD (what writing the text as UTF-8 makes of it anyway).
 */
function tomlString(s: string): string {
  const wellFormed = s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  return JSON.stringify(wellFormed).replace(/\x7f/g, "\\u007F");
}

/** A TOML comment's text: control characters other than tab are not allowed in one (toml.io, "Comment"). */
function tomlComment(text: string): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, "?");
}

/**
 * The array lines of a requirement list, four spaces in, one per line. An entry starting with `#`
 * is a comment line, and a requirement followed by ` # text` keeps that comment after its comma
 * (no requirement starts with `#`, and a URL's `#` follows no space).
 */
function arrayLines(reqs: readonly string[]): string[] {
  return reqs.map((r) => {
    if (r.startsWith("#")) return `    ${tomlComment(r)}`;
    const m = /^(.*?)\s+(#.*)$/.exec(r);
    return m ? `    ${tomlString(m[1]!)},  ${tomlComment(m[2]!)}` : `    ${tomlString(r)},`;
  });
}

/** The requirement lines of `shared/requirements.txt` (no blanks, no comments, trailing comments cut). */
export function sharedRequirementLines(sharedText: string): string[] {
  return sharedText
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, "").trim())
    .filter(Boolean);
}

/** Inputs of {@link renderServerPyproject}. */
export interface PyprojectInputs {
  /** Server folder, the project's name (e.g. `server-ops`). */
  folder: string;
  description: string;
  /** Lowest Python the monorepo supports (`requires-python = ">=3.12"`). */
  python: string;
  /** Text of canonical `shared/requirements.txt`: its lines go into the managed block. */
  sharedRequirements: string;
  /** The server's own requirements (after FastMCP's, before the block); an entry may be a `# comment` line or end in one. */
  own: readonly string[];
  /** Requirements before `own` (default: FastMCP's range; `upgrade` passes none when `own` holds the server's whole list). */
  leading?: readonly string[];
  /** The dev dependency group (default {@link DEV_REQUIREMENTS}). */
  dev?: readonly string[];
}

/**
 * A new server's pyproject.toml: FastMCP and the server's own requirements, the managed shared
 * block last, the dev group and `package = false`.
 *
 * The block comes last because `uv add` inserts a new requirement in sorted position only when
 * the whole list is sorted and appends it otherwise, after the block's end comment. A sorted
 * list whose block holds names sorting after the server's own (only then) can take a new name
 * inside the block, where the next `sync` would drop it; `check`'s lock rule then reports it.
 */
export function renderServerPyproject(p: PyprojectInputs): string {
  return [
    "[project]",
    `name = ${tomlString(p.folder)}`,
    'version = "0.1.0"',
    `description = ${tomlString(p.description.replace(/\s+/g, " ").trim())}`,
    `requires-python = ${tomlString(`>=${p.python}`)}`,
    "dependencies = [",
    ...arrayLines([...(p.leading ?? [FASTMCP_REQUIREMENT]), ...p.own]),
    `    ${SHARED_BLOCK_BEGIN}`,
    ...arrayLines(sharedRequirementLines(p.sharedRequirements)),
    `    ${SHARED_BLOCK_END}`,
    "]",
    "",
    "[dependency-groups]",
    "dev = [",
    ...arrayLines(p.dev ?? DEV_REQUIREMENTS),
    "]",
    "",
    "[tool.uv]",
    "# A virtual project: uv installs the dependencies and never builds this folder as a package.",
    "package = false",
    "",
  ].join("\n");
}

/** Result of {@link mergePyprojectBlock}. */
export interface PyprojectMerge {
  /** The new text, or null when the block is missing or broken. */
  text: string | null;
  /** 1-based line of the problem, when `text` is null. */
  line?: number;
  message?: string;
}

/**
 * Replaces the managed shared block inside pyproject.toml's `dependencies` array with the lines
 * of `shared/requirements.txt`; everything else (uv's own edits from `uv add`/`uv remove`
 * included) is kept byte for byte. Keeps CRLF line endings.
 */
export function mergePyprojectBlock(text: string, sharedText: string): PyprojectMerge {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split(/\r?\n/);
  const begins = lines.flatMap((l, i) => (l.trim() === SHARED_BLOCK_BEGIN ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trim() === SHARED_BLOCK_END ? [i] : []));
  if (begins.length === 0 && ends.length === 0) {
    return { text: null, line: 1, message: `pyproject.toml has no managed shared-requirements block ("${SHARED_BLOCK_BEGIN}" ... "${SHARED_BLOCK_END}" inside [project] dependencies); add the two comment lines by hand` };
  }
  if (begins.length !== 1 || ends.length !== 1 || ends[0]! < begins[0]!) {
    return { text: null, line: (begins[1] ?? ends[1] ?? begins[0] ?? ends[0]!) + 1, message: `the managed shared-requirements block is broken (expect one "${SHARED_BLOCK_BEGIN}" line, then one "${SHARED_BLOCK_END}" line); fix it by hand` };
  }
  const indent = /^\s*/.exec(lines[begins[0]!]!)![0];
  const block = sharedRequirementLines(sharedText).map((r) => `${indent}${tomlString(r)},`);
  const out = [...lines.slice(0, begins[0]! + 1), ...block, ...lines.slice(ends[0]!)];
  return { text: out.join(eol) };
}

/** The parts of a pyproject.toml the lock and check read. */
export interface PyprojectFacts {
  name: string | null;
  requiresPython: string | null;
  dependencies: string[];
  /** Requirements of every dependency group, by group name. */
  groups: Record<string, string[]>;
  /** `[project.optional-dependencies]`: requirements of every extra, by extra name. */
  optionalDependencies: Record<string, string[]>;
}

/**
 * Reads a pyproject.toml's project name, requires-python, dependencies and dependency groups.
 *
 * @throws Error (from the TOML parser) for a file that is not valid TOML.
 */
export function readPyproject(text: string): PyprojectFacts {
  const data = parseToml(text) as { project?: { name?: unknown; "requires-python"?: unknown; dependencies?: unknown; "optional-dependencies"?: Record<string, unknown> }; "dependency-groups"?: Record<string, unknown> };
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const groups: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(data["dependency-groups"] ?? {})) groups[k] = strings(v);
  const optionalDependencies: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(data.project?.["optional-dependencies"] ?? {})) optionalDependencies[k] = strings(v);
  return {
    name: typeof data.project?.name === "string" ? data.project.name : null,
    requiresPython: typeof data.project?.["requires-python"] === "string" ? data.project["requires-python"] : null,
    dependencies: strings(data.project?.dependencies),
    groups,
    optionalDependencies,
  };
}

/**
 * Whether a pyproject.toml has a `[build-system]` table (PEP 518): the project itself can be built
 * and installed. False for text that is not valid TOML.
 */
export function hasBuildSystem(text: string): boolean {
  try {
    const data = parseToml(text) as { "build-system"?: unknown };
    return typeof data["build-system"] === "object" && data["build-system"] !== null;
  } catch {
    return false;
  }
}
