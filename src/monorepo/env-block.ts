/**
 * The shared-settings block of every `.env.example`.
 *
 * `shared/.env.example` documents the variables the canonical shared package reads. Its
 * text is kept, as a marked block, in the root `.env.example` and in every server's
 * `.env.example` (every variable a server reads is documented there, and a server reads
 * shared's through its vendored copy). `create` and `add-server` write the block,
 * `sync` keeps it in step, exactly as it keeps the shared block of requirements.txt: only the
 * lines between {@link ENV_BLOCK_BEGIN} and {@link ENV_BLOCK_END} change; every other byte of
 * the file is the user's.
 *
 * Pure functions: text in, text and problems out.
 */

/** Root-relative path of the canonical shared settings documentation. */
export const SHARED_ENV_FILE = "shared/.env.example";
/** File name of an env documentation file (root and every server folder). */
export const ENV_EXAMPLE = ".env.example";
/** First line of the managed block. */
export const ENV_BLOCK_BEGIN = "# >>> shared settings: managed by `mcp-monorepo sync`, edit shared/.env.example instead >>>";
/** Last line of the managed block. */
export const ENV_BLOCK_END = "# <<< shared settings <<<";

/** A problem in an env file; `line` is 1-based. */
export interface EnvProblem {
  /** Root-relative file the problem is in. */
  file: string;
  line?: number;
  message: string;
}

/** Result of {@link mergeEnvBlock}: the text to write (null when blocked by problems) and the problems. */
export interface EnvMergeResult {
  text: string | null;
  problems: EnvProblem[];
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/** The variable a dotenv line assigns (`NAME=...` or `export NAME=...`), or null for blanks, comments and anything else. */
export function assignedVariable(line: string): string | null {
  return ASSIGNMENT.exec(line)?.[1] ?? null;
}

/**
 * Problems in `shared/.env.example` alone: a line that is neither blank, a `#` comment nor a
 * one-line `NAME=value` (python-dotenv's multi-line quoted values are not supported in the
 * block), a variable assigned twice, or a block marker line (it would break every copy).
 */
export function checkSharedEnv(sharedText: string, sharedFile = SHARED_ENV_FILE): EnvProblem[] {
  const problems: EnvProblem[] = [];
  const seen = new Map<string, number>();
  sharedText.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === ENV_BLOCK_BEGIN || line === ENV_BLOCK_END) {
      problems.push({ file: sharedFile, line: i + 1, message: "a managed-block marker line belongs in the copies, not in the canonical file; delete it" });
      return;
    }
    if (!line || line.startsWith("#")) return;
    const name = assignedVariable(raw);
    if (!name) {
      problems.push({ file: sharedFile, line: i + 1, message: `${JSON.stringify(line.slice(0, 60))} is not a NAME=value line (or a # comment)` });
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) problems.push({ file: sharedFile, line: i + 1, message: `${name} is set twice (lines ${first} and ${i + 1}); keep one` });
    else seen.set(name, i + 1);
  });
  return problems;
}

/** The block's body: the canonical text's lines, without leading and trailing blank lines or `\r`. */
export function sharedEnvBlockLines(sharedText: string): string[] {
  const lines = sharedText.split(/\r?\n/).map((l) => l.replace(/\s+$/, ""));
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The whole block (markers included) as lines. */
export function envBlock(sharedText: string): string[] {
  return [ENV_BLOCK_BEGIN, ...sharedEnvBlockLines(sharedText), ENV_BLOCK_END];
}

/** Inputs of {@link mergeEnvBlock}. */
export interface EnvMergeInputs {
  /** Contents of canonical `shared/.env.example`. */
  sharedText: string;
  /** Current contents of the `.env.example` to update, or null when it does not exist. */
  fileText: string | null;
  /** Root-relative name of that file, for messages (e.g. `server-ops/.env.example`). */
  file: string;
  /** What a newly written file is about (its first comment line), e.g. `server-ops: every environment variable this server reads.` */
  header: string;
}

/**
 * Puts the shared block into one `.env.example`.
 *
 * - An existing block is replaced; everything outside it is kept byte for byte (CRLF files stay CRLF).
 * - A file without the block that holds the canonical lines verbatim (one contiguous run) gets
 *   the markers put around them in place; any other file without the block gets it appended
 *   after one blank line; a missing file is written as a header comment plus the block.
 * - Problems (the result's `text` is then null): markers that are not exactly one BEGIN line
 *   followed by one END line; a variable the block sets that the file also sets outside the
 *   block (dotenv would read two values; the message names both places).
 */
export function mergeEnvBlock(inputs: EnvMergeInputs): EnvMergeResult {
  const { sharedText, fileText, file, header } = inputs;
  const block = envBlock(sharedText);
  if (fileText === null) {
    return { text: [`# ${header}`, "# Copy to .env for local runs (never commit .env).", "", ...block, ""].join("\n"), problems: [] };
  }
  const eol = fileText.includes("\r\n") ? "\r\n" : "\n";
  const lines = fileText.split(/\r?\n/);
  const begins = lines.flatMap((l, i) => (l.trim() === ENV_BLOCK_BEGIN ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trim() === ENV_BLOCK_END ? [i] : []));
  if (begins.length > 1 || ends.length > 1 || begins.length !== ends.length || (begins.length === 1 && ends[0]! < begins[0]!)) {
    const at = begins[1] ?? ends[1] ?? begins[0] ?? ends[0]!;
    return {
      text: null,
      problems: [{ file, line: at + 1, message: `the managed shared-settings block is broken (expect one "${ENV_BLOCK_BEGIN}" line, then one "${ENV_BLOCK_END}" line); fix it by hand` }],
    };
  }
  if (begins.length === 0) {
    // Adoption: a file that already holds the canonical lines verbatim (e.g. the shared section
    // copied into shared/.env.example from this very file) gets the markers around them in place.
    const body = sharedEnvBlockLines(sharedText);
    const at = body.length === 0 ? -1 : findRun(lines.map((l) => l.replace(/\s+$/, "")), body);
    if (at !== -1) {
      return { text: [...lines.slice(0, at), ENV_BLOCK_BEGIN, ...lines.slice(at, at + body.length), ENV_BLOCK_END, ...lines.slice(at + body.length)].join(eol), problems: [] };
    }
  }
  const inBlock = (i: number) => begins.length === 1 && i >= begins[0]! && i <= ends[0]!;
  const sharedLines = new Map<string, number>();
  sharedText.split(/\r?\n/).forEach((raw, i) => {
    const name = assignedVariable(raw);
    if (name && !sharedLines.has(name)) sharedLines.set(name, i + 1);
  });
  const problems: EnvProblem[] = [];
  lines.forEach((raw, i) => {
    if (inBlock(i)) return;
    const name = assignedVariable(raw);
    const at = name ? sharedLines.get(name) : undefined;
    if (name && at !== undefined) {
      problems.push({
        file,
        line: i + 1,
        message: `${name} is set here and in the shared settings block (from ${SHARED_ENV_FILE}:${at}); delete this line, or the variable from ${SHARED_ENV_FILE}`,
      });
    }
  });
  if (problems.length > 0) return { text: null, problems };
  let out: string[];
  if (begins.length === 1) {
    out = [...lines.slice(0, begins[0]!), ...block, ...lines.slice(ends[0]! + 1)];
  } else {
    const body = [...lines];
    while (body.length > 0 && body[body.length - 1]!.trim() === "") body.pop();
    out = [...body, ...(body.length ? [""] : []), ...block, ""];
  }
  return { text: out.join(eol), problems };
}

/** Index of the first line where `run` appears as consecutive lines of `lines`, or -1. */
function findRun(lines: string[], run: string[]): number {
  for (let i = 0; i + run.length <= lines.length; i++) {
    let j = 0;
    while (j < run.length && lines[i + j] === run[j]) j++;
    if (j === run.length) return i;
  }
  return -1;
}
