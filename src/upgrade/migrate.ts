import { renderServerPyproject, DEV_REQUIREMENTS, PYPROJECT } from "../monorepo/pyproject.js";
import { SHARED_BLOCK_BEGIN, SHARED_BLOCK_END, requirementName } from "../monorepo/requirements.js";

/**
 * Layout migrations: the steps that move a server folder from an older layout to this one, in
 * order. Each is keyed by what is on disk (the manifest's `formatVersion` stayed 1 across these
 * layouts), so it runs once and is a no-op after (idempotent); each is a pure function of the
 * folder's texts, and the caller writes what it returns through the monorepo's write transaction.
 */

/** Name of the test-only requirements file of the requirements.txt-only layout. */
export const REQUIREMENTS_DEV = "requirements-dev.txt";

/** The texts of one server folder a migration reads (null: no such file). */
export interface ServerLayout {
  /** Server folder, e.g. `server-ops`. */
  folder: string;
  description: string;
  /** The monorepo's Python (`requires-python = ">=X"`). */
  python: string;
  /** Text of canonical `shared/requirements.txt` (the managed block). */
  sharedRequirements: string;
  requirements: string | null;
  requirementsDev: string | null;
  pyproject: string | null;
}

/** What a step makes of a server folder: files to write (name → text) and to delete, by name in the folder. */
export interface MigrationResult {
  writes: Record<string, string>;
  deletes: string[];
  /** What happened, one line each (shown to the user). */
  notes: string[];
}

/** A step a server folder may need, in order. */
export interface Migration {
  /** Stable id, shown in reports. */
  id: string;
  /** One line: what the step does. */
  summary: string;
  /** True when the folder is in the layout this step migrates from. */
  applies(s: ServerLayout): boolean;
  /**
   * The step's result.
   *
   * @throws MigrationRefusal when the folder holds something the step cannot carry over.
   */
  run(s: ServerLayout): MigrationResult;
}

/** A step that cannot carry a folder over by itself (e.g. a requirement line pyproject.toml cannot hold); the message says what to do. */
export class MigrationRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationRefusal";
  }
}

/** Comment lines the requirements.txt layout generated (its headers): not the user's, not carried over. */
const GENERATED_COMMENTS = [
  /^# \S+: PyPI-only requirements \(FastMCP Cloud installs nothing else\)\.$/,
  /^# This server's own requirements:$/,
  /^# Test-only requirements \(not installed by FastMCP Cloud\)\. Install both files:$/,
  /^#\s+pip install -r requirements\.txt -r requirements-dev\.txt$/,
];

/**
 * The lines of a requirements file outside the managed shared block, in order, each requirement
 * once: requirement lines (with a trailing comment of the user's kept after them) and the user's
 * own comment lines (the generated headers left out), for pyproject.toml's arrays.
 */
function ownLines(text: string, file: string, skip: (line: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const names = new Set<string>();
  let inBlock = false;
  const refused: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const trimmed = raw.trim();
    if (trimmed === SHARED_BLOCK_BEGIN) inBlock = true;
    if (trimmed === SHARED_BLOCK_END) {
      inBlock = false;
      continue;
    }
    if (inBlock || !trimmed) continue;
    if (trimmed.startsWith("#")) {
      if (!GENERATED_COMMENTS.some((re) => re.test(trimmed))) out.push(trimmed);
      continue;
    }
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    const comment = /(?:^|\s)(#.*)$/.exec(raw)?.[1]?.trim();
    if (!line || skip(line)) continue;
    if (line.startsWith("-")) {
      refused.push(line);
      continue;
    }
    const name = requirementName(line);
    if (name !== null && names.has(name)) continue;
    if (name !== null) names.add(name);
    out.push(comment ? `${line}  ${comment}` : line);
  }
  if (refused.length > 0) {
    throw new MigrationRefusal(`${file} holds ${refused.map((l) => `"${l}"`).join(", ")}, which pyproject.toml cannot hold; move it into pyproject.toml by hand (or remove it) and run upgrade again`);
  }
  return out;
}

/** `-r requirements.txt` in requirements-dev.txt: the dev group adds to the dependencies already. */
const includesMain = (line: string) => /^(-r|--requirement)(\s+|=)requirements\.txt$/.test(line);

/**
 * requirements.txt (+ requirements-dev.txt) → pyproject.toml, a uv project: the requirement lines
 * the user had (FastMCP's and their own, outside the managed block) become `[project].dependencies`,
 * shared's requirements its managed block, requirements-dev.txt the `dev` dependency group (the
 * user's comments kept in them, the generated headers not), and requirements-dev.txt goes. requirements.txt stays as it is (the unlocked form) until `lock`
 * writes uv.lock and exports it.
 */
export const REQUIREMENTS_TO_PYPROJECT: Migration = {
  id: "requirements-to-pyproject",
  summary: "requirements.txt and requirements-dev.txt become pyproject.toml (a uv project; uv.lock and the exported requirements.txt come from `lock`)",
  applies: (s) => s.pyproject === null && s.requirements !== null,
  run(s) {
    const own = ownLines(s.requirements!, `${s.folder}/requirements.txt`);
    const dev = s.requirementsDev === null ? [...DEV_REQUIREMENTS] : ownLines(s.requirementsDev, `${s.folder}/${REQUIREMENTS_DEV}`, includesMain);
    const pyproject = renderServerPyproject({ folder: s.folder, description: s.description, python: s.python, sharedRequirements: s.sharedRequirements, own, leading: [], dev });
    const moved = [...own, ...dev].filter((l) => !l.startsWith("#")).length;
    return {
      writes: { [PYPROJECT]: pyproject },
      deletes: s.requirementsDev === null ? [] : [REQUIREMENTS_DEV],
      notes: [`${s.folder}: ${moved} requirement line${moved === 1 ? "" : "s"} moved into ${PYPROJECT}${s.requirementsDev === null ? "" : ` (${REQUIREMENTS_DEV}'s into the dev group; the file is removed)`}`],
    };
  },
};

/** Every layout migration, in the order they run. */
export const MIGRATIONS: readonly Migration[] = [REQUIREMENTS_TO_PYPROJECT];

/**
 * Runs every step that applies to a server folder, in order, each on the result of the ones
 * before.
 *
 * @returns the steps run (ids) and the combined result; empty when the folder is current.
 * @throws MigrationRefusal from a step.
 */
export function migrateServer(s: ServerLayout, steps: readonly Migration[] = MIGRATIONS): { steps: string[] } & MigrationResult {
  let state = { ...s };
  const out: { steps: string[] } & MigrationResult = { steps: [], writes: {}, deletes: [], notes: [] };
  for (const step of steps) {
    if (!step.applies(state)) continue;
    const r = step.run(state);
    out.steps.push(step.id);
    Object.assign(out.writes, r.writes);
    out.deletes.push(...r.deletes.filter((d) => !(d in r.writes)));
    out.notes.push(...r.notes);
    state = {
      ...state,
      pyproject: r.writes[PYPROJECT] ?? state.pyproject,
      requirements: r.deletes.includes("requirements.txt") ? null : (r.writes["requirements.txt"] ?? state.requirements),
      requirementsDev: r.deletes.includes(REQUIREMENTS_DEV) ? null : state.requirementsDev,
    };
  }
  return out;
}
