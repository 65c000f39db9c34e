/**
 * Reading a server's `.env.example` for the deployment targets: which variables
 * exist, their documented defaults, and which are secrets that must come from a Kubernetes
 * Secret instead of a ConfigMap.
 */

/** One variable documented in `.env.example`. */
export interface EnvVariable {
  /** Variable name, e.g. `OPS_GREETING`. */
  name: string;
  /** The documented default (text after `=`, surrounding quotes removed; empty when none). */
  value: string;
  /** True when the variable is a secret ({@link isSecretName} or a `[secret]` marker). */
  secret: boolean;
  /**
   * True when the variable sits in a block headed `# Required...` (the layout `create`
   * writes: a `# Required` block of variables without defaults, then `# Optional (defaults shown)`), or a
   * comment of its own holds `[required]`.
   */
  required: boolean;
  /** Its comment lines right above it and a trailing `# ...`, without `#` and markers, joined; empty when none. */
  description: string;
  /** 1-based line of the assignment. */
  line: number;
}

/** Names treated as secrets by convention: `*_KEY`, `*_TOKEN`, `*_SECRET`, `*_PASSWORD` (and the bare words). */
export const SECRET_NAME = /(^|_)(KEY|TOKEN|SECRET|PASSWORD)$/;

/** The marker that makes any variable a secret: `[secret]` in its comment line(s) or at the end of its line. */
export const SECRET_MARKER = "[secret]";

/** True for a name that holds a secret by convention ({@link SECRET_NAME}). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name.toUpperCase());
}

/**
 * Parses `.env.example` text: `NAME=value` and `export NAME=value` lines (commented-out
 * `# NAME=` lines are documentation, not variables, and are skipped). A variable is a
 * secret when its name says so ({@link isSecretName}) or when the comment block right
 * above it, or a trailing `# ...` on its line, holds {@link SECRET_MARKER}; it is required
 * inside a `# Required...` block (until a blank line, `# Optional...` or `# ---`) or with
 * `[required]`.
 * A later assignment of the same name replaces the earlier one (as dotenv does).
 *
 * @param text - the file's text (LF or CRLF).
 * @returns variables in first-seen order.
 */
export function parseEnvExample(text: string): EnvVariable[] {
  const out = new Map<string, EnvVariable>();
  let comments: string[] = [];
  let inRequired = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    if (trimmed === "") {
      comments = [];
      inRequired = false;
      continue;
    }
    if (trimmed.startsWith("#")) {
      const body = trimmed.replace(/^#+\s*/, "");
      if (/^required\b/i.test(body)) inRequired = true;
      else if (/^(optional\b|-{3})/i.test(body)) inRequired = false;
      else comments.push(body);
      continue;
    }
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(trimmed);
    if (!m) {
      comments = [];
      continue;
    }
    const name = m[1]!;
    const { value, comment } = splitValue(m[2]!);
    const notes = [...comments, comment.replace(/^\s*#+\s*/, "")].join(" ").trim();
    const marked = (marker: string) => notes.toLowerCase().includes(marker);
    const description = notes.replace(/\[(required|secret)\]/gi, "").replace(/\s+/g, " ").trim();
    out.set(name, { name, value, secret: marked(SECRET_MARKER) || isSecretName(name), required: inRequired || marked("[required]"), description, line: i + 1 });
    comments = [];
  }
  return [...out.values()];
}

/** Splits `value # comment` (quotes kept together) and unquotes the value. */
function splitValue(rest: string): { value: string; comment: string } {
  const s = rest.trim();
  const q = s[0];
  if ((q === '"' || q === "'") && s.indexOf(q, 1) > 0) {
    const end = s.indexOf(q, 1);
    return { value: s.slice(1, end), comment: s.slice(end + 1) };
  }
  if (s.startsWith("#")) return { value: "", comment: s }; // `NAME= # comment`: no value
  const hash = s.search(/\s#/);
  return hash === -1 ? { value: s, comment: "" } : { value: s.slice(0, hash).trim(), comment: s.slice(hash) };
}
