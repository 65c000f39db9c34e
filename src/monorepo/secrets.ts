import * as fs from "node:fs/promises";
import path from "node:path";

/**
 * Files that look like secrets, and the one list of patterns that keeps them out of everything
 * this tool ships: bundles (`bundle`), Docker build contexts (the generated `.dockerignore`),
 * what `sync` vendors from `shared/`, and what `check` reports.
 *
 * The patterns are the gitignore subset these need (https://git-scm.com/docs/gitignore): a
 * pattern has no slash inside, so it matches a name at any depth; `*` matches within a name; a
 * trailing `/` matches a folder (and so everything below it); a `!` line re-includes a file its
 * group excluded by name. Matched here with plain regular expressions, not a gitignore engine:
 * sync, check and create load this module and stay light. They apply to a server's own files and to `shared/`, never to
 * installed dependencies (certifi ships `cacert.pem`, a public CA list, which a bundle needs).
 */

/** One group of patterns and what a matching file is, for the warning that names it. */
export interface SecretPattern {
  /** gitignore patterns; a `!` line re-includes (e.g. the documented `.env.example`). */
  patterns: readonly string[];
  /** What a matching file holds, e.g. "an SSH private key". */
  what: string;
}

/** The built-in secret patterns (no setting can bring these files back). */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { patterns: ["id_rsa", "id_ed25519", "id_ecdsa", "id_dsa"], what: "an SSH private key" },
  { patterns: ["*.pem", "*.key", "*.p12", "*.pfx"], what: "a private key or certificate store" },
  { patterns: [".netrc"], what: "login credentials (.netrc)" },
  { patterns: [".npmrc"], what: "an npm registry token file (.npmrc)" },
  { patterns: [".pypirc"], what: "PyPI upload credentials (.pypirc)" },
  { patterns: [".aws/"], what: "AWS credentials (.aws/)" },
  { patterns: [".ssh/"], what: "SSH keys (.ssh/)" },
  { patterns: [".envrc"], what: "direnv settings (.envrc)" },
  { patterns: ["secrets.*"], what: "a secrets file" },
  { patterns: ["credentials*"], what: "a credentials file" },
  { patterns: [".env", ".env.*", "!.env.example"], what: "local settings (.env files hold real values)" },
];

interface Compiled {
  what: string;
  /** Match a file or folder name (the last segment, or any folder on the way). */
  names: RegExp[];
  /** Match a folder name only (patterns ending with `/`). */
  folders: RegExp[];
  /** Re-include a file by its name. */
  keep: RegExp[];
}
let compiled: Compiled[] | null = null;

/** `*.pem` → /^[^/]*\.pem$/ (only `*` is special). */
function nameRegex(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")}$`);
}

function compile(): Compiled[] {
  return SECRET_PATTERNS.map((g) => {
    const c: Compiled = { what: g.what, names: [], folders: [], keep: [] };
    for (const p of g.patterns) {
      if (p.startsWith("!")) c.keep.push(nameRegex(p.slice(1)));
      else if (p.endsWith("/")) c.folders.push(nameRegex(p.slice(0, -1)));
      else c.names.push(nameRegex(p));
    }
    return c;
  });
}

/**
 * What a file is when it looks like a secret, else null.
 *
 * @param rel - POSIX path relative to the folder being shipped (a server folder, `shared/`),
 *   e.g. `src/.ssh/id_rsa`; a folder may be given with a trailing `/`.
 */
export function secretKind(rel: string): string | null {
  compiled ??= compile();
  const isFolder = rel.endsWith("/");
  const parts = rel.replace(/\/+$/, "").split("/").filter(Boolean);
  const last = parts.length - 1;
  for (const c of compiled) {
    for (let i = 0; i <= last; i++) {
      const name = parts[i]!;
      const folder = i < last || isFolder;
      if (folder && c.folders.some((r) => r.test(name))) return c.what;
      if (c.names.some((r) => r.test(name)) && !(i === last && !folder && c.keep.some((r) => r.test(name)))) return c.what;
    }
  }
  return null;
}

/**
 * The `.dockerignore` lines of {@link SECRET_PATTERNS}. Docker matches `.dockerignore` patterns
 * against the whole path from the context root (Go's filepath.Match plus `**`), so `.env` alone
 * leaves `src/.env` in the context: every pattern gets a leading `**` segment, which matches at
 * any depth, the root included (https://docs.docker.com/build/concepts/context/#dockerignore-files).
 */
export function dockerignoreSecretLines(): string[] {
  const out: string[] = [];
  for (const g of SECRET_PATTERNS) {
    for (const p of g.patterns) {
      const neg = p.startsWith("!");
      const body = (neg ? p.slice(1) : p).replace(/\/$/, "");
      out.push(`${neg ? "!" : ""}**/${body}`);
    }
  }
  return out;
}

/** A secret-looking file found under a folder. */
export interface SecretFile {
  /** POSIX path relative to the folder searched (a folder such as `.ssh/` ends with `/`). */
  rel: string;
  what: string;
}

/**
 * Lists the secret-looking files and folders under `dir` (a matching folder is one entry; its
 * files are not listed). Folders named in `skip` (e.g. `.venv`, `node_modules`: installed
 * packages, not the server's own files) are not entered; symbolic links are not followed.
 */
export async function findSecretFiles(dir: string, opts: { skip?: ReadonlySet<string>; keep?: (rel: string) => boolean } = {}): Promise<SecretFile[]> {
  const out: SecretFile[] = [];
  const walk = async (relDir: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, relDir), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (opts.skip?.has(e.name)) continue;
        const what = secretKind(rel + "/");
        if (what && (opts.keep?.(rel + "/") ?? true)) out.push({ rel: rel + "/", what });
        else if (!what) await walk(rel);
      } else {
        const what = secretKind(rel);
        if (what && (opts.keep?.(rel) ?? true)) out.push({ rel, what });
      }
    }
  };
  await walk("");
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
