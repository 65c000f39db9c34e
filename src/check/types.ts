import type { Target } from "../monorepo/manifest.js";

/**
 * The data model of `check` (results are data; printing is the CLI's job).
 */

/** `error` fails the check (exit 1); `warning` fails it only under `--strict`. */
export type Severity = "error" | "warning";

/**
 * Stable rule ids, one per rule a deployable server must satisfy (src/check/README.md),
 * plus `server-layout` (a server folder misses a file every rule needs) and `python-syntax`
 * (a file Python's own parser rejects, so no other rule could read it).
 */
export const RULE_IDS = [
  "server-object",
  "pypi-only",
  "undeclared-dependency",
  "unresolvable-requirements",
  "mcp-sdk-v1",
  "fastmcp-v4-api",
  "shared-drift",
  "path-import",
  "env-undocumented",
  "env-required",
  "async-client-at-import",
  "blocking-call-in-async",
  "deprecated-call",
  "python-version",
  "fastmcp-json",
  "shadowed-module",
  "config-before-validate",
  "server-layout",
  "python-syntax",
  "import-crash",
  "stale-lock",
  // Deployment targets: run for `--target docker` / `k8s` (src/check/rules/docker.ts, k8s.ts).
  "target-files",
  "docker-python",
  "docker-serve",
  "health-route",
  "docker-ignore",
  "k8s-env",
  "k8s-secret",
  "k8s-probes",
  "k8s-resources",
  "k8s-command",
  "mcpb-bundle",
  "secret-file",
  // Stale state: a server gone or renamed by hand, listings of no server (src/check/rules/stale.ts).
  "server-missing",
  "server-unlisted",
  "stale-listing",
] as const;
/** One of {@link RULE_IDS}. */
export type RuleId = (typeof RULE_IDS)[number];

/** One problem `check` found. */
export interface Finding {
  /** Stable rule id (see {@link RULE_IDS}). */
  rule: RuleId;
  severity: Severity;
  /** Server name (manifest name, or the folder name of a discovered server); null for monorepo-wide findings. */
  server: string | null;
  /** POSIX path relative to the monorepo root. */
  file: string;
  /** 1-based line, or null when the finding is about the whole file (or a missing one). */
  line: number | null;
  /** One line: what is wrong and why it matters. */
  message: string;
  /** One line: how to fix it. */
  fix: string;
}

/** One server as `check` sees it. */
export interface CheckedServer {
  /** Manifest name, or the folder name when discovered. */
  name: string;
  /** POSIX folder relative to the root, e.g. `server-ops`. */
  folder: string;
  /** Absolute folder. */
  dir: string;
  /** Entrypoint file relative to the server folder (POSIX), e.g. `src/server.py`. */
  entryFile: string;
  /** Object the manifest's entrypoint names (`server.py:mcp` → `mcp`), if any. */
  entryObject: string | null;
  /** True when the entry file comes from `mcp-monorepo.yaml` (false: discovered, `src/server.py` unless fastmcp.json says otherwise). */
  entryFromManifest: boolean;
  /** FastMCP config file of the server folder when discovered from one (`fastmcp.json`, `prod.fastmcp.json`); default `fastmcp.json`. */
  configFile?: string;
}

/** Everything `check` reports. */
export interface CheckReport {
  /** Absolute monorepo root. */
  root: string;
  /** True when no `mcp-monorepo.yaml` was found and servers were discovered from the layout. */
  discovered: boolean;
  /** Targets checked (python-version rule). */
  targets: Target[];
  /** Servers checked, in order. */
  servers: string[];
  /** Interpreter that parsed the code. */
  python: { executable: string; version: string; note?: string };
  /**
   * Where import → distribution answers came from: `uv` or `pip` (every server's requirements
   * resolved with it), `partial` (some), `map` (none: no uv or pip, or no network; the built-in map
   * was used), `offline` (`--offline`).
   */
  metadata?: "uv" | "pip" | "partial" | "map" | "offline";
  /** What resolved the requirements (`uv 0.13.9`, `pip`); absent with `--offline` or nothing to resolve. */
  resolver?: string;
  /** Findings, sorted by server, file, line. */
  findings: Finding[];
  summary: { errors: number; warnings: number; servers: number };
}
