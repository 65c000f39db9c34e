import path from "node:path";
import { writeLine } from "../kernel/context.js";
import { CannotRunError, isUserError } from "../kernel/errors.js";
import { runServerTests, type ServerTestResult, type TestReport } from "../test-servers/index.js";
import type { CommandAction } from "./types.js";

// The body of `test`, loaded by src/commands/test.ts only when it runs.

/** Options of `test` as commander parses them. */
export interface TestCliOptions {
  jobs?: string;
  json?: boolean;
  cwd?: string;
  interpreter?: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The summary table and the failing suites' output (text mode). */
export function formatTests(report: TestReport): string[] {
  const rows = report.results.map((r) => [r.server, r.ok ? "pass" : "FAIL", seconds(r.ms)]);
  const head = ["server", "result", "time"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = [line(head), ...rows.map(line)];
  for (const r of report.results.filter((x) => !x.ok)) {
    out.push("", `--- ${r.server} (${r.folder}) failed${r.failed.length ? `: ${r.failed.join(", ")}` : r.exitCode === null ? ": its environment could not be installed" : ""}`, r.output.trimEnd());
  }
  const { passed, failed } = report.summary;
  out.push("", `${failed === 0 ? "All suites passed" : `${failed} of ${passed + failed} ${passed + failed === 1 ? "suite" : "suites"} failed`} on CPython ${report.python}.`);
  return out;
}

function resultJson(r: ServerTestResult) {
  return { server: r.server, folder: r.folder, ok: r.ok, exitCode: r.exitCode, ms: r.ms, failed: r.failed, output: r.output };
}

/**
 * The `test` command body: runs the suites, prints one line per finished suite on stderr, then the
 * table (or `--json`).
 *
 * @returns 0 every suite passed, 1 a suite failed.
 * @throws CannotRunError (exit 2) for a bad `--jobs`, and what the core throws when it cannot run
 *   (with `--json` printed as `{"error": ...}` on stdout instead).
 */
export const testAction: CommandAction<{ names: string[]; options: TestCliOptions }> = async (ctx, { names, options: opts }) => {
  try {
    let jobs: number | undefined;
    if (opts.jobs !== undefined) {
      if (!/^\d+$/.test(opts.jobs) || Number(opts.jobs) < 1) throw new CannotRunError(`--jobs must be a whole number of at least 1, got "${opts.jobs}"`);
      jobs = Number(opts.jobs);
    }
    const report = await runServerTests({
      start: opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd,
      servers: names,
      jobs,
      interpreter: opts.interpreter,
      env: ctx.env,
      onResult: (r) => writeLine(ctx.stderr, `${r.ok ? "✓" : "✗"} ${r.server} ${r.ok ? "passed" : "failed"} (${seconds(r.ms)})`),
    });
    const code = report.summary.failed > 0 ? 1 : 0;
    if (opts.json) writeLine(ctx.stdout, JSON.stringify({ root: report.root, python: report.python, exitCode: code, results: report.results.map(resultJson), summary: report.summary }, null, 2));
    else for (const l of formatTests(report)) writeLine(ctx.stdout, l);
    return code;
  } catch (err) {
    if (opts.json && isUserError(err)) {
      writeLine(ctx.stdout, JSON.stringify({ error: err.message, exitCode: err.exitCode }));
      return err.exitCode;
    }
    throw err;
  }
};
