import { availableParallelism } from "node:os";
import path from "node:path";
import { writeLine } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { CannotRunError } from "../kernel/errors.js";
import { formatVerify, progressLine, verifyJson } from "../verify/format.js";
import { runVerify } from "../verify/verify.js";

// The body of `verify`, loaded by src/commands/verify.ts only when it runs (the MCP
// TypeScript SDK client, the venv builder).

/** Options of `verify` as commander parses them. */
export interface VerifyCliOptions {
  server?: string[];
  envFile?: string;
  /** Same as `envFile`: a spelling Node.js does not intercept (see src/commands/verify.ts). */
  dotenv?: string;
  jobs?: string;
  json?: boolean;
  cwd?: string;
  interpreter?: string;
  url?: string;
  tool?: string;
  args?: string;
  header?: string[];
  startTimeout?: string;
}

/**
 * Refuses a `--url` that is not one absolute http(s) URL: a parse failure, another scheme, or
 * whitespace and control characters (which would otherwise reach the output and the request).
 *
 * @throws CannotRunError (exit 2).
 */
function checkUrl(url: string): void {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  // eslint-disable-next-line no-control-regex
  if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.hostname || /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(url)) {
    throw new CannotRunError(`--url must be an http(s) URL such as https://my-server.fastmcp.app/mcp, got "${url}"`);
  }
}

function positiveInt(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new CannotRunError(`${flag} must be a whole number of at least 1, got "${v}"`);
  return Number(v);
}

/**
 * The `verify` command body: checks the options, runs the verification (local servers or a
 * deployed `--url`), prints progress to stderr and the verdicts (text or `--json`) to stdout.
 *
 * @returns the exit code: 0 every server passed, 1 a server failed.
 * @throws CannotRunError (exit 2) for bad `--args`, `--url`, `--header`, `--jobs` or
 * `--start-timeout` values, and what the core throws when it cannot run.
 */
export const verifyAction: CommandAction<{ options: VerifyCliOptions }> = async (ctx, { options: opts }) => {
  let args: Record<string, unknown> | undefined;
  if (opts.args !== undefined) {
    try {
      args = JSON.parse(opts.args) as Record<string, unknown>;
    } catch {
      throw new CannotRunError(`--args must be a JSON object, got ${opts.args}`);
    }
    if (typeof args !== "object" || args === null || Array.isArray(args)) throw new CannotRunError(`--args must be a JSON object, got ${opts.args}`);
  }
  if (opts.url !== undefined) checkUrl(opts.url);
  const headers: Record<string, string> = {};
  for (const h of opts.header ?? []) {
    const i = h.indexOf(":");
    const name = h.slice(0, Math.max(0, i)).trim();
    const value = h.slice(i + 1).trim();
    // RFC 9110 field names are tokens; values hold no CR, LF or NUL (fetch would refuse them mid-run).
    if (i < 1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) throw new CannotRunError(`--header must look like "Name: value" (a token name, a one-line value), got "${h}"`);
    headers[name] = value;
  }
  const envFile = opts.dotenv ?? opts.envFile;
  if (opts.dotenv !== undefined && opts.envFile !== undefined) throw new CannotRunError("pass --env-file or --dotenv, not both");
  if (envFile === "") throw new CannotRunError("--env-file needs a file");
  const base = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
  const report = await runVerify({
    start: base,
    servers: opts.server ?? [],
    envFile: envFile !== undefined ? path.resolve(ctx.cwd, envFile) : undefined,
    jobs: positiveInt(opts.jobs, "--jobs", availableParallelism()),
    python: opts.interpreter,
    url: opts.url,
    tool: opts.tool,
    args,
    headers,
    startTimeoutS: positiveInt(opts.startTimeout, "--start-timeout", 90),
    env: ctx.env,
    onStep: (server, step, result) => writeLine(ctx.stderr, result ? progressLine(server, result) : `… ${server} ${step}`),
  });
  const code = report.summary.failed > 0 ? 1 : 0;
  if (opts.json) writeLine(ctx.stdout, JSON.stringify(verifyJson(report, code), null, 2));
  else for (const line of formatVerify(report)) writeLine(ctx.stdout, line);
  return code;
};

/** `list --inspect` asks FastMCP through verify's steps; re-exported here so it loads with verify's chunk. */
export { inspectTools } from "../verify/index.js";
