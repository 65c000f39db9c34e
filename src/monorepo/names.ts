/**
 * Server-name rules shared by `create`, `add-server` and `check`.
 *
 * A server name becomes a folder (`server-<name>`), a container image tag and Kubernetes
 * name, a FastMCP server name (a string) and an env-var prefix (`<NAME>_GREETING`, the
 * identifier upper-cased). It never becomes a Python module or package: the server's code
 * lives in `server-<name>/src/server.py`, and `server-<name>` (with its hyphen) cannot be
 * imported. So a name like `email` or `http` shadows nothing; what a name can clash with
 * is an environment-variable namespace that the runtime reads as its own configuration
 * ({@link RESERVED_ENV_PREFIXES}).
 */

/** Python 3.10–3.14 keywords and soft keywords (`keyword.kwlist` + `keyword.softkwlist`). */
export const PYTHON_KEYWORDS = new Set([
  "false", "none", "true", "and", "as", "assert", "async", "await", "break", "class", "continue",
  "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
  "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
  "with", "yield", "match", "case", "type",
]);

/**
 * Top-level import names a local module or package under a server's `src/` must not shadow
 * (FastMCP issue #3752: a local `mcp/` folder hides the MCP SDK); used by `check`'s
 * shadowed-module rule. Server names are not checked against it: they never become modules.
 * Covers FastMCP's own runtime dependencies, the generated code's imports and the
 * stdlib modules the generated code and `fastmcp run` rely on.
 */
export const SHADOWED_MODULES = new Set([
  "mcp", "fastmcp", "pydantic", "pydantic_core", "httpx", "httpcore", "starlette", "uvicorn",
  "anyio", "sniffio", "dotenv", "typer", "rich", "cyclopts", "openapi_pydantic", "authlib",
  "jsonschema", "websockets", "sse_starlette", "shared", "server", "tests", "test",
  "asyncio", "typing", "os", "sys", "json", "logging", "dataclasses", "functools", "datetime",
  "hashlib", "argparse", "pathlib", "importlib", "inspect", "types", "collections", "abc",
  "enum", "string", "re", "io", "time", "random", "math", "socket", "ssl", "email", "http",
  "urllib", "uuid", "site", "secrets", "signal", "warnings", "contextlib", "copy", "select",
  "queue", "threading", "multiprocessing", "subprocess", "tempfile", "shutil", "glob",
  "platform", "traceback", "weakref", "operator", "itertools", "struct", "base64", "zlib",
  "pytest", "pip", "setuptools", "packaging", "uv",
]);

/**
 * Environment-variable prefixes the runtime reads as its own configuration, with who reads
 * them. A server's settings are named `<NAME>_...` (`OPS_GREETING`), so a server whose prefix
 * is one of these would put its settings in that program's namespace:
 * - `MCP_`: the generated `server.py` reads `MCP_TRANSPORT`;
 * - `FASTMCP_`: FastMCP's settings (https://gofastmcp.com/more/settings, pydantic-settings `env_prefix="FASTMCP_"`);
 * - `PYDANTIC_`: pydantic's own switches (`PYDANTIC_DISABLE_PLUGINS`, `PYDANTIC_ERRORS_INCLUDE_URL`);
 * - `UVICORN_`: every uvicorn command-line option (https://www.uvicorn.org/settings/);
 * - `UV_`: uv (https://docs.astral.sh/uv/reference/environment/);
 * - `PIP_`: every pip option (https://pip.pypa.io/en/stable/topics/configuration/#environment-variables);
 * - `PYTHON_`: CPython (https://docs.python.org/3/using/cmdline.html#environment-variables).
 */
export const RESERVED_ENV_PREFIXES: ReadonlyMap<string, string> = new Map([
  ["MCP", "the generated server.py (MCP_TRANSPORT)"],
  ["FASTMCP", "FastMCP's settings"],
  ["PYDANTIC", "pydantic"],
  ["UVICORN", "uvicorn's options"],
  ["UV", "uv"],
  ["PIP", "pip's options"],
  ["PYTHON", "the Python interpreter"],
]);

/** Longest server name accepted (keeps folder names, env prefixes and tool names readable). */
export const MAX_NAME_LENGTH = 40;

/** `ops-team` → `ops_team`: the Python identifier derived from a server name. */
export function toIdentifier(name: string): string {
  return name.replace(/-/g, "_");
}

/** `ops-team` → `OPS_TEAM`: the env-var prefix derived from a server name. */
export function toEnvPrefix(name: string): string {
  return toIdentifier(name).toUpperCase();
}

/** `ops` → `server-ops`: the server's folder. */
export function toFolder(name: string): string {
  return `server-${name}`;
}

/** `ops-team` → `Ops Team`: a human title. */
export function toTitle(name: string): string {
  return name
    .split("-")
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(" ");
}

/**
 * Validates one server name (plop validator convention: `true` or a message).
 *
 * Rules: lowercase ASCII letters, digits and single hyphens; starts with a
 * letter; does not end with a hyphen; at most {@link MAX_NAME_LENGTH}
 * characters; its identifier is not a Python keyword; its env-var prefix is not one the
 * runtime reads ({@link RESERVED_ENV_PREFIXES}). Stdlib and dependency module names
 * (`email`, `http`, `time`) are fine: the name never becomes a module.
 *
 * @param name - the raw name as typed.
 * @returns `true` when valid, else a one-line message naming the problem.
 */
export function validateServerName(name: string): true | string {
  const shown = JSON.stringify(name);
  if (name.length === 0) return "server name is empty";
  if (name.length > MAX_NAME_LENGTH) return `server name ${shown} is longer than ${MAX_NAME_LENGTH} characters`;
  if (!/^[a-z]/.test(name)) return `server name ${shown} must start with a lowercase letter (a-z)`;
  if (!/^[a-z0-9-]+$/.test(name)) return `server name ${shown} may only hold lowercase letters, digits and hyphens`;
  if (/--/.test(name) || name.endsWith("-")) return `server name ${shown} has a doubled or trailing hyphen`;
  if (name.startsWith("server-") || name === "server") return `server name ${shown} must not start with "server": the folder is already named server-<name>`;
  const ident = toIdentifier(name);
  if (PYTHON_KEYWORDS.has(ident)) return `server name ${shown} is a Python keyword`;
  const prefix = toEnvPrefix(name);
  const reader = RESERVED_ENV_PREFIXES.get(prefix);
  if (reader !== undefined) return `server name ${shown} would shadow the ${prefix}_ environment variables that ${reader} reads (its settings are named ${prefix}_...); pick another name`;
  return true;
}

/**
 * Validates a list of server names together: each by {@link validateServerName},
 * and no two mapping to the same folder or identifier.
 *
 * @param names - names in the order given.
 * @param existing - names already in the monorepo (for add-server).
 * @returns `true`, or the first problem as a one-line message.
 */
export function validateServerNames(names: string[], existing: string[] = []): true | string {
  if (names.length === 0) return "at least one server is needed";
  const seen = new Map<string, string>();
  for (const name of existing) seen.set(toIdentifier(name), name);
  for (const name of names) {
    const ok = validateServerName(name);
    if (ok !== true) return ok;
    const ident = toIdentifier(name);
    const clash = seen.get(ident);
    if (clash !== undefined) {
      return clash === name
        ? `server name "${name}" is already used`
        : `server names "${clash}" and "${name}" map to the same Python identifier "${ident}"`;
    }
    seen.set(ident, name);
  }
  return true;
}
