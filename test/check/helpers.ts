import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll } from "vitest";
import { run } from "../../src/cli.js";
import type { Context } from "../../src/kernel/context.js";
import type { Finding } from "../../src/check/types.js";
import { PYTHON, REPO_ROOT } from "../helpers/python.js";

/** Fixtures of the check tests: one small monorepo (or a fail/pass pair) per rule. */
export const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "check");

/** Output of one in-process `check` run. */
export interface CheckRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process (`run` from src/cli.ts) with an injected context whose
 * stdout/stderr are PassThrough streams. The analyzer uses the test venv's Python
 * through `MCPM_PYTHON` unless `env` says otherwise.
 */
export async function cli(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; tty?: boolean } = {}): Promise<CheckRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  if (opts.tty) (stdout as unknown as { isTTY: boolean }).isTTY = true;
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const env = opts.env ?? { ...process.env, MCPM_PYTHON: PYTHON, NO_COLOR: undefined };
  const ctx: Context = {
    cwd: opts.cwd ?? FIXTURES,
    stdout,
    stderr,
    stdin: new PassThrough(),
    interactive: false,
    env,
    now: () => new Date("2026-01-01T00:00:00Z"),
  };
  const code = await run(argv, ctx);
  return { code, stdout: out, stderr: err };
}

/** The `--json` document of a check run. */
export interface CheckJson {
  formatVersion: number;
  root: string;
  discovered: boolean;
  targets: string[];
  servers: string[];
  python: { executable: string; version: string };
  findings: Finding[];
  summary: { errors: number; warnings: number; servers: number; exitCode: number };
}

/** Runs `check --json --cwd DIR ...extra` and parses the output. */
export async function checkJson(dir: string, extra: string[] = []): Promise<{ code: number; json: CheckJson; stderr: string }> {
  const r = await cli(["check", "--json", "--cwd", dir, ...extra]);
  let json: CheckJson;
  try {
    json = JSON.parse(r.stdout) as CheckJson;
  } catch {
    throw new Error(`check --json did not print JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, json, stderr: r.stderr };
}

/** Findings of one server, as `rule@line` strings (compact assertions). */
export function ruleLines(findings: Finding[], server: string): string[] {
  return findings.filter((f) => f.server === server).map((f) => `${f.rule}@${f.line ?? "-"}`);
}

/** Temp folders made by this file's helpers, removed when the importing test file is done. */
const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Copies a fixture into a fresh temp folder (for tests that edit it; removed after the test file). */
export async function copyFixture(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "mcpm-check-"));
  made.push(dir);
  await cp(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** A fresh temporary folder (removed after the test file). */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "mcpm-check-"));
  made.push(dir);
  return dir;
}
