import pc from "picocolors";
import type { CheckReport, Finding } from "./types.js";

/**
 * Printing `check` results (the core returns data; the CLI prints it).
 * Human output is grouped by server, coloured only when asked (a TTY without NO_COLOR).
 */

/** Output format version of `--json` (bump on breaking changes). */
export const JSON_FORMAT_VERSION = 1;

/** The `--json` document: the report plus the format version and exit code. */
export function checkJson(report: CheckReport, exitCode: number): Record<string, unknown> {
  return {
    formatVersion: JSON_FORMAT_VERSION,
    root: report.root,
    discovered: report.discovered,
    targets: report.targets,
    servers: report.servers,
    python: report.python,
    metadata: report.metadata,
    ...(report.resolver ? { resolver: report.resolver } : {}),
    findings: report.findings,
    summary: { ...report.summary, exitCode },
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Human-readable lines.
 *
 * @param report - what `runCheck` returned.
 * @param opts.color - use ANSI colours; opts.strict - warnings fail (said in the summary).
 */
export function formatCheck(report: CheckReport, opts: { color: boolean; strict: boolean }): string[] {
  const c = pc.createColors(opts.color);
  const lines: string[] = [];
  if (report.discovered) {
    lines.push(c.dim(`no mcp-monorepo.yaml in ${report.root}: discovered ${plural(report.servers.length, "server")} from the layout (entry file + requirements.txt or pyproject.toml): ${report.servers.join(", ")}`));
  }
  const by = report.resolver ?? "pip";
  const meta =
    report.metadata === "uv" || report.metadata === "pip"
      ? `; requirements resolved with ${by}`
      : report.metadata === "offline"
        ? "; --offline: import names from the built-in map"
        : report.metadata
          ? `; ${by} could not resolve every requirements file, so some import names come from the built-in map`
          : "";
  lines.push(c.dim(`checking ${plural(report.servers.length, "server")} in ${report.root} for ${report.targets.join(", ")} (Python ${report.python.version} parses the code${meta})`));
  if (report.python.note) lines.push(c.yellow(`note: ${report.python.note}`));
  const byServer = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = f.server ?? "(monorepo)";
    byServer.set(key, [...(byServer.get(key) ?? []), f]);
  }
  const groups = byServer.has("(monorepo)") ? [...report.servers, "(monorepo)"] : report.servers;
  for (const name of groups) {
    const list = byServer.get(name) ?? [];
    lines.push("");
    if (list.length === 0) {
      lines.push(`${c.bold(name)} ${c.green("✔ no findings")}`);
      continue;
    }
    lines.push(c.bold(name));
    for (const f of list) {
      const sev = f.severity === "error" ? c.red("error  ") : c.yellow("warning");
      const loc = f.line ? `${f.file}:${f.line}` : f.file;
      lines.push(`  ${sev} ${c.cyan(loc)} ${f.message} ${c.dim(`[${f.rule}]`)}`);
      lines.push(`          ${c.dim("fix:")} ${f.fix}`);
    }
  }
  lines.push("");
  const { errors, warnings } = report.summary;
  const summary = `${plural(errors, "error")}, ${plural(warnings, "warning")} in ${plural(report.summary.servers, "server")}`;
  if (errors > 0) lines.push(c.red(`✖ ${summary}`));
  else if (warnings > 0) lines.push(opts.strict ? c.red(`✖ ${summary} (--strict: warnings fail)`) : c.yellow(`⚠ ${summary}`));
  else lines.push(c.green(`✔ ${summary}: ready to deploy`));
  return lines;
}

/** Exit code: 1 when any error (or, with `strict`, any warning), else 0. */
export function checkExitCode(report: CheckReport, strict: boolean): number {
  return report.summary.errors > 0 || (strict && report.summary.warnings > 0) ? 1 : 0;
}
