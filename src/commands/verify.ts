import path from "node:path";
import type { Command } from "commander";
import type { RunState } from "../cli.js";
import { writeLine, type Context } from "../core/context.js";
import { UserError } from "../core/errors.js";

/** Options of `verify` as commander parses them. */
export interface VerifyCliOptions {
  server?: string[];
  envFile?: string;
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

const collect = (v: string, prev: string[] = []) => [...prev, v];

function positiveInt(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`${flag} must be a whole number of at least 1, got "${v}"`, 2);
  return Number(v);
}

/**
 * Registers `verify` (issue 11): proves each server loads and serves the way the platform runs
 * it (fresh venv from its requirements alone, import test, `fastmcp inspect`, `fastmcp run` over
 * streamable HTTP with MCP initialize + tools/list), or checks a deployed URL (`--url`).
 * Exit codes: 0 every server passed, 1 a server failed, 2 could not run.
 */
export function registerVerify(program: Command, ctx: Context, state: RunState): void {
  program
    .command("verify")
    .description("prove each server installs, imports and serves over MCP as the platform runs it (or check a deployed URL)")
    .option("-s, --server <name>", "verify only this server (repeatable)", collect)
    .option("--env-file <file>", "environment values for the servers (override .env.example's)")
    .option("-j, --jobs <n>", "servers verified at once (default 1)")
    .option("--json", "print the verdicts as JSON")
    .option("--cwd <dir>", "run as if started in <dir>")
    .option("--interpreter <path>", "Python 3.10+ that creates the venvs (default: $MCPM_PYTHON, else python3/python on PATH)")
    .option("--url <url>", "check a deployed endpoint (e.g. https://my-server.fastmcp.app/mcp); with --server, its tools must equal the local server's")
    .option("--tool <name>", "with --url: the tool to call (default: the first one whose arguments are all optional)")
    .option("--args <json>", "with --url: arguments of that call, as a JSON object")
    .option("--header <header>", "with --url: an HTTP header, \"Name: value\" (repeatable)", collect)
    .option("--start-timeout <seconds>", "seconds to wait for a server to answer MCP initialize (default 90)")
    .addHelpText(
      "after",
      "\nVenvs are cached by requirements hash under the user cache folder (mcp-monorepo/verify/venvs; $MCPM_CACHE_DIR overrides).\n" +
        "Exit codes: 0 every server passed, 1 a server failed, 2 could not run.\n\n" +
        "Examples:\n  npx create-mcp-monorepo verify --jobs 2\n  npx create-mcp-monorepo verify --server ops --env-file .env\n  npx create-mcp-monorepo verify --url https://my-ops.fastmcp.app/mcp --server ops",
    )
    .action(async (_opts: VerifyCliOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as VerifyCliOptions;
      const [{ runVerify }, { formatVerify, progressLine, verifyJson }] = await Promise.all([import("../verify/verify.js"), import("../verify/format.js")]);
      let args: Record<string, unknown> | undefined;
      if (opts.args !== undefined) {
        try {
          args = JSON.parse(opts.args) as Record<string, unknown>;
        } catch {
          throw new UserError(`--args must be a JSON object, got ${opts.args}`, 2);
        }
        if (typeof args !== "object" || args === null || Array.isArray(args)) throw new UserError(`--args must be a JSON object, got ${opts.args}`, 2);
      }
      if (opts.url && !/^https?:\/\//.test(opts.url)) throw new UserError(`--url must be an http(s) URL, got "${opts.url}"`, 2);
      const headers: Record<string, string> = {};
      for (const h of opts.header ?? []) {
        const i = h.indexOf(":");
        if (i < 1) throw new UserError(`--header must look like "Name: value", got "${h}"`, 2);
        headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
      }
      const base = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
      const report = await runVerify({
        start: base,
        servers: opts.server ?? [],
        envFile: opts.envFile ? path.resolve(ctx.cwd, opts.envFile) : undefined,
        jobs: positiveInt(opts.jobs, "--jobs", 1),
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
      state.exitCode = code;
    });
}
