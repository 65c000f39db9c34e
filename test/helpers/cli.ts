import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { run } from "../../src/cli.js";
import type { Context } from "../../src/kernel/context.js";

/** Output of one in-process CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process with an injected context (STYLE.md §6).
 *
 * @param argv - arguments after the program name.
 * @param opts.cwd - working directory (required: tests never use the repo's cwd).
 * @param opts.interactive - allow prompts (default false); `stdin` then feeds them.
 */
export async function runCli(argv: string[], opts: { cwd: string; interactive?: boolean; stdin?: Readable; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const ctx: Context = {
    cwd: opts.cwd,
    stdout,
    stderr,
    stdin: opts.stdin ?? new PassThrough(),
    interactive: opts.interactive ?? false,
    env: opts.env ?? process.env,
    now: () => new Date("2026-01-01T00:00:00Z"),
  };
  const code = await run(argv, ctx);
  return { code, stdout: out, stderr: err };
}

/** A fresh temporary folder. */
export async function tempDir(prefix = "mcpm-"): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/**
 * Hashes every file under `dir` (path → sha256 of bytes + mode), for
 * "nothing changed" assertions. A missing `dir` hashes to an empty map.
 */
export async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) await walk(abs);
      else {
        const st = await fs.lstat(abs);
        const body = e.isSymbolicLink() ? await fs.readlink(abs) : await fs.readFile(abs);
        out[path.relative(dir, abs).split(path.sep).join("/")] = createHash("sha256").update(body).update(String(st.mode & 0o777)).digest("hex");
      }
    }
  };
  await walk(dir);
  return out;
}

/** Lists every entry (files and folders) under `dir`, POSIX relative, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    out.push(path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
  }
  return out.sort();
}
