/**
 * Shapes exchanged with the Python analyzer (`python/mcpm_check/__main__.py`, whose
 * docstring is the protocol). Lines are 1-based. Scopes: `module` (runs at import),
 * `main` (inside `if __name__ == "__main__":`, never run by `fastmcp run` or FastMCP Cloud),
 * `class` (a class body, runs at import), `function` (runs when called).
 */

/** Where a statement runs (see the module comment). */
export type Scope = "module" | "main" | "class" | "function";

/** One file to parse; `module` is its dotted name under `src/` (`shared.config`). */
export interface AnalyzerFile {
  id: string;
  path: string;
  module: string;
  isPackage: boolean;
}

/** What `check` asks the analyzer. */
export interface AnalyzerRequest {
  files: AnalyzerFile[];
  /** Python version declarations to evaluate: `pep440` (requires-python) or `request` (uv request: fastmcp.json, .python-version). */
  specs: { id: string; raw: string; kind: "pep440" | "request" }[];
  pyprojects: { id: string; path: string }[];
  /** Runtimes to test each declaration against, e.g. `3.12.12` (exact) or `3.13` (any patch). */
  runtimes: string[];
  /** Import names to look up in the interpreter's installed distributions. */
  importNames: string[];
}

/** One `import`/`from … import` statement. */
export interface ImportFact {
  /** Top-level name for absolute imports; null for relative ones. */
  top: string | null;
  module: string;
  /** 0 absolute, ≥1 relative. */
  level: number;
  line: number;
  scope: Scope;
  /** Inside `try:` with an `except ImportError`-like handler. */
  guarded: boolean;
  /** Under `if TYPE_CHECKING:` (never imported at runtime). */
  typeChecking: boolean;
  /** Number of package components of the importing module (0 for top-level modules such as `server`). */
  packageDepth: number;
  /** Names imported by `from … import a, b` (empty for `import x`). */
  names: string[];
}

/**
 * Where a `sys.path` edit points: `file` = the editing file's path with `up` dirname steps, then
 * `parts` joined (`..` kept); `literal` = a string constant (relative to the working directory
 * when not absolute); `unknown` = not evaluable statically.
 */
export type PathTarget = { kind: "file"; up: number; parts: string[] } | { kind: "literal"; value: string } | { kind: "unknown" };

/** A name bound at module level (or under the main guard). */
export interface BindingFact {
  name: string;
  line: number;
  scope: "module" | "main";
  /** call, await, ref, import, def, async-def, class, none, lambda, annotation, other. */
  kind: string;
  callee?: string | null;
  /** For `asyncio.run(f())`: the inner callee `f`. */
  inner?: string | null;
  /** The call constructs a FastMCP server directly. */
  server?: boolean;
  ref?: string | null;
  source?: string | null;
}

/** One call of a FastMCP API that FastMCP 4 removed, with where it runs. */
export type FastmcpRemovedFact = { line: number; scope: Scope; receiver: string | null } & (
  | { kind: "import_server"; server: string | null; prefix: string | null; awaited: boolean }
  | { kind: "as_proxy"; target: string | null; backendKeyword: boolean; settings: string[] }
  | { kind: "mount"; server: string | null; keywords: ("prefix" | "as_proxy")[]; prefix: string | null; namespace: string | null; asProxy: string | null }
);

/** Everything the analyzer read from one file (or only `parseError` when Python could not parse it). */
export interface FileFacts {
  parseError?: { line: number; message: string };
  imports: ImportFact[];
  bindings: BindingFact[];
  /**
   * Module-level functions; `setsGlobals` lists names they declare `global` and assign,
   * `validates` the (qualified) objects whose `.validate()` they call.
   */
  defs: { name: string; line: number; async: boolean; scope: "module" | "main"; setsGlobals: string[]; validates: string[] }[];
  classes: { name: string; line: number; hasValidate: boolean; scope: "module" | "main" }[];
  /** Calls that construct a FastMCP server, with where they happen. `attr` is set for `self.<attr> = FastMCP(...)`. */
  serverConstructions: { line: number; scope: Scope; func: string | null; cls: string | null; callee: string; attr: string | null; kwargs?: string[] }[];
  /** Calls made under the main guard. */
  mainCalls: { callee: string; line: number }[];
  /** Calls of plain (undotted) names made at module level (e.g. `init()`). */
  moduleCalls: { callee: string; line: number }[];
  /** Environment reads; `name` is null when not a string literal. */
  /** `func`: the module-level function (or method's outermost function) the read is in; `cls`: the enclosing class. */
  envReads: { name: string | null; line: number; kind: string; hasDefault: boolean; scope: Scope; guarded: boolean; func?: string | null; cls?: string | null; conditional?: boolean }[];
  sysPath: { line: number; what: string; target?: PathTarget }[];
  asyncClients: { line: number; callee: string; scope: Scope }[];
  /** `client` is set for a method call on a synchronous client (`s3.get_object` on a `boto3.client`). */
  blocking: { line: number; callee: string; func: string | null; client?: string }[];
  /** `sys.exit()`/`exit()`/`os._exit()` at import time, with what the enclosing module-level statement checks. */
  importExits: { line: number; callee: string; scope: Scope; validates?: string[]; env?: string[]; versionGuard?: boolean; stmtLine?: number }[];
  /** Import-time calls that crash under FastMCP's loader: `parser.parse_args()`, `asyncio.run(...)`. */
  importCrashes: { line: number; kind: "parse_args" | "asyncio-run"; callee: string }[];
  /** `raise` at import time outside any `try:`, with what the enclosing module-level statement checks (as for `importExits`). */
  importRaises?: { line: number; scope: Scope; validates?: string[]; env?: string[]; versionGuard?: boolean; stmtLine?: number }[];
  /** A database driver's `connect()` at import time (opens a network connection while FastMCP loads the file). */
  importConnects?: { line: number; callee: string; scope: Scope }[];
  /** A synchronous HTTP request at import time (`requests.get`, `httpx.get`, `urlopen`); `host` when the URL starts with a literal one. */
  importRequests?: { line: number; callee: string; scope: Scope; host: string | null }[];
  /** An SDK client built at import time that raises when its API key variable (`env`) is unset. */
  importClients?: { line: number; callee: string; env: string[]; scope: Scope }[];
  /** pydantic-settings classes and their fields without defaults (environment variable names upper-cased). */
  settings: { name: string; line: number; prefix: string; required: { field: string; env: string; line: number }[] }[];
  deprecated: { line: number; call: string }[];
  /** Attribute reads evaluated at import time (`Config.X` at module level or in a class body); `obj` is qualified, `text` as written. */
  attrReads: { obj: string; text: string; attr: string; line: number; scope: Scope }[];
  /** `X.validate()` calls made at import time. */
  validateCalls: { obj: string; text: string; line: number; scope: Scope }[];
  /**
   * Calls of FastMCP 3 APIs that FastMCP 4 removed (`python/mcpm_check/mcpm_fastmcp.py`); expressions
   * as written (`ast.unparse`), null when absent. Absent from facts of an older analyzer.
   */
  fastmcpRemoved?: FastmcpRemovedFact[];
  /** Module-level `from … import name`: local name → qualified source (for resolving re-exports). */
  reexports: Record<string, string>;
  /** SQLAlchemy engines and database connections (`python/mcpm_check/mcpm_db.py`); absent from facts of an older analyzer. */
  db?: DbFacts;
}

/** A database URL as written: a literal's scheme (`postgresql+psycopg2`), a variable (with its default), a parameter, or unreadable. */
export type DbUrl =
  | { kind: "literal"; scheme: string | null }
  | { kind: "env"; env: string; default: DbUrl | null; required?: boolean }
  | { kind: "param"; name: string; index: number; fallback?: DbUrl; init?: boolean }
  | { kind: "driver"; driver: string }
  /** An engine imported from another module (`from app.db import engine`): its qualified name. */
  | { kind: "ref"; ref: string }
  | { kind: "none" }
  | { kind: "unknown"; text: string };

/** `create_engine(url)` (`engine`) or a call that opens a connection (`connect`). */
export interface DbEvent {
  line: number;
  kind: "engine" | "connect";
  callee: string;
  url: DbUrl;
  /** Inside `try:` with a handler. */
  caught: boolean;
  /** Under an `if`, a loop or an `except`. */
  conditional: boolean;
}

/** A call that may lead into the server's own code: a qualified `callee`, or `self` = `Class.method` of the same file. */
export interface DbCall {
  line: number;
  callee?: string;
  self?: string;
  args: DbUrl[];
  kwargs: Record<string, DbUrl>;
  caught: boolean;
  conditional: boolean;
}

/** A module-level function or a method (`Class.method`) that does database work or calls something. */
export interface DbCallable {
  line: number;
  params: string[];
  defaults: Record<string, DbUrl>;
  events: DbEvent[];
  calls: DbCall[];
  async: boolean;
}

export interface DbFacts {
  /** Database work at import (module level). */
  events: DbEvent[];
  /** Calls made at import, to follow into the server's code. */
  importCalls: DbCall[];
  callables: Record<string, DbCallable>;
  /** Module-level names bound to an engine → its URL. */
  engines?: Record<string, DbUrl>;
}

/** A Python version declaration evaluated as PEP 440: the normalised `spec` and, per runtime, whether it admits it; or an `error`. */
export interface SpecResult {
  spec?: string;
  admits?: Record<string, boolean>;
  /** Per runtime: the declaration admits only newer Pythons (`>=3.13` against 3.12.12). */
  newer?: Record<string, boolean>;
  error?: string;
}

/** What the analyzer answers (see `python/mcpm_check/__main__.py`). */
export interface AnalyzerResponse {
  python: { version: string; executable: string };
  stdlib: string[];
  files: Record<string, FileFacts>;
  specs: Record<string, SpecResult>;
  pyprojects: Record<string, SpecResult & { requiresPython?: string | null; line?: number; dependencies?: { text: string; line: number }[] }>;
  distributions: Record<string, string[]>;
}
