import * as fs from "node:fs/promises";
import path from "node:path";
import { UserError } from "../kernel/errors.js";

/**
 * Environment for the servers `verify` starts: the values of `.env.example` (the monorepo root's,
 * then the server's), then `--env-file` (required variables must be present for the server to start;
 * `.env.example` documents them with example values).
 */

/** Parses `KEY=value` lines (`export ` prefix, `#` comments, single or double quotes). */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(raw);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, "");
    out[m[1]!] = v;
  }
  return out;
}

/** Reads an env file, or throws UserError when `required` and it cannot be read. */
export async function readEnvFile(file: string, required: boolean): Promise<Record<string, string>> {
  // A regular file only: reading a FIFO or a device would block, a folder is an error.
  const st = await fs.stat(file).catch(() => null);
  const text = st?.isFile() ? await fs.readFile(file, "utf8").catch(() => null) : null;
  if (text === null) {
    if (required) throw new UserError(`cannot read --env-file ${file}${st && !st.isFile() ? " (not a regular file)" : ""}`);
    return {};
  }
  return parseDotenv(text);
}

/** The variables a server gets: root `.env.example`, server `.env.example`, then the `--env-file` values. */
export async function serverEnv(root: string, serverDir: string, envFile: Record<string, string>): Promise<Record<string, string>> {
  const rootExample = await readEnvFile(path.join(root, ".env.example"), false);
  const own = serverDir === root ? {} : await readEnvFile(path.join(serverDir, ".env.example"), false);
  return { ...rootExample, ...own, ...envFile };
}

/**
 * Names a failure log blames on a missing environment variable: `KeyError: 'X'`,
 * "X environment variable is required", "X is not set", pydantic-settings' "Field required".
 */
export function missingVariables(log: string, given: Record<string, string>): string[] {
  const names = new Set<string>();
  for (const m of log.matchAll(/KeyError: '([A-Za-z_][A-Za-z0-9_]*)'/g)) names.add(m[1]!);
  for (const m of log.matchAll(/\b([A-Z][A-Z0-9_]{2,})\b(?: environment variable)? (?:is )?(?:required|not set|missing|is unset)/g)) names.add(m[1]!);
  for (const m of log.matchAll(/\n([a-z_][a-z0-9_]*)\n\s+Field required/g)) names.add(m[1]!.toUpperCase());
  return [...names].filter((n) => !given[n] && !/^(FASTMCP|PYTHON)/.test(n));
}
