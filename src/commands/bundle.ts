import path from "node:path";
import { Option, type Command } from "commander";
import type { RunState } from "../cli.js";
import { writeLine, type Context } from "../core/context.js";
import { UserError } from "../core/errors.js";

/** Options of `bundle` as commander parses them. */
export interface BundleCliOptions {
  out?: string;
  platform?: string;
  interpreter?: string;
  python?: string;
  cwd?: string;
  verify?: string;
  sha256?: string;
  json?: boolean;
}

/** Platform ids, repeated here so registering the command imports nothing heavy (issue 10). */
const PLATFORM_CHOICES = ["linux-x86_64", "linux-arm64", "macos-arm64", "macos-x86_64", "windows-x86_64"];

/** `12345678` → `11.8 MiB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Registers `bundle` (issue 9, the mcpb target):
 *
 * - `bundle [NAME...] [--out DIR] [--platform P] [--interpreter PATH] [--json]` builds
 *   `DIR/server-NAME-VERSION-PLATFORM.mcpb` (default DIR `<root>/dist`, default platform this
 *   machine's) and `<bundle>.sha256`, printing each bundle's size and SHA256;
 * - `bundle --verify FILE [--sha256 HEX]` checks a bundle's SHA256 (default: the one in
 *   `FILE.sha256`) and refuses a mismatch with one `error:` line, exit 1.
 * Progress: a spinner on a terminal, else one line per pip step on stderr.
 */
export function registerBundle(program: Command, ctx: Context, state: RunState): void {
  program
    .command("bundle")
    .description("build a reproducible MCPB bundle (.mcpb) of each server, with its dependencies vendored; or verify one")
    .argument("[name...]", "servers to bundle (default: all)")
    .option("--out <dir>", "output folder (default: dist/ at the monorepo root)")
    .addOption(new Option("--platform <platform>", "platform the vendored wheels are for (default: this machine's)").choices(PLATFORM_CHOICES))
    .option("--interpreter <path>", "Python with pip that installs the dependencies (default: $MCPM_PYTHON, else python3/python on PATH)")
    .addOption(new Option("--python <path>", "same as --interpreter (deprecated, as in check)").hideHelp())
    .option("--cwd <dir>", "run as if started in <dir>")
    .option("--verify <file>", "verify a bundle's SHA256 instead of building (against --sha256, else <file>.sha256)")
    .option("--sha256 <hex>", "SHA256 that --verify expects")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nThe bundle holds manifest.json (MCPB manifest 0.3), the server's files (minus .mcpbignore and\n" +
        "secrets, tests, caches) and deps/; the same inputs give a byte-identical file.\n" +
        "Serve it: PYTHONPATH=<bundle>:<bundle>/deps python -m uvicorn asgi:app --app-dir <bundle>/src --port $PORT\n\n" +
        "Examples:\n  npx create-mcp-monorepo bundle\n  npx create-mcp-monorepo bundle ops --platform linux-arm64 --out dist\n" +
        "  npx create-mcp-monorepo bundle --verify dist/server-ops-0.1.0-linux-x86_64.mcpb --sha256 <hex>",
    )
    .action(async (names: string[], _opts: BundleCliOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as BundleCliOptions;
      const cwd = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
      if (opts.verify) {
        if (names.length) throw new UserError("--verify takes one bundle file and no server names");
        const { verifyBundle } = await import("../bundle/verify.js");
        const file = path.resolve(cwd, opts.verify);
        const sha = await verifyBundle(file, opts.sha256);
        if (opts.json) writeLine(ctx.stdout, JSON.stringify({ file, sha256: sha, ok: true }, null, 2));
        else writeLine(ctx.stdout, `OK ${path.relative(ctx.cwd, file) || file} sha256 ${sha}`);
        return;
      }
      if (opts.sha256) throw new UserError("--sha256 goes with --verify FILE");
      const { runBundle } = await import("../bundle/bundle.js");
      const tty = Boolean((ctx.stderr as { isTTY?: boolean }).isTTY) && !opts.json;
      const p = tty ? await import("@clack/prompts") : null;
      const spin = p?.spinner({ output: ctx.stderr }) ?? null;
      let current = "";
      spin?.start("Installing dependencies with pip");
      let built;
      try {
        built = await runBundle({
          start: cwd,
          servers: names,
          out: opts.out ? path.resolve(cwd, opts.out) : undefined,
          platform: opts.platform as never,
          python: opts.interpreter ?? opts.python,
          env: ctx.env,
          progress: (server, line) => {
            if (spin) spin.message(`${server}: ${line}`.slice(0, 100));
            else if (!opts.json) {
              if (server !== current) writeLine(ctx.stderr, `bundling ${server}...`);
              writeLine(ctx.stderr, `  pip: ${line}`);
            }
            current = server;
          },
        });
      } catch (err) {
        spin?.error("No bundle written for the failing server");
        throw err;
      }
      spin?.stop(`Built ${built.length} bundle${built.length === 1 ? "" : "s"}`);
      if (opts.json) {
        writeLine(ctx.stdout, JSON.stringify(built, null, 2));
        return;
      }
      for (const b of built) {
        const shown = path.relative(ctx.cwd, b.file) || b.file;
        writeLine(ctx.stdout, `${shown}  ${formatSize(b.size)} (${b.size} bytes, ${b.entries} files)`);
        writeLine(ctx.stdout, `  sha256 ${b.sha256}  (also in ${path.basename(b.sha256File)}; BUNDLE_SHA256 for the MCPB runtime)`);
      }
      state.exitCode = 0;
    });
}
