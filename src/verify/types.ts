/**
 * The data model of `verify` (results are data; printing is the CLI's job).
 */

/** Steps of a local verification, in order: install from the requirements alone, import, inspect, serve, list tools. */
export const LOCAL_STEPS = ["requirements", "install", "import", "inspect", "serve", "tools/list"] as const;
/** Steps of a post-deployment check (`verify --url`): `/mcp` answers, MCP `initialize`, `tools/list`, a tool call. */
export const URL_STEPS = ["answers", "initialize", "tools/list", "tools/call"] as const;
export type StepName = (typeof LOCAL_STEPS)[number] | (typeof URL_STEPS)[number];

/** One step's outcome. `ms` is wall-clock milliseconds. */
export interface StepResult {
  step: StepName;
  ok: boolean;
  ms: number;
  /** One line: what happened (or why it failed). */
  detail: string;
}

/** The verdict for one server (or one URL). */
export interface Verdict {
  /** Server name, or the URL in `--url` mode. */
  server: string;
  ok: boolean;
  steps: StepResult[];
  /** The first failing step, its cause (one line) and the log of that step (trimmed to its last 4 000 characters). */
  failed: { step: StepName; cause: string; log: string } | null;
  /** Milliseconds from starting `fastmcp run` to a completed MCP initialize (null when it never started). */
  startupMs: number | null;
  /** Tool names the server lists. */
  tools: string[];
  /** Environment variables the failure log blames and no `.env.example`/`--env-file` value provides. */
  missingEnv: string[];
  /** The venv used: its cache key and whether it was already built. */
  venv: { hash: string; cached: boolean } | null;
  /** The Python it ran on (`CPython 3.12.1`); absent in `--url` mode. */
  python?: string;
  /** What built the venv: `uv 0.13.9` or `pip` (null before the install step). */
  installer?: string | null;
}

/** Everything `verify` reports. */
export interface VerifyReport {
  /** Absolute monorepo root, or null in `--url` mode without a monorepo. */
  root: string | null;
  /** Interpreter that created the venvs (`X.Y.Z`; the first one when there are several), or null in `--url` mode. */
  python: string | null;
  /** Every interpreter the servers were verified on (`CPython 3.12.1`), in target order. */
  pythons?: string[];
  verdicts: Verdict[];
  summary: { passed: number; failed: number };
}
