import path from "node:path";
import { writeLine } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { CancelledError, UserError } from "../kernel/errors.js";

// The body of `bundle`, loaded by src/commands/bundle.ts only when it runs; the builder (zip,
// pip, ignore rules) or the verifier only on its own path, clack only for a terminal's spinner.

/** Options of `bundle` as commander parses them. */
export interface BundleCliOptions {
  out?: string;
  platform?: string;
  installer?: "uv" | "pip";
  type?: "python" | "uv";
  /** False with `--no-compile`. */
  compile?: boolean;
  interpreter?: string;
  /** Deprecated spelling of `interpreter` (hidden), as in `check`. */
  python?: string;
  cwd?: string;
  /** A bundle file to check (`--verify FILE`), or false with `--no-verify` (skip the load check). */
  verify?: string | false;
  sha256?: string;
  json?: boolean;
}

/** `12345678` → `11.8 MiB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * The `bundle` command body: `--verify FILE` checks a bundle's SHA256; otherwise builds one
 * bundle per server (progress: a spinner on a terminal, else pip lines on stderr) and prints
 * each file with its size and SHA256 (or the list as `--json`).
 *
 * @throws UserError for names with `--verify`, `--sha256` without it, a SHA256 mismatch, and what
 * the builder refuses (unknown server, pip failure).
 */
export const bundleAction: CommandAction<{ names: string[]; options: BundleCliOptions }> = async (ctx, { names, options: opts }) => {
  const cwd = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
  if (typeof opts.verify === "string") {
    if (opts.verify === "") throw new UserError("--verify needs the bundle file to check");
    if (names.length) throw new UserError("--verify takes one bundle file and no server names");
    const { verifyBundle } = await import("../bundle/verify.js");
    const file = path.resolve(cwd, opts.verify);
    const sha = await verifyBundle(file, opts.sha256);
    if (opts.json) writeLine(ctx.stdout, JSON.stringify({ file, sha256: sha, ok: true }, null, 2));
    else writeLine(ctx.stdout, `OK ${path.relative(ctx.cwd, file) || file} sha256 ${sha}`);
    return 0;
  }
  if (opts.sha256 !== undefined) throw new UserError("--sha256 goes with --verify FILE");
  if (opts.out === "") throw new UserError("--out needs a folder");
  const { runBundle } = await import("../bundle/bundle.js");
  const tty = Boolean((ctx.stderr as { isTTY?: boolean }).isTTY) && !opts.json;
  const p = tty ? await import("@clack/prompts") : null;
  const spin = p?.spinner({ output: ctx.stderr }) ?? null;
  let current = "";
  // Ctrl-C or SIGTERM: the build stops, its staging folder goes, and the command exits 130.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    if (opts.json) return;
    writeLine(ctx.stderr, `warning: ${message}`);
  };
  if (opts.verify === false) warn("the load check is skipped (--no-verify): the bundle is written without importing its server first");
  spin?.start("Installing dependencies");
  let built;
  try {
    built = await runBundle({
      start: cwd,
      servers: names,
      out: opts.out !== undefined ? path.resolve(cwd, opts.out) : undefined,
      shownOut: opts.out,
      platform: opts.platform as never,
      python: opts.interpreter ?? opts.python,
      env: ctx.env,
      compile: opts.compile !== false,
      installer: opts.installer,
      type: opts.type,
      verify: opts.verify !== false,
      signal: abort.signal,
      warn,
      progress: (server, line) => {
        if (spin) spin.message(`${server}: ${line}`.slice(0, 100));
        else if (!opts.json) {
          if (server !== current) writeLine(ctx.stderr, `bundling ${server}...`);
          writeLine(ctx.stderr, `  ${line}`);
        }
        current = server;
      },
    });
  } catch (err) {
    if (abort.signal.aborted) {
      // The CLI prints nothing for a CancelledError (a prompt has said so already): say it here.
      writeLine(ctx.stderr, "Cancelled; the bundle being built was not written (its staging folder is removed)");
      throw new CancelledError();
    }
    spin?.error("No bundle written for the failing server");
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  spin?.stop(`Built ${built.length} bundle${built.length === 1 ? "" : "s"}`);
  if (opts.json) {
    writeLine(ctx.stdout, JSON.stringify(warnings.length ? built.map((b) => ({ ...b, warnings })) : built, null, 2));
    return 0;
  }
  for (const b of built) {
    const shown = path.relative(ctx.cwd, b.file) || b.file;
    writeLine(ctx.stdout, `${shown}  ${formatSize(b.size)} (${b.size} bytes, ${b.entries} files)`);
    writeLine(ctx.stdout, `  sha256 ${b.sha256}  (also in ${path.basename(b.sha256File)}; BUNDLE_SHA256 for the MCPB runtime)`);
  }
  return 0;
};
