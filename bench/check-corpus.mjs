#!/usr/bin/env node
// Scores `check` against a labelled corpus of real FastMCP servers.
//
// The corpus lives outside this repository (it is third-party code) and is only read here:
//   <corpus>/servers.json  [{ id, repo, commit, dir, entry, object, requirements }]
//     dir: the server folder relative to <corpus> (the folder holding its requirements);
//     entry: the file holding the FastMCP object, relative to dir; object: a named
//     entrypoint (factory or non-default name) or null.
//   <corpus>/labels.json   [{ id, loads, blocker, error }]
//     loads: whether `fastmcp inspect <entry>` succeeded in a fresh CPython 3.12 venv made
//     from the server's own requirements (plus fastmcp 4.x when they do not name it);
//     blocker: the class of the failure (see CLASS_RULES); error: its first error line.
//
// Each server folder is copied into one temporary folder as `<tmp>/<id>/`; when the copy has
// no fastmcp.json naming the labelled entry, one is written with `source.path` (and
// `source.entrypoint`) — the same information a deployer gives FastMCP Cloud as the
// entrypoint. Then the built CLI runs once: `check --cwd <tmp> --json --target fastmcp-cloud`.
//
// Figures (a server "has errors" when check reports ≥ 1 finding of severity error):
//   error precision  = servers with errors that really fail to load / servers with errors
//   blocker recall   = failing servers with errors / failing servers
//   finding precision = error findings on failing servers whose rule matches the failure
//                       class / all error findings (findings on loading servers are false)
//
// Run (after `node scripts/build.mjs`):
//   node bench/check-corpus.mjs --corpus /work/corpus [--interpreter python3.12]... [--out FILE] [--keep]
// Each --interpreter gives one scored run (none: check's default interpreter).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(REPO, "bin", "create-mcp-monorepo.js");

const { values: opts } = parseArgs({
  options: {
    corpus: { type: "string" },
    interpreter: { type: "string", multiple: true },
    out: { type: "string" },
    offline: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
if (!opts.corpus) {
  console.error("usage: node bench/check-corpus.mjs --corpus DIR [--interpreter PY]... [--out FILE] [--offline] [--keep]");
  process.exit(2);
}
const CORPUS = path.resolve(opts.corpus);
const OUT = path.resolve(opts.out ?? path.join(REPO, "bench", ".work", "check-corpus.json"));

/**
 * Rules whose error explains a failure class. An error finding on a failing server whose rule is
 * not listed for its class is counted as "other reason" (right server, not the real cause).
 */
const CLASS_RULES = {
  "non-pypi": ["pypi-only", "unresolvable-requirements"],
  "install-failed": ["unresolvable-requirements", "pypi-only", "python-version"],
  "missing-dependency": ["undeclared-dependency", "server-layout"],
  "mcp-sdk-v1": ["mcp-sdk-v1", "undeclared-dependency"],
  "local-import": ["path-import", "server-layout", "undeclared-dependency"],
  "relative-import": ["path-import"],
  "no-server-object": ["server-object"],
  "env-required-at-import": ["env-required", "import-crash", "async-client-at-import"],
  "exit-at-import": ["import-crash", "env-required"],
  "removed-kwarg": ["fastmcp-v4-api"],
  "syntax": ["python-syntax"],
  "network-at-import": ["env-required", "import-crash", "async-client-at-import"],
  "low-level-only": ["server-object", "mcp-sdk-v1"],
  "timeout": ["import-crash", "async-client-at-import"],
  "other": [],
};

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    console.error(`cannot read ${file}: ${err.message}`);
    process.exit(2);
  }
}

const servers = readJson(path.join(CORPUS, "servers.json"));
const labels = new Map(readJson(path.join(CORPUS, "labels.json")).map((l) => [l.id, l]));
const labelled = servers.filter((s) => labels.has(s.id) && labels.get(s.id).loads !== undefined);
if (labelled.length === 0) {
  console.error(`no labelled servers in ${CORPUS} (servers.json ids with an entry in labels.json)`);
  process.exit(2);
}

const SKIP = new Set([".git", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"]);

/** Copies one server folder to `<stage>/<id>` and makes its entry the one check reads. */
function stageServer(stage, s) {
  const from = path.join(CORPUS, s.dir);
  const to = path.join(stage, s.id);
  fs.cpSync(from, to, { recursive: true, filter: (src) => !SKIP.has(path.basename(src)) });
  const cfgFile = path.join(to, "fastmcp.json");
  let existing = null;
  try {
    existing = JSON.parse(fs.readFileSync(cfgFile, "utf8"));
  } catch {
    existing = null;
  }
  const existingPath = typeof existing?.source?.path === "string" ? existing.source.path.replace(/:[A-Za-z_]\w*$/, "") : null;
  if (existingPath && path.posix.normalize(existingPath) === path.posix.normalize(s.entry)) return "own fastmcp.json";
  const source = { path: s.entry, ...(s.object ? { entrypoint: s.object } : {}) };
  fs.writeFileSync(cfgFile, JSON.stringify({ $schema: "https://gofastmcp.com/public/schemas/fastmcp.json/v1.json", source }, null, 2) + "\n");
  return existing ? "fastmcp.json replaced" : "fastmcp.json written";
}

function runCheck(stage, interpreter, only) {
  const args = [BIN, "check", "--cwd", stage, "--json", "--target", "fastmcp-cloud"];
  if (interpreter) args.push("--interpreter", interpreter);
  if (opts.offline) args.push("--offline");
  for (const id of only ?? []) args.push("--server", id);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 45 * 60 * 1000 });
  let report = null;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    report = null;
  }
  return { status: r.status, report, stderr: (r.stderr ?? "").trim(), seconds: (Date.now() - t0) / 1000 };
}

const pct = (a, b) => (b === 0 ? "n/a" : `${((100 * a) / b).toFixed(1)}%`);

function score(interpreter, stage) {
  let run = runCheck(stage, interpreter);
  const perServer = new Map();
  let python = run.report?.python ?? null;
  if (run.report && Array.isArray(run.report.findings)) {
    for (const f of run.report.findings) {
      if (!perServer.has(f.server)) perServer.set(f.server, []);
      perServer.get(f.server).push(f);
    }
  } else {
    // The whole run could not start (exit 2): score server by server so one bad folder does not hide the rest.
    console.log(`  check on the whole corpus exited ${run.status} (${run.stderr.split("\n")[0] ?? ""}); running server by server`);
    for (const s of labelled) {
      const one = runCheck(stage, interpreter, [s.id]);
      python ??= one.report?.python ?? null;
      perServer.set(s.id, one.report?.findings ?? [{ rule: "(check could not run)", severity: "none", server: s.id, message: one.stderr.split("\n")[0] ?? "" }]);
    }
  }
  const rows = [];
  const findings = { matched: 0, otherReason: 0, false: 0 };
  const falseErrors = [];
  const misses = [];
  for (const s of labelled) {
    const label = labels.get(s.id);
    const fails = label.loads === false;
    const all = perServer.get(s.id) ?? [];
    const errors = all.filter((f) => f.severity === "error");
    const warnings = all.filter((f) => f.severity === "warning");
    const cls = fails ? (label.blocker ?? "other") : null;
    const explains = new Set(CLASS_RULES[cls] ?? []);
    for (const f of errors) {
      if (!fails) {
        findings.false++;
        falseErrors.push({ server: s.id, rule: f.rule, file: f.file ?? null, line: f.line ?? null, message: f.message });
      } else if (explains.has(f.rule)) findings.matched++;
      else findings.otherReason++;
    }
    const verdict = fails ? (errors.length > 0 ? "TP" : "FN") : errors.length > 0 ? "FP" : "TN";
    if (verdict === "FN") misses.push({ server: s.id, blocker: cls, error: label.error, warnings: [...new Set(warnings.map((w) => w.rule))] });
    rows.push({
      id: s.id,
      repo: s.repo,
      loads: label.loads,
      blocker: cls,
      error: label.error ?? null,
      errorRules: [...new Set(errors.map((f) => f.rule))],
      warningRules: [...new Set(warnings.map((f) => f.rule))],
      matchedRules: [...new Set(errors.filter((f) => fails && explains.has(f.rule)).map((f) => f.rule))],
      verdict,
    });
  }
  const count = (v) => rows.filter((r) => r.verdict === v).length;
  const tp = count("TP"), fp = count("FP"), fn = count("FN"), tn = count("TN");
  const totalFindings = findings.matched + findings.otherReason + findings.false;
  return {
    interpreter: interpreter ?? "(check's default)",
    python,
    checkExit: run.status,
    checkSeconds: run.seconds,
    servers: rows.length,
    failing: tp + fn,
    loading: fp + tn,
    confusion: { tp, fp, fn, tn },
    errorPrecision: tp + fp === 0 ? null : tp / (tp + fp),
    blockerRecall: tp + fn === 0 ? null : tp / (tp + fn),
    findingPrecision: totalFindings === 0 ? null : findings.matched / totalFindings,
    errorFindings: { ...findings, total: totalFindings },
    rows,
    falseErrors,
    misses,
  };
}

function print(result) {
  const py = result.python ? `${result.python.version} (${result.python.executable})` : "unknown";
  console.log(`\n== check on ${result.servers} real servers, parsed with Python ${py}; check took ${result.checkSeconds.toFixed(0)} s (exit ${result.checkExit})`);
  const { tp, fp, fn, tn } = result.confusion;
  console.log(`   failing ${result.failing}, loading ${result.loading}; TP ${tp} FP ${fp} FN ${fn} TN ${tn}`);
  console.log(`   error precision  ${pct(tp, tp + fp)}  (servers with errors that really fail)`);
  console.log(`   blocker recall   ${pct(tp, tp + fn)}  (failing servers that got an error)`);
  const f = result.errorFindings;
  console.log(`   finding precision ${pct(f.matched, f.total)}  (${f.matched} matched the failure class, ${f.otherReason} on failing servers for another reason, ${f.false} on loading servers)`);
  const w = (s, n) => String(s).padEnd(n).slice(0, n);
  console.log(`\n   ${w("server", 22)} ${w("loads", 5)} ${w("blocker", 22)} ${w("verdict", 7)} errors (rule ids)`);
  for (const r of result.rows) console.log(`   ${w(r.id, 22)} ${w(r.loads, 5)} ${w(r.blocker ?? "-", 22)} ${w(r.verdict, 7)} ${r.errorRules.join(", ") || "-"}`);
  if (result.falseErrors.length) {
    console.log("\n   false errors (server loads):");
    for (const e of result.falseErrors) console.log(`   - ${e.server}: ${e.rule} ${e.file ?? ""}${e.line ? `:${e.line}` : ""} ${e.message}`);
  }
  if (result.misses.length) {
    console.log("\n   misses (server fails, no error):");
    for (const m of result.misses) console.log(`   - ${m.server} [${m.blocker}] ${m.error ?? ""}${m.warnings.length ? ` (warnings: ${m.warnings.join(", ")})` : ""}`);
  }
}

if (!fs.existsSync(path.join(REPO, "dist"))) {
  console.error("no dist/: run `node scripts/build.mjs` first");
  process.exit(2);
}
const stage = fs.mkdtempSync(path.join(os.tmpdir(), "check-corpus-"));
const staging = {};
for (const s of labelled) staging[s.id] = stageServer(stage, s);
console.log(`staged ${labelled.length} servers in ${stage}`);
const results = [];
try {
  for (const interp of opts.interpreter?.length ? opts.interpreter : [undefined]) {
    const result = score(interp, stage);
    results.push(result);
    print(result);
  }
} finally {
  if (!opts.keep) fs.rmSync(stage, { recursive: true, force: true });
}
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, JSON.stringify({ corpus: CORPUS, date: new Date().toISOString(), staging, results }, null, 2) + "\n");
console.log(`\nreport: ${OUT}`);
