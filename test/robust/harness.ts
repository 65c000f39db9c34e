// The measuring harness of issue 12: sandboxes with a sentinel tree, one classified CLI run,
// tree validation (JSON/YAML in node; .py compile and TOML in one Python process per batch),
// and tallies of outcomes that the summary reporter prints.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { isTransientName } from "../../src/monorepo/changes.js";
import { runCli, type CliRun } from "../helpers/cli.js";
import { runBin } from "../helpers/faults.js";
import { pyEnv, PYTHON, REPO_ROOT } from "../helpers/python.js";

/** The failure kinds issue 12 counts; every one must stay 0. */
export const FAILURE_KINDS = ["stack-trace", "unclear-error", "partial-tree", "invalid-file", "write-outside-target", "user-data-lost", "secret-leaked", "hang"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** True when the slow tier is on (`MCPM_SLOW=1`): more cases and more kills. */
export const SLOW = process.env.MCPM_SLOW === "1";

/** Where tallies are written for the summary reporter (one JSON file per suite and command). */
export const TALLY_DIR = path.join(REPO_ROOT, ".cache", "robust");

/** Figures of one suite (property, faults, trees) for one command. */
export interface Tally {
  suite: string;
  command: string;
  tried: number;
  refused: number;
  accepted: number;
  /** Of the accepted: runs that reported findings, conflicts or requirement errors (exit 1 by design). */
  findings: number;
  failures: Record<FailureKind, number>;
  /** First few failures of each kind (at most 3 each), to reproduce. */
  examples: Array<{ kind: FailureKind; detail: string; input: string }>;
  /** Suite-specific figures (e.g. kills landed mid-write). */
  extra: Record<string, number | string>;
  ms: number;
}

export function newTally(suite: string, command: string): Tally {
  return { suite, command, tried: 0, refused: 0, accepted: 0, findings: 0, failures: Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])) as Tally["failures"], examples: [], extra: {}, ms: 0 };
}

/** JSON replacer that shortens long strings and buffers (failure examples stay readable). */
function shorten(_key: string, v: unknown): unknown {
  if (typeof v === "string" && v.length > 120) return `${v.slice(0, 100)}...(${v.length} chars)`;
  if (v && typeof v === "object" && (v as { type?: string }).type === "Buffer") return `<${((v as { data: number[] }).data ?? []).length} bytes>`;
  return v;
}

/** Records a failure (and keeps the first 10 as examples). */
export function fail(t: Tally, kind: FailureKind, detail: string, input: unknown): void {
  t.failures[kind]++;
  if (t.examples.length < 12 && t.examples.filter((e) => e.kind === kind).length < 3) t.examples.push({ kind, detail: detail.slice(0, 600), input: JSON.stringify(input, shorten).slice(0, 1200) });
}

export function totalFailures(t: Tally): number {
  return FAILURE_KINDS.reduce((n, k) => n + t.failures[k], 0);
}

/** One summary line for a tally. */
export function formatTally(t: Tally): string {
  const f = FAILURE_KINDS.map((k) => `${k} ${t.failures[k]}`).join(", ");
  const extra = Object.entries(t.extra).map(([k, v]) => `${k} ${v}`).join(", ");
  return `${t.suite.padEnd(8)} ${t.command.padEnd(10)} tried ${t.tried}, refused ${t.refused}, accepted ${t.accepted} (with findings ${t.findings}); failures: ${f}${extra ? `; ${extra}` : ""} (${(t.ms / 1000).toFixed(1)} s)`;
}

/** Writes a tally for the summary reporter and prints it. */
export async function saveTally(t: Tally): Promise<void> {
  await fs.mkdir(TALLY_DIR, { recursive: true });
  await fs.writeFile(path.join(TALLY_DIR, `${t.suite}-${t.command}.json`), JSON.stringify(t, null, 2));
  console.log(`robust: ${formatTally(t)}`);
  for (const e of t.examples) console.log(`  ${e.kind}: ${e.detail}\n    input: ${e.input}`);
}

/** Every file (not folder) under `dir`: POSIX path → sha256 of bytes + mode + type; symlinks are not followed. */
export async function fingerprint(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const abs = path.join(d, e.name);
      const rel = path.relative(dir, abs).split(path.sep).join("/");
      if (e.isDirectory()) {
        out.set(`${rel}/`, "dir");
        await walk(abs);
        continue;
      }
      const st = await fs.lstat(abs);
      const h = createHash("sha256").update(`${st.mode}:`);
      if (e.isSymbolicLink()) h.update(`link:${await fs.readlink(abs)}`);
      else if (e.isFile()) h.update(await fs.readFile(abs).catch(() => Buffer.from("<unreadable>")));
      else h.update("special");
      out.set(rel, h.digest("hex"));
    }
  };
  await walk(dir);
  return out;
}

/** Paths whose fingerprint differs between two maps (added, removed or changed), sorted. */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const out = new Set<string>();
  for (const [k, v] of before) if (after.get(k) !== v) out.add(k);
  for (const k of after.keys()) if (!before.has(k)) out.add(k);
  return [...out].sort();
}

/**
 * A sandbox for one case: `root/sentinel/` (files the command must never touch, the targets of
 * hostile symlinks) and `root/work/` (the command's cwd).
 */
export interface Sandbox {
  root: string;
  sentinel: string;
  work: string;
}

let boxCounter = 0;
let boxBase: string | null = null;

/** A fresh sandbox with its sentinel tree written. */
export async function sandbox(): Promise<Sandbox> {
  boxBase ??= await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-robust-"));
  const root = path.join(boxBase, `box${++boxCounter}`);
  const sentinel = path.join(root, "sentinel");
  const work = path.join(root, "work");
  await fs.mkdir(path.join(sentinel, "empty-dir"), { recursive: true });
  await fs.mkdir(work, { recursive: true });
  await fs.writeFile(path.join(sentinel, "keep.txt"), "sentinel: must never change\n");
  await fs.writeFile(path.join(sentinel, "README.md"), "# sentinel README\n");
  await fs.writeFile(path.join(sentinel, "config.py"), "SENTINEL = True\n");
  await fs.mkdir(path.join(sentinel, "nested", "deeper"), { recursive: true });
  await fs.writeFile(path.join(sentinel, "nested", "deeper", "data.json"), '{"sentinel": true}\n');
  return { root, sentinel, work };
}

/** Removes every sandbox of this process. */
export async function removeSandboxes(): Promise<void> {
  if (boxBase) await fs.rm(boxBase, { recursive: true, force: true });
  boxBase = null;
}

/** Replaces `@BOX@` and `@SENTINEL@` tokens in generated arguments with the sandbox's paths (absolute-path cases). */
export function resolveTokens(s: string, box: Sandbox): string {
  return s.replaceAll("@BOX@", box.root).replaceAll("@SENTINEL@", box.sentinel);
}

/** A CLI run, or a hang. */
export type Outcome = (CliRun & { hang: false; ms: number }) | { hang: true; ms: number; code: -1; stdout: string; stderr: string };

/**
 * Runs the CLI in-process with a time bound (a hang is recorded, not waited for); with
 * `opts.bin`, the built CLI in a child process (killed at the bound).
 */
export async function runBounded(argv: string[], cwd: string, timeoutMs = 90_000, opts: { env?: Record<string, string>; bin?: boolean } = {}): Promise<Outcome> {
  const t0 = Date.now();
  if (opts.bin) {
    const r = await runBin(argv, cwd, { timeoutMs, env: { MCPM_PYTHON: PYTHON, ...opts.env } });
    if (r.timedOut) return { hang: true, ms: r.ms, code: -1, stdout: r.output, stderr: r.stderr };
    return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr, hang: false, ms: r.ms };
  }
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ hang: true, ms: Date.now() - t0, code: -1, stdout: "", stderr: "" }), timeoutMs);
  });
  const run = runCli(argv, { cwd, env: { ...process.env, NO_COLOR: "1", MCPM_PYTHON: PYTHON, ...opts.env } }).then((r): Outcome => ({ ...r, hang: false, ms: Date.now() - t0 }));
  try {
    return await Promise.race([run, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** A stack trace or an unexpected-error message in output. */
export function looksLikeCrash(text: string): boolean {
  return /unexpected error|\n\s+at \S.*:\d+:\d+|^\s+at \S.*:\d+:\d+|Traceback \(most recent call last\)|TypeError|ReferenceError|RangeError|ERR_[A-Z_]+/m.test(text);
}

/** stderr is exactly one line starting with `error: ` (after any one-line `warning: `s said on the way). */
export function isOneErrorLine(stderr: string): boolean {
  // One `error:` line, optionally followed by the code frame of a broken manifest: lines of the
  // form `  27 |`, `> 28 | text`, `     | ^`, each indented or marked. Warnings the command said
  // before it refused (bundle: "the load check is skipped", a secret file left out) are one line each.
  return /^(?:warning: [^\n]*\n)*error: [^\n]*\n(?:(?:>| ) *\d* \|[^\n]*\n)*$/.test(stderr);
}

/** A problem found in a tree: what kind and where. */
export interface Problem {
  kind: FailureKind;
  detail: string;
}

/** Files the node side checks and the Python batch takes. */
interface TreeFiles {
  py: string[];
  toml: string[];
}

/**
 * Checks a tree on the node side: no transient leftovers (partial tree), every JSON file parses,
 * every YAML file parses, every `.env.example` holds only comments and `NAME=value` lines. Returns the .py and .toml files for {@link PyBatch}.
 */
export async function checkTreeFiles(root: string): Promise<{ problems: Problem[]; files: TreeFiles }> {
  const problems: Problem[] = [];
  const files: TreeFiles = { py: [], toml: [] };
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      const rel = path.relative(root, abs);
      if (e.name === ".git" || e.name === "__pycache__" || e.name === ".pytest_cache") continue;
      if (isTransientName(e.name) || e.name === ".mcp-monorepo.busy") problems.push({ kind: "partial-tree", detail: `leftover ${rel}` });
      if (e.isDirectory()) {
        await walk(abs);
        continue;
      }
      if (!e.isFile()) continue;
      if (e.name === ".env.example") {
        // Environment variable names derived from user input must be valid: only comments, blanks and NAME=value.
        for (const line of (await fs.readFile(abs, "utf8")).split("\n")) {
          if (line !== "" && !line.startsWith("#") && !/^[A-Z_][A-Z0-9_]*=/.test(line)) {
            problems.push({ kind: "invalid-file", detail: `${rel}: not a comment or NAME=value: ${JSON.stringify(line.slice(0, 80))}` });
          }
        }
      }
      if (e.name.endsWith(".py")) files.py.push(abs);
      else if (e.name.endsWith(".toml")) files.toml.push(abs);
      else if (e.name.endsWith(".json")) {
        try {
          JSON.parse(await fs.readFile(abs, "utf8"));
        } catch (err) {
          problems.push({ kind: "invalid-file", detail: `${rel}: ${(err as Error).message}` });
        }
      } else if (/\.ya?ml$/.test(e.name)) {
        const docs = parseAllDocuments(await fs.readFile(abs, "utf8"));
        const errs = (Array.isArray(docs) ? docs : [docs]).flatMap((doc) => doc.errors);
        if (errs.length) problems.push({ kind: "invalid-file", detail: `${rel}: ${errs[0]!.message}` });
      }
    }
  };
  await walk(root);
  return { problems, files };
}

const BATCH_PY = String.raw`
import json, sys, keyword, tomllib
req = json.load(sys.stdin)
out = {}
for key, job in req.items():
    bad = []
    for p in job["py"]:
        try:
            with open(p, "rb") as f:
                compile(f.read(), p, "exec", dont_inherit=True)
        except BaseException as e:
            bad.append(f"{p}: {type(e).__name__}: {e}")
    for p in job["toml"]:
        try:
            with open(p, "rb") as f:
                tomllib.load(f)
        except BaseException as e:
            bad.append(f"{p}: {type(e).__name__}: {e}")
    for n in job["idents"]:
        if not n.isidentifier() or keyword.iskeyword(n) or keyword.issoftkeyword(n):
            bad.append(f"not a usable Python identifier: {n!r}")
    out[key] = bad
json.dump(out, sys.stdout)
`;

function runPython(script: string, input: string, cwd = REPO_ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(PYTHON, ["-c", script], { cwd, env: { ...pyEnv(), PYTHONDONTWRITEBYTECODE: "1" }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

/**
 * Compiles every .py file, parses every .toml file and checks Python identifiers of many
 * trees in ONE Python process (issue 12: batch the compile).
 *
 * @param jobs - key → files and identifiers.
 * @returns key → problems (empty when all is well).
 */
export async function pyBatch(jobs: Map<string, TreeFiles & { idents: string[] }>): Promise<Map<string, string[]>> {
  if (jobs.size === 0) return new Map();
  const r = await runPython(BATCH_PY, JSON.stringify(Object.fromEntries(jobs)));
  if (r.code !== 0) throw new Error(`python batch failed: ${r.stderr}`);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, string[]>));
}

const IMPORT_PY = String.raw`
import json, sys, importlib
import fastmcp
req = json.load(sys.stdin)
out = {}
base = set(sys.modules)
for src in req:
    try:
        sys.path.insert(0, src)
        mod = importlib.import_module("server")
        obj = getattr(mod, "mcp", None)
        out[src] = None if isinstance(obj, fastmcp.FastMCP) else f"server.mcp is {type(obj).__name__}, not FastMCP"
    except BaseException as e:
        out[src] = f"{type(e).__name__}: {e}"
    finally:
        sys.path.remove(src)
        for name in list(sys.modules):
            if name not in base and (name == "server" or name == "shared" or name.startswith("shared.")):
                del sys.modules[name]
json.dump(out, sys.stdout)
`;

/**
 * Imports `server` from each `src/` folder with real FastMCP, in one Python process, and
 * checks the module-level `mcp` is a FastMCP instance.
 *
 * @returns src folder → error message, or null when it imported.
 */
export async function importServers(srcDirs: string[]): Promise<Map<string, string | null>> {
  if (srcDirs.length === 0) return new Map();
  const r = await runPython(IMPORT_PY, JSON.stringify(srcDirs));
  if (r.code !== 0) throw new Error(`python import batch failed: ${r.stderr}`);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, string | null>));
}
