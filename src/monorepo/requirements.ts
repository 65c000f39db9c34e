import { decodeUtf8, readBytesOrNull } from "../kernel/fs.js";
import { SHARED_DIR } from "./vendor.js";

/**
 * requirements.txt rules shared by create, add-server, sync and check.
 *
 * FastMCP Cloud installs a server's requirements from PyPI in its own build: no `-e`, no git
 * URLs, no relative paths, no `file:` URLs resolve there (https://gofastmcp.com/deployment/fastmcp-cloud;
 * line syntax: https://pip.pypa.io/en/stable/reference/requirements-file-format/).
 */

/** Root-relative path of the canonical shared requirements. */
export const SHARED_REQUIREMENTS = `${SHARED_DIR}/requirements.txt`;

/** The FastMCP range generated servers are tested with (FastMCP 4.x from PyPI). */
export const FASTMCP_REQUIREMENT = "fastmcp>=4.0,<5";

/** First line of the block `sync` manages inside each server's requirements.txt. */
export const SHARED_BLOCK_BEGIN = "# >>> shared requirements: managed by `mcp-monorepo sync`, edit shared/requirements.txt instead >>>";
/** Last line of the managed block. */
export const SHARED_BLOCK_END = "# <<< shared requirements <<<";

/** A requirement line that FastMCP Cloud cannot install. `line` is 1-based. */
export interface RequirementProblem {
  line: number;
  text: string;
  message: string;
}

/**
 * Why requirements.txt must be PyPI-only, per target: FastMCP Cloud installs it from PyPI only
 * (the platform installs with `uv pip install` from PyPI; its build has no other index, path or VCS); `bundle` installs it from PyPI into `deps/`; for a
 * container, `verify` installs PyPI requirements only and the image's build context is the
 * server folder alone, so a path outside it does not exist there.
 */
export const PYPI_ONLY_REASONS = {
  "fastmcp-cloud": "FastMCP Cloud installs from PyPI only",
  mcpb: "`bundle` installs from PyPI only",
  docker: "the container build installs from PyPI only (`verify` refuses other sources; the build context is the server folder alone)",
  k8s: "the container build installs from PyPI only (`verify` refuses other sources; the build context is the server folder alone)",
} as const;

const INDEX_OPTIONS = /^(--?(index-url|extra-index-url|find-links|trusted-host|no-index|i|f)\b)/;

/**
 * Finds every line of a requirements file that is not a plain PyPI requirement.
 *
 * Flags: editable installs (`-e`, `--editable`), VCS URLs (`git+`, `hg+`, ...),
 * any URL (`https://`, `file:`), PEP 508 direct references (`name @ url`),
 * relative or absolute paths, local archives/wheels, nested `-r`/`-c` files
 * (they may point anywhere; the platform only reads the one file) and
 * index options (`--index-url`, `--extra-index-url`, `--find-links`, `--no-index`).
 *
 * @param text - the file's contents.
 * @param why - the reason a line must be PyPI-only, worded for the deployment target that reads
 *   the file (default: FastMCP Cloud's; `check` passes one fitting the targets it checks).
 * @returns problems in line order; empty when every line is PyPI-only.
 */
export function findNonPypiLines(text: string, why: string = PYPI_ONLY_REASONS["fastmcp-cloud"]): RequirementProblem[] {
  const problems: RequirementProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) return;
    const add = (message: string) => problems.push({ line: i + 1, text: raw.trim(), message });
    if (/^(-e|--editable)(\s|=|$)/.test(line)) return add(`editable install (-e): ${why}`);
    if (INDEX_OPTIONS.test(line)) return add(`package index option: ${why}`);
    if (/^(-r|-c|--requirement|--constraint)(\s|=|$)/.test(line)) return add("nested requirements file: only this file is read at deploy time; list the packages here");
    if (/^-/.test(line)) return add(`pip option "${line.split(/\s/)[0]}" is not a PyPI requirement`);
    if (/^(git|hg|svn|bzr)\+/.test(line)) return add(`VCS URL: ${why}; publish the package to PyPI or vendor it`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(line) || /^file:/i.test(line)) return add(`URL requirement: ${why}`);
    if (/^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*@/.test(line)) return add(`direct reference (name @ url): ${why}`);
    if (/^(\.{1,2}[\\/]|[\\/]|~|[A-Za-z]:[\\/])/.test(line) || line === "." || line === "..") return add(`local path: ${why}; embed shared code in the server instead`);
    if (/\.(whl|tar\.gz|zip|tgz)$/i.test(line) || /[\\/]/.test(line.split(/[<>=!~;\s]/)[0]!)) return add(`local file or path: ${why}`);
  });
  return problems;
}

/**
 * The distribution name of a requirement line, normalised per PEP 503
 * (lower-case, runs of `-_.` → `-`), or null for blank/comment/option lines.
 */
export function requirementName(raw: string): string | null {
  const line = raw.replace(/(^|\s)#.*$/, "").trim();
  if (!line || line.startsWith("-")) return null;
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
  return m ? m[1]!.toLowerCase().replace(/[-_.]+/g, "-") : null;
}

/**
 * Renders a server's requirements.txt: FastMCP, the managed shared block, then
 * the server's own requirements.
 *
 * @param serverFolder - e.g. `server-ops`, named in the header comment.
 * @param sharedRequirements - contents of canonical `shared/requirements.txt`.
 * @param own - the server's own requirement lines.
 */
export function renderServerRequirements(serverFolder: string, sharedRequirements: string, own: string[] = []): string {
  const sharedLines = sharedRequirements
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  return [
    `# ${serverFolder}: PyPI-only requirements (FastMCP Cloud installs nothing else).`,
    FASTMCP_REQUIREMENT,
    "",
    SHARED_BLOCK_BEGIN,
    ...sharedLines,
    SHARED_BLOCK_END,
    "",
    "# This server's own requirements:",
    ...own,
    "",
  ].join("\n");
}

/**
 * The encoding pip reads a requirements file in: a byte order mark names UTF-16 LE, UTF-16 BE or
 * UTF-8 (pip's `pip._internal.utils.encoding.auto_decode`, which uv follows); without one, UTF-8.
 * Windows editors save requirements.txt as UTF-16 with a BOM, and both installers accept it.
 */
export function requirementsEncoding(bytes: Uint8Array): "utf-16le" | "utf-16be" | "utf-8" {
  return bytes[0] === 0xff && bytes[1] === 0xfe ? "utf-16le" : bytes[0] === 0xfe && bytes[1] === 0xff ? "utf-16be" : "utf-8";
}

/**
 * Reads a requirements file as pip does ({@link requirementsEncoding}), without its BOM, or null
 * when it does not exist.
 *
 * @param shown - the file's name in messages.
 * @throws UserError when a file without a UTF-16 BOM is not UTF-8; the read error (named) otherwise.
 */
export async function readRequirementsFile(file: string, shown: string = file): Promise<string | null> {
  const bytes = await readBytesOrNull(file);
  if (bytes === null) return null;
  const encoding = requirementsEncoding(bytes);
  return encoding === "utf-8" ? decodeUtf8(bytes, shown).replace(/^\uFEFF/, "") : new TextDecoder(encoding).decode(bytes);
}

/** The requirement lines of a requirements file's text: comments, blank lines and option lines (`-r`, `--index-url`, …) dropped. */
export function requirementLines(text: string | null): string[] {
  if (text === null) return [];
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, "").trim())
    .filter((l) => l && !l.startsWith("-"));
}
