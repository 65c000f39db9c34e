import {
  findNonPypiLines,
  renderServerRequirements,
  requirementName,
  SHARED_BLOCK_BEGIN,
  SHARED_BLOCK_END,
} from "./requirements.js";

/**
 * Merging `shared/requirements.txt` into a server's requirements.txt:
 * only the managed block between {@link SHARED_BLOCK_BEGIN} and
 * {@link SHARED_BLOCK_END} is replaced; the server's own lines stay byte-for-byte.
 */

/** A problem found while merging; `line` is 1-based. */
export interface MergeProblem {
  /** Root-relative file the problem is in. */
  file: string;
  line?: number;
  message: string;
}

/** Inputs of {@link mergeRequirements}. */
export interface MergeInputs {
  /** Contents of canonical `shared/requirements.txt` ("" when it does not exist). */
  sharedText: string;
  /** Root-relative name of the shared file, used in messages (e.g. `shared/requirements.txt`). */
  sharedFile: string;
  /** Current contents of the server's requirements.txt, or null when it does not exist. */
  serverText: string | null;
  /** Root-relative name of the server's file (e.g. `server-ops/requirements.txt`). */
  serverFile: string;
  /** Server folder, named in the header of a newly written file. */
  serverFolder: string;
}

/** Result of {@link mergeRequirements}: the text to write (null when blocked by problems) and the problems. */
export interface MergeResult {
  text: string | null;
  problems: MergeProblem[];
}

/** The requirement lines of shared/requirements.txt that go into the block (trimmed, no blanks, no comment lines), as `create` writes them. */
export function sharedBlockLines(sharedText: string): string[] {
  return sharedText
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

/** Problems in shared/requirements.txt alone: non-PyPI lines and one package listed twice with different specifiers. */
export function checkSharedRequirements(sharedText: string, sharedFile: string): MergeProblem[] {
  const problems: MergeProblem[] = findNonPypiLines(sharedText).map((p) => ({ file: sharedFile, line: p.line, message: `${p.text}: ${p.message}` }));
  const seen = new Map<string, { line: number; text: string; key: string }>();
  sharedText.split(/\r?\n/).forEach((raw, i) => {
    const req = parseRequirement(raw);
    if (!req) return;
    const prev = seen.get(req.name);
    if (prev && prev.key !== req.key) {
      problems.push({ file: sharedFile, line: i + 1, message: `${req.name} is listed twice with different specifiers: "${prev.text}" (${sharedFile}:${prev.line}) and "${req.text}" (${sharedFile}:${i + 1}); keep one` });
    } else if (!prev) seen.set(req.name, { line: i + 1, text: req.text, key: req.key });
  });
  return problems;
}

/**
 * Merges shared requirements into one server's requirements.txt.
 *
 * - An existing managed block is replaced with {@link sharedBlockLines}; everything else is kept as is
 *   (line endings too: a CRLF file stays CRLF).
 * - A file without the block gets it appended; a missing file is written as `create` would
 *   (`renderServerRequirements`).
 * - Problems (the result's `text` is then null): a non-PyPI line among the server's own lines;
 *   a BEGIN marker without END (or twice); the same package in shared and in the server's own lines
 *   with different version specifiers or markers (message names both file:line).
 *   Problems in the shared file itself are {@link checkSharedRequirements}' job.
 */
export function mergeRequirements(inputs: MergeInputs): MergeResult {
  const { sharedText, sharedFile, serverText, serverFile, serverFolder } = inputs;
  const block = sharedBlockLines(sharedText);
  if (serverText === null) {
    return { text: renderServerRequirements(serverFolder, sharedText), problems: [] };
  }
  const eol = serverText.includes("\r\n") ? "\r\n" : "\n";
  const lines = serverText.split(/\r?\n/);
  const problems: MergeProblem[] = [];
  const begins = lines.flatMap((l, i) => (l.trim() === SHARED_BLOCK_BEGIN ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trim() === SHARED_BLOCK_END ? [i] : []));
  if (begins.length > 1 || ends.length > 1 || begins.length !== ends.length || (begins.length === 1 && ends[0]! < begins[0]!)) {
    const at = begins[1] ?? ends[1] ?? begins[0] ?? ends[0]!;
    problems.push({ file: serverFile, line: at + 1, message: `the managed shared-requirements block is broken (expect one "${SHARED_BLOCK_BEGIN}" line, then one "${SHARED_BLOCK_END}" line); fix it by hand` });
    return { text: null, problems };
  }
  const inBlock = (i: number) => begins.length === 1 && i >= begins[0]! && i <= ends[0]!;
  // The server's own lines: everything outside the block.
  const ownText = lines.map((l, i) => (inBlock(i) ? "" : l)).join("\n");
  for (const p of findNonPypiLines(ownText)) problems.push({ file: serverFile, line: p.line, message: `${p.text}: ${p.message}` });
  const shared = new Map<string, { line: number; text: string; key: string }>();
  sharedText.split(/\r?\n/).forEach((raw, i) => {
    const req = parseRequirement(raw);
    if (req && !shared.has(req.name)) shared.set(req.name, { line: i + 1, text: req.text, key: req.key });
  });
  lines.forEach((raw, i) => {
    if (inBlock(i)) return;
    const req = parseRequirement(raw);
    const s = req && shared.get(req.name);
    if (req && s && s.key !== req.key) {
      problems.push({
        file: serverFile,
        line: i + 1,
        message: `${req.name} has two different specifiers: "${s.text}" in ${sharedFile}:${s.line} and "${req.text}" in ${serverFile}:${i + 1}; keep it in one place (shared/requirements.txt applies to every server)`,
      });
    }
  });
  if (problems.length > 0) return { text: null, problems };
  let out: string[];
  if (begins.length === 1) {
    out = [...lines.slice(0, begins[0]! + 1), ...block, ...lines.slice(ends[0]!)];
  } else {
    const body = [...lines];
    while (body.length > 0 && body[body.length - 1] === "") body.pop();
    out = [...body, ...(body.length ? [""] : []), SHARED_BLOCK_BEGIN, ...block, SHARED_BLOCK_END, ""];
  }
  return { text: out.join(eol), problems };
}

/** A parsed requirement line: PEP 503 name, comparison key (specifier clauses + marker, no extras), trimmed text. */
interface ParsedRequirement {
  name: string;
  key: string;
  text: string;
}

function parseRequirement(raw: string): ParsedRequirement | null {
  const name = requirementName(raw);
  if (!name) return null;
  const text = raw.replace(/(^|\s)#.*$/, "").trim();
  const m = /^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*([^;]*)(;(.*))?$/.exec(text);
  const spec = (m?.[2] ?? "")
    .split(",")
    .map((s) => s.replace(/\s+/g, ""))
    .filter(Boolean)
    .sort()
    .join(",");
  const marker = (m?.[4] ?? "").replace(/\s+/g, "").replace(/'/g, '"');
  return { name, key: `${spec};${marker}`, text };
}
