// Issue 12, property-based: many hundreds of generated hostile cases per command (fast-check).
// Each case is either refused (one `error:` line, exit code of a refusal, byte-identical sandbox)
// or accepted, and then the tree is valid: no leftovers, JSON/YAML parse, every .py compiles and
// every .toml parses (one Python process per batch), names are identifiers, and `sync --check`
// and `check --strict` pass; a sample is imported with real FastMCP. Nothing outside the target
// changes (a sentinel tree sits beside it). Every case is counted; the figures go to the summary.
import fc from "fast-check";
import * as fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../sync/build.js";
import { COMMANDS, isInside, removeTemplate, type AnySpec, type Deferred } from "./commands.js";
import {
  changedPaths,
  checkTreeFiles,
  fail,
  fingerprint,
  importServers,
  isOneErrorLine,
  looksLikeCrash,
  newTally,
  pyBatch,
  removeSandboxes,
  runBounded,
  sandbox,
  saveTally,
  SLOW,
  totalFailures,
  type Tally,
} from "./harness.js";

const BATCH = 40;
/** Accepted trees imported with real FastMCP per command. */
const IMPORT_SAMPLE = SLOW ? 40 : 10;

// Some cases run the built CLI (Prepared.bin): dist/ must be as new as src/.
beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

afterAll(async () => {
  await removeSandboxes();
  await removeTemplate();
});

async function runCase(spec: AnySpec, c: unknown, tally: Tally, deferred: Array<{ d: Deferred; input: unknown; box: string }>): Promise<void> {
  const box = await sandbox();
  const prep = await spec.prepare(c, box);
  const before = await fingerprint(box.root);
  const out = await runBounded(prep.argv, prep.cwd, prep.timeoutMs, { env: prep.env, bin: prep.bin });
  tally.tried++;
  const input = { argv: prep.argv, case: c };
  if (process.env.MCPM_ROBUST_DEBUG) console.log(`case ${tally.tried}: exit ${out.code} in ${out.ms} ms${prep.bin ? " (bin)" : ""}: ${JSON.stringify(prep.argv).slice(0, 120)}`);
  if (out.hang) {
    fail(tally, "hang", `no exit after ${out.ms} ms`, input);
    return;
  }
  const after = await fingerprint(box.root);
  const changed = changedPaths(before, after);
  const outside = changed.filter((p) => !prep.writable.some((w) => isInside(path.join(box.root, p), w)));
  if (outside.length) fail(tally, "write-outside-target", `changed outside ${prep.writable.join(", ") || "(nothing writable)"}: ${outside.slice(0, 5).join(", ")}`, input);
  if (looksLikeCrash(out.stderr) || out.stdout.includes("unexpected error")) fail(tally, "stack-trace", out.stderr.slice(0, 400), input);
  if ([spec.refusalCode].flat().includes(out.code ?? -1) && /^(?:warning: [^\n]*\n)*error:/.test(out.stderr)) {
    tally.refused++;
    if (process.env.MCPM_ROBUST_DEBUG) console.log(`refused: ${out.stderr.slice(0, 160).trim()}`);
    if (!isOneErrorLine(out.stderr)) fail(tally, "unclear-error", `refusal is not one line: ${JSON.stringify(out.stderr.slice(0, 300))}`, input);
    const inside = changed.filter((p) => !outside.includes(p));
    if (inside.length) fail(tally, "partial-tree", `refused but wrote ${inside.slice(0, 5).join(", ")}`, input);
    await fs.rm(box.root, { recursive: true, force: true });
    return;
  }
  const judged = await spec.judge(c, prep, out, changed, box);
  if (judged.verdict === "findings") tally.findings++;
  tally.accepted++;
  for (const p of judged.problems) fail(tally, p.kind, p.detail, input);
  if (judged.deferred) deferred.push({ d: judged.deferred, input, box: box.root });
  else await fs.rm(box.root, { recursive: true, force: true });
}

/** The batched checks on accepted trees: one Python process compiles a whole batch. */
async function runDeferred(tally: Tally, items: Array<{ d: Deferred; input: unknown; box: string }>): Promise<void> {
  let imported = 0;
  for (let i = 0; i < items.length; i += BATCH) {
    const batch = items.slice(i, i + BATCH);
    const jobs = new Map<string, { py: string[]; toml: string[]; idents: string[] }>();
    for (const [j, it] of batch.entries()) {
      const { files } = await checkTreeFiles(it.d.tree);
      jobs.set(String(j), { ...files, idents: it.d.idents });
    }
    const compiled = await pyBatch(jobs);
    tally.extra["python batches"] = Number(tally.extra["python batches"] ?? 0) + 1;
    tally.extra["py files compiled"] = Number(tally.extra["py files compiled"] ?? 0) + [...jobs.values()].reduce((n, j) => n + j.py.length, 0);
    for (const [j, it] of batch.entries()) {
      for (const p of compiled.get(String(j)) ?? []) fail(tally, "invalid-file", p, it.input);
      if (!it.d.clean) continue;
      const sync = await runBounded(["sync", "--check"], it.d.tree);
      if (sync.hang) fail(tally, "hang", "sync --check", it.input);
      else if (sync.code !== 0) fail(tally, "invalid-file", `sync --check exit ${sync.code}: ${(sync.stdout + sync.stderr).slice(0, 400)}`, it.input);
      const check = await runBounded(["check", "--strict", "--json"], it.d.tree);
      if (check.hang) fail(tally, "hang", "check --strict", it.input);
      else if (check.code !== 0) {
        let findings: Array<{ rule: string; message: string }> = [];
        try {
          findings = (JSON.parse(check.stdout) as { findings: typeof findings }).findings;
        } catch {
          findings = [{ rule: "?", message: check.stdout + check.stderr }];
        }
        const unexpected = findings.filter((f) => !(it.d.allowRules ?? []).includes(f.rule));
        if (unexpected.length) fail(tally, "invalid-file", `check --strict: ${unexpected.map((f) => `${f.rule}: ${f.message}`).join(" | ").slice(0, 600)}`, it.input);
      }
      tally.extra["sync --check + check --strict runs"] = Number(tally.extra["sync --check + check --strict runs"] ?? 0) + 1;
    }
    const sample = batch.filter((it) => it.d.importable.length > 0).slice(0, Math.max(0, IMPORT_SAMPLE - imported));
    if (sample.length) {
      const results = await importServers(sample.flatMap((it) => it.d.importable));
      for (const it of sample) for (const src of it.d.importable) if (results.get(src)) fail(tally, "invalid-file", `import of ${src}: ${results.get(src)}`, it.input);
      imported += sample.length;
      tally.extra["imported with FastMCP"] = imported;
    }
    for (const it of batch) await fs.rm(it.box, { recursive: true, force: true });
  }
}

describe("hostile input, generated (fast-check)", () => {
  // MCPM_ROBUST_ONLY=create,sync runs only those commands (while developing).
  const only = process.env.MCPM_ROBUST_ONLY?.split(",");
  for (const spec of COMMANDS.filter((s) => !only || only.includes(s.name))) {
    const runs = process.env.MCPM_ROBUST_RUNS ? Number(process.env.MCPM_ROBUST_RUNS) : SLOW ? spec.runs * 4 : spec.runs;
    it(`${spec.name}: ${runs} generated cases are refused in one line or yield a valid tree`, async () => {
      const t0 = Date.now();
      const tally = newTally("property", spec.name);
      const deferred: Array<{ d: Deferred; input: unknown; box: string }> = [];
      // Every case is counted and classified; the property itself never throws, so the tally is exact.
      const details = await fc.check(
        fc.asyncProperty(spec.cases, async (c) => {
          await runCase(spec, c, tally, deferred);
          return true;
        }),
        { numRuns: runs, seed: process.env.MCPM_SEED ? Number(process.env.MCPM_SEED) : undefined },
      );
      tally.extra.seed = details.seed;
      if (details.errorInstance) throw details.errorInstance;
      await runDeferred(tally, deferred);
      Object.assign(tally.extra, spec.figures?.());
      tally.ms = Date.now() - t0;
      await saveTally(tally);
      expect(tally.tried).toBe(runs);
      expect(tally.accepted, "enough cases were accepted to test the generated trees").toBeGreaterThan(runs / 10);
      expect(tally.refused, "enough cases were refused to test the refusals").toBeGreaterThan(runs / 10);
      expect(totalFailures(tally), JSON.stringify(tally.examples, null, 1)).toBe(0);
    }, SLOW ? 3_600_000 : 900_000);
  }
});
