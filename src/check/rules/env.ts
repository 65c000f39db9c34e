import type { FileFacts } from "../facts.js";
import { parsedSources } from "../collect.js";
import { finding, type Rule } from "../rule.js";
import { canonicalName } from "./config-order.js";
import type { Finding } from "../types.js";

/**
 * Rules `env-required` and `env-undocumented`.
 *
 * A variable read without a default crashes the server when it is unset (`os.environ["API_KEY"]`
 * raises KeyError at import: https://docs.python.org/3/library/os.html#os.environ); a read needs
 * a default or a start-up validation, and every variable is documented in `.env.example`, since
 * the platforms take them from their own settings. Reads are `os.getenv`, `os.environ.get`, `os.environ.setdefault`
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

/**
 * Variables the operating system, shells, proxies and test runners set: not application
 * configuration, so never "undocumented" and never "required".
 */
export const SYSTEM_VARIABLES = new Set([
  "USER", "USERNAME", "LOGNAME", "HOME", "USERPROFILE", "TMPDIR", "TEMP", "TMP", "PATH", "SHELL", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE",
  "TERM", "PWD", "HOSTNAME", "TZ", "COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "SYSTEMROOT", "COMSPEC",
  "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
  "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME",
  "PYTEST_CURRENT_TEST", "CI", "GITHUB_ACTIONS", "DISPLAY", "EDITOR", "VISUAL", "PAGER",
  "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
]);

/** Module-level functions of a file that run at import: called at module level (`mcp = create_server()`, `init()`). */
function importTimeFunctions(facts: FileFacts): Set<string> {
  const out = new Set(facts.moduleCalls.map((c) => c.callee));
  for (const b of facts.bindings) if (b.scope === "module" && b.kind === "call" && b.callee && !b.callee.includes(".")) out.add(b.callee);
  return out;
}

/** The `env-required` (error at import, warning inside tools) and `env-undocumented` (warning) rules. */
export const envRule: Rule = (server) => {
  const out: Finding[] = [];
  const documented = server.envExample ? documentedNames(server.envExample.text) : new Set<string>();
  const envFile = server.envExample?.rel ?? `${server.folder === "." ? "" : server.folder + "/"}.env.example`;
  const undocumented = new Map<string, { rel: string; line: number; count: number }>();
  const note = (name: string, rel: string, line: number) => {
    if (documented.has(name) || SYSTEM_VARIABLES.has(name)) return;
    const prev = undocumented.get(name);
    if (prev) prev.count++;
    else undocumented.set(name, { rel, line, count: 1 });
  };
  const files = [...parsedSources(server)];
  const modules = new Map(files.map((f) => [f.module, f.facts]));
  for (const src of files) {
    const atImport = importTimeFunctions(src.facts);
    for (const read of src.facts.envReads) {
      if (read.scope === "main" || (read.name && SYSTEM_VARIABLES.has(read.name))) continue;
      if (read.kind === "os.environ[]" && !read.guarded) {
        const importTime = read.scope === "module" || read.scope === "class" || (read.func != null && atImport.has(read.func));
        const key = read.name ? JSON.stringify(read.name) : "...";
        out.push(
          finding(
            "env-required",
            importTime ? "error" : "warning",
            server,
            src.rel,
            read.line,
            importTime
              ? `os.environ[${key}] raises KeyError at import when the variable is not set, so the server never starts`
              : `os.environ[${key}] inside ${read.func ?? "a function"}() raises KeyError when it runs without the variable (the server starts; the call fails)`,
            read.name
              ? `use \`os.getenv(${key}, default)\`, or \`os.getenv(${key})\` plus a startup check that raises a clear error`
              : "use `os.getenv(name, default)` and validate required settings at startup",
          ),
        );
      }
      if (read.name) note(read.name, src.rel, read.line);
    }
  }
  // pydantic-settings: `settings = Settings()` at import with fields that have no default.
  const settings = new Map<string, FileFacts["settings"][number]>();
  for (const f of files) for (const c of f.facts.settings) settings.set(`${f.module}.${c.name}`, c);
  for (const f of files) {
    for (const c of f.facts.settings) for (const r of c.required) note(r.env, f.rel, r.line);
    if (settings.size === 0) continue;
    for (const b of f.facts.bindings) {
      if (b.scope !== "module" || b.kind !== "call" || !b.callee) continue;
      const local = f.facts.settings.some((c) => c.name === b.callee) ? `${f.module}.${b.callee}` : b.callee;
      const cls = settings.get(canonicalName(local, modules));
      if (!cls || cls.required.length === 0) continue;
      const names = cls.required.map((r) => r.env);
      out.push(
        finding(
          "env-required",
          "error",
          server,
          f.rel,
          b.line,
          `${b.callee}() at import needs ${names.join(", ")} (${cls.name} field${names.length > 1 ? "s" : ""} without a default): pydantic-settings raises ValidationError ("Field required") when ${names.length > 1 ? "they are" : "it is"} not set, so the server never starts`,
          `give the field${names.length > 1 ? "s" : ""} a default and check ${names.length > 1 ? "them" : "it"} where used, or create ${b.callee}() lazily inside the tools; set ${names.join(", ")} in the deployment's environment and document ${names.length > 1 ? "them" : "it"} in .env.example`,
        ),
      );
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
