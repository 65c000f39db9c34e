import { PLATFORM_SPECS, type BundlePlatform } from "./platforms.js";
import { userConfigKey, type RequiredVariable } from "./env.js";

/**
 * The bundle's `manifest.json`: MCPB manifest 0.3 (https://github.com/modelcontextprotocol/mcpb
 * MANIFEST.md; schema `McpbManifestSchema` of `@anthropic-ai/mcpb`'s `schemas/0.3`, which the
 * tests validate against).
 *
 * Two ways to run the same bundle, both with `PYTHONPATH=<bundle>:<bundle>/deps` so every
 * import resolves from the vendored dependencies:
 * - an MCPB desktop host launches `mcp_config` over stdio: `python ${__dirname}/src/server.py`
 *   (the generated `main()` serves stdio when `MCP_TRANSPORT` is `stdio`);
 * - a runtime that serves bundles over HTTP (the MCPB Python runtime image: extract, set
 *   PYTHONPATH, "start uvicorn with the server module") runs
 *   `python -m uvicorn asgi:app --app-dir <bundle>/src --port $PORT`: `src/asgi.py` holds the
 *   stateless streamable-HTTP app at `/mcp` and `GET /health`. `_meta` records this.
 */

/** Manifest version written. */
export const MCPB_MANIFEST_VERSION = "0.3";
/** Manifest version of a `uv` bundle (the first with `server.type: "uv"`). */
export const UV_MANIFEST_VERSION = "0.4";
/** `_meta` key under which the HTTP serving facts are recorded (reverse-DNS, as MCPB asks for `_meta`). */
export const META_KEY = "io.github.create-mcp-monorepo";

/** Inputs of {@link buildManifest}. */
export interface ManifestInput {
  /** Monorepo project name (prefix of the bundle name). */
  project: string;
  /** Server name, e.g. `ops`. */
  server: string;
  /** One-line description. */
  description: string;
  /** `owner/name` GitHub repository. */
  repository: string;
  /** Bundle version (the `version=` given to FastMCP). */
  version: string;
  /** Python minor version the deps were installed for, e.g. `3.12`. */
  python: string;
  platform: BundlePlatform;
  /** Entry file relative to the server folder (POSIX), default `src/server.py`. */
  entry?: string;
  /** Folder uvicorn serves `asgi:app` from (`--app-dir`), default `src`. */
  appDir?: string;
  tools: { name: string; description: string | null }[];
  required: RequiredVariable[];
  /** `python` (default): deps vendored for one platform; `uv`: the host installs them with uv (manifest 0.4). */
  type?: "python" | "uv";
}

/** The MCPB manifest as written (key order is the order written to `manifest.json`). */
export type McpbManifest = Record<string, unknown>;

/** `3.12` → `>=3.12 <3.13` (compiled wheels are built for one CPython minor version). */
export function pythonRange(python: string): string {
  const [major, minor] = python.split(".").map(Number);
  return `>=${major}.${minor} <${major}.${(minor ?? 0) + 1}`;
}

/** Title-cases a server name for `display_name` (`customer-care` → `Customer Care`). */
function title(name: string): string {
  return name.split("-").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
}

/**
 * Builds the manifest object (pure; deterministic for the same input).
 */
export function buildManifest(input: ManifestInput): McpbManifest {
  const spec = PLATFORM_SPECS[input.platform];
  const entry = input.entry ?? "src/server.py";
  const appDir = input.appDir ?? "src";
  const env: Record<string, string> = {
    PYTHONPATH: `\${__dirname}${spec.pathListSeparator}\${__dirname}/deps`,
    MCP_TRANSPORT: "stdio",
    PYTHONDONTWRITEBYTECODE: "1",
  };
  const userConfig: Record<string, unknown> = {};
  for (const v of input.required) {
    const key = userConfigKey(v.name);
    env[v.name] = `\${user_config.${key}}`;
    userConfig[key] = {
      type: "string",
      title: v.name,
      description: v.description || `Value of the ${v.name} environment variable (required by the server)`,
      required: true,
      ...(v.sensitive ? { sensitive: true } : {}),
    };
  }
  const [owner] = input.repository.split("/");
  if (input.type === "uv") {
    // MCPB manifest 0.4 `server.type: "uv"`: the host runs the entry file with `uv run`, which
    // installs the bundle's pyproject.toml dependencies for the Python and platform it runs on.
    const uvEnv: Record<string, string> = { MCP_TRANSPORT: "stdio" };
    for (const [k, v] of Object.entries(env)) if (k !== "PYTHONPATH" && k !== "MCP_TRANSPORT") uvEnv[k] = v;
    return {
      manifest_version: UV_MANIFEST_VERSION,
      name: `${input.project}-${input.server}`,
      display_name: title(input.server),
      version: input.version,
      description: input.description || `The ${input.server} MCP server`,
      author: { name: owner || input.project },
      repository: { type: "git", url: `https://github.com/${input.repository}` },
      server: {
        type: "uv",
        entry_point: entry,
        mcp_config: { command: "uv", args: ["run", "--directory", "${__dirname}", entry], env: uvEnv },
      },
      tools: input.tools.map((t) => (t.description ? { name: t.name, description: t.description } : { name: t.name })),
      compatibility: { runtimes: { python: `>=${input.python}` } },
      ...(input.required.length ? { user_config: userConfig } : {}),
      _meta: { [META_KEY]: { type: "uv", python: input.python } },
    };
  }
  return {
    manifest_version: MCPB_MANIFEST_VERSION,
    name: `${input.project}-${input.server}`,
    display_name: title(input.server),
    version: input.version,
    description: input.description || `The ${input.server} MCP server`,
    author: { name: owner || input.project },
    repository: { type: "git", url: `https://github.com/${input.repository}` },
    server: {
      type: "python",
      entry_point: entry,
      mcp_config: { command: "python", args: [`\${__dirname}/${entry}`], env },
    },
    tools: input.tools.map((t) => (t.description ? { name: t.name, description: t.description } : { name: t.name })),
    compatibility: { platforms: [spec.mcpb], runtimes: { python: pythonRange(input.python) } },
    ...(input.required.length ? { user_config: userConfig } : {}),
    _meta: {
      [META_KEY]: {
        platform: input.platform,
        python: input.python,
        pythonpath: ["", "deps"],
        http: { command: `python -m uvicorn asgi:app --app-dir ${appDir} --host 0.0.0.0 --port $PORT`, app: "asgi:app", app_dir: appDir, path: "/mcp", health: "/health" },
      },
    },
  };
}
