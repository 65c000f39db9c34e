// Vitest reporter: after a run, prints the figures of the issue 12 suites (property, faults,
// trees) that the tests wrote to .cache/robust/: cases tried per command, refusals, accepted,
// failures by kind. Nothing is printed when none of those suites ran.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { Reporter } from "vitest/node";

const DIR = path.resolve(import.meta.dirname, "..", "..", ".cache", "robust");
const KINDS = ["stack-trace", "unclear-error", "partial-tree", "invalid-file", "write-outside-target", "user-data-lost", "secret-leaked", "hang"];

interface Tally {
  suite: string;
  command: string;
  tried: number;
  refused: number;
  accepted: number;
  findings: number;
  failures: Record<string, number>;
  extra: Record<string, number | string>;
}

/** The summary table as lines (exported for tests and for `node --experimental-strip-types`). */
export function summaryLines(tallies: Tally[]): string[] {
  const head = ["suite", "command", "tried", "refused", "accepted", "findings", ...KINDS];
  const rows = tallies
    .sort((a, b) => a.suite.localeCompare(b.suite) || a.command.localeCompare(b.command))
    .map((t) => [t.suite, t.command, t.tried, t.refused, t.accepted, t.findings, ...KINDS.map((k) => t.failures[k] ?? 0)].map(String));
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join("  ");
  const failures = tallies.reduce((n, t) => n + KINDS.reduce((m, k) => m + (t.failures[k] ?? 0), 0), 0);
  const tried = tallies.reduce((n, t) => n + t.tried, 0);
  const kills = tallies
    .filter((t) => t.suite === "faults")
    .map((t) => {
      const journaled = Number(t.extra.journaled ?? 0) > 0 ? `, ${t.extra.journaled} of them finished by the next run` : "";
      const phases = Object.entries(t.extra).filter(([k]) => / starts ms$/.test(k)).map(([k, v]) => `${k.replace(/ starts ms$/, "")} from ${v} ms`);
      const timing = t.extra["run ms"] !== undefined ? `; run ${t.extra["run ms"]} ms, writes from ${t.extra["writes start ms"] ?? "?"} ms${phases.length ? `, ${phases.join(", ")}` : ""}` : "";
      return `${t.command} ${t.extra.killed ?? 0}/${t.tried} killed (${t.extra.old ?? 0} old, ${t.extra.new ?? 0} new, ${t.extra.mixed ?? 0} mixed${journaled}; ${t.extra.midWrite ?? 0} mid-write${timing})`;
    });
  return [
    "",
    "Hostile input and faults (issue 12): every failure count must be 0",
    fmt(head),
    ...rows.map(fmt),
    ...kills.map((k) => `kills: ${k}`),
    `${tried} cases, ${failures} failures${process.env.MCPM_SLOW === "1" ? " (slow tier)" : " (normal tier; MCPM_SLOW=1 for the slow one)"}`,
  ];
}

export default class RobustSummaryReporter implements Reporter {
  onInit(): void {
    rmSync(DIR, { recursive: true, force: true });
  }

  onTestRunEnd(): void {
    if (!existsSync(DIR)) return;
    const tallies = readdirSync(DIR)
      .filter((f) => f.endsWith(".json"))
      .map((f) => JSON.parse(readFileSync(path.join(DIR, f), "utf8")) as Tally);
    if (tallies.length) process.stdout.write(summaryLines(tallies).join("\n") + "\n");
  }
}
