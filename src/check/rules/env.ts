import { finding, parsedSources, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rules `env-required` and `env-undocumented` (issue 5 rule 5; CONTRACT rule 4).
 *
 * Source: seed 002 "Environment Variables": always provide defaults (`os.environ["API_KEY"]`
 * "Will crash if not set": KeyError at import), validate on startup, and document every
 * variable in `.env.example`. Reads are `os.getenv`, `os.environ.get`, `os.environ.setdefault`
 * and `os.environ[...]` anywhere under `src/` (vendored shared code included). A subscript read
 * is accepted inside `try:` with an `except KeyError` (or broader) handler, under
 * `if "X" in os.environ:`, or after a startup check that stops the program
 * (`if "X" not in os.environ: raise ...`, `if not os.getenv("X"): sys.exit(...)`).
 * The server's own `.env.example` is used, else the root one.
 */

/** Variable names a `.env.example` documents: `NAME=...`, `export NAME=...`, and commented-out `# NAME=...`. */
export function documentedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:#\s*)?(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(raw);
    if (m) names.add(m[1]!);
  }
  return names;
}

/** The `env-required` (error) and `env-undocumented` (warning) rules. */
export const envRule: Rule = (server) => {
  const out: Finding[] = [];
  const documented = server.envExample ? documentedNames(server.envExample.text) : new Set<string>();
  const envFile = server.envExample?.rel ?? `${server.folder}/.env.example`;
  const undocumented = new Map<string, { rel: string; line: number; count: number }>();
  for (const src of parsedSources(server)) {
    for (const read of src.facts.envReads) {
      if (read.kind === "os.environ[]" && !read.guarded) {
        out.push(
          finding(
            "env-required",
            "error",
            server,
            src.rel,
            read.line,
            `os.environ[${read.name ? JSON.stringify(read.name) : "..."}] raises KeyError when the variable is not set${read.scope === "module" || read.scope === "class" ? ", at import, so the server never starts" : ""}`,
            read.name
              ? `use \`os.getenv(${JSON.stringify(read.name)}, default)\`, or \`os.getenv(${JSON.stringify(read.name)})\` plus a startup check that raises a clear error (seed 002 "Validate on startup")`
              : "use `os.getenv(name, default)` and validate required settings at startup",
          ),
        );
      }
      if (read.name && !documented.has(read.name)) {
        const prev = undocumented.get(read.name);
        if (prev) prev.count++;
        else undocumented.set(read.name, { rel: src.rel, line: read.line, count: 1 });
      }
    }
  }
  for (const [name, at] of undocumented) {
    out.push(
      finding(
        "env-undocumented",
        "warning",
        server,
        at.rel,
        at.line,
        server.envExample ? `${name} is read here but not documented in ${envFile}` : `${name} is read here but the server has no .env.example`,
        `add \`${name}=<example or default>\` to ${envFile} (under "# Required" if it has no default)`,
      ),
    );
  }
  return out;
};
