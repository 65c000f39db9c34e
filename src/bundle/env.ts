/**
 * The variables a bundle asks its host for (MCPB `user_config`): those a server's
 * `.env.example` documents as required.
 *
 * Source: seed 002 "Document in .env.example" lays the file out as a `# Required` block
 * (variables without a default) followed by `# Optional (defaults shown)`. A variable is
 * required when it sits in a comment-headed block whose heading starts with "Required", or
 * when its own comment holds `[required]`. It is sensitive (MCPB `sensitive: true`, the host
 * stores it as a secret) when its name ends in `_KEY`, `_TOKEN`, `_SECRET` or `_PASSWORD`, or a
 * comment holds `[secret]`: the same convention the Kubernetes target uses for its Secret.
 */

/** One required variable. */
export interface RequiredVariable {
  name: string;
  /** The comment lines right above it (without `#`), joined; empty when none. */
  description: string;
  sensitive: boolean;
}

const SECRET_NAME = /(^|_)(KEY|TOKEN|SECRET|PASSWORD)$/;

/**
 * Required variables of a `.env.example`, in file order.
 *
 * @param text - the file's text (LF or CRLF); commented-out `# NAME=` lines are not variables.
 */
export function requiredVariables(text: string): RequiredVariable[] {
  const out = new Map<string, RequiredVariable>();
  let inRequired = false;
  let comments: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") {
      inRequired = false;
      comments = [];
      continue;
    }
    if (line.startsWith("#")) {
      const body = line.replace(/^#+\s*/, "");
      if (/^required\b/i.test(body)) inRequired = true;
      else if (/^(optional\b|-{3})/i.test(body)) inRequired = false;
      else comments.push(body);
      continue;
    }
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (!m) continue;
    const name = m[1]!;
    const notes = [...comments, m[2]!.includes("#") ? m[2]!.slice(m[2]!.indexOf("#") + 1).trim() : ""].join(" ").trim();
    const marked = (marker: string) => notes.toLowerCase().includes(marker);
    if (inRequired || marked("[required]")) {
      const description = notes.replace(/\[(required|secret)\]/gi, "").replace(/\s+/g, " ").trim();
      out.set(name, { name, description, sensitive: SECRET_NAME.test(name.toUpperCase()) || marked("[secret]") });
    }
    comments = [];
  }
  return [...out.values()];
}

/** The `user_config` key of a variable: its name in lower case (`API_KEY` → `api_key`). */
export function userConfigKey(name: string): string {
  return name.toLowerCase();
}
