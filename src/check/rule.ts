import type { Manifest, Target } from "../monorepo/manifest.js";
import type { SharedFile, SyncLock } from "../monorepo/vendor.js";
import type { ServerData } from "./collect.js";
import type { AnalyzerResponse } from "./facts.js";
import type { Finding, RuleId, Severity } from "./types.js";
import type { ServerPackages } from "./packages.js";

/** What every rule may read besides the server itself. */
export interface RuleContext {
  /** Absolute monorepo root. */
  root: string;
  manifest: Manifest | null;
  targets: Target[];
  analyzer: AnalyzerResponse;
  /** `sys.stdlib_module_names` of the analyzing interpreter. */
  stdlib: Set<string>;
  /** Canonical `shared/` files (without requirements.txt), or null when the monorepo has no `shared/`. */
  canonical: SharedFile[] | null;
  /** Text of canonical `shared/requirements.txt`, or null. */
  canonicalRequirements: string | null;
  /** The sync lock, or null when there is none. */
  lock: SyncLock | null;
  /** Environment of the command (PATH finds uv and the target's Python). */
  env?: NodeJS.ProcessEnv;
  /** Resolved requirements per server folder (absent: not resolved, e.g. `--offline`). */
  packages?: Map<string, ServerPackages>;
}

/** A rule: server inputs in, findings out (data; nothing printed). */
export type Rule = (server: ServerData, ctx: RuleContext) => Finding[] | Promise<Finding[]>;

/** Builds a finding for a server. */
export function finding(
  rule: RuleId,
  severity: Severity,
  server: ServerData,
  file: string,
  line: number | null,
  message: string,
  fix: string,
): Finding {
  return { rule, severity, server: server.server.name, file, line, message, fix };
}
