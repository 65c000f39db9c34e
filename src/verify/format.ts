import type { StepResult, Verdict, VerifyReport } from "./types.js";

/** Output format version of `verify --json`. */
export const VERIFY_JSON_VERSION = 1;

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One progress line for a finished step (stderr). */
export function progressLine(server: string, r: StepResult): string {
  return `${r.ok ? "✔" : "✖"} ${server} ${r.step} (${secs(r.ms)}): ${r.detail}`;
}

/** The `--json` document. */
export function verifyJson(report: VerifyReport, exitCode: number): Record<string, unknown> {
  return { formatVersion: VERIFY_JSON_VERSION, root: report.root, python: report.python, pythons: report.pythons ?? [], verdicts: report.verdicts, summary: { ...report.summary, exitCode } };
}

function verdictLines(v: Verdict): string[] {
  if (v.ok) {
    const startup = v.startupMs !== null ? `, start-up ${secs(v.startupMs)}` : "";
    const total = v.steps.reduce((n, s) => n + s.ms, 0);
    const by = `${v.python ? `, ${v.python}` : ""}${v.installer ? `, venv by ${v.installer}` : ""}`;
    return [`✔ ${v.server}: pass (${v.steps.map((s) => s.step).join(", ")} in ${secs(total)}${startup}${by}); tools: ${v.tools.join(", ") || "none"}`];
  }
  const f = v.failed!;
  const lines = [`✖ ${v.server}: fails at ${f.step}: ${f.cause}${v.python ? ` (on ${v.python})` : ""}`];
  if (v.missingEnv.length) lines.push(`    missing environment variable${v.missingEnv.length > 1 ? "s" : ""} ${v.missingEnv.join(", ")}: not in .env.example or --env-file`);
  const log = f.log.trim().split(/\r?\n/).slice(-25);
  if (log.length && log[0]) {
    lines.push(`    log of ${f.step} (last ${log.length} lines):`);
    for (const l of log) lines.push(`      ${l}`);
  }
  return lines;
}

/** Human-readable result lines (stdout). */
export function formatVerify(report: VerifyReport): string[] {
  const lines: string[] = [];
  // Which Python each server ran on, first: what FastMCP Cloud or the image will run.
  const byPython = new Map<string, string[]>();
  for (const v of report.verdicts) if (v.python) byPython.set(v.python, [...(byPython.get(v.python) ?? []), v.server]);
  for (const [py, servers] of byPython) lines.push(`verify: ${servers.join(", ")} on ${py}`);
  for (const v of report.verdicts) lines.push(...verdictLines(v));
  const { passed, failed } = report.summary;
  lines.push("", failed === 0 ? `✔ ${passed} passed` : `✖ ${failed} failed, ${passed} passed`);
  return lines;
}
