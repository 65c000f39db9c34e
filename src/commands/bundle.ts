import { Option, type Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import { BUNDLE_PLATFORMS } from "../kernel/defaults.js";
import type { BundleCliOptions } from "./bundle-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./bundle-action.ts, imported when the command runs.

/**
 * Registers `bundle` (the mcpb target):
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
    .addOption(new Option("--platform <platform>", "platform the vendored wheels are for (default: this machine's)").choices([...BUNDLE_PLATFORMS]))
    .option("--interpreter <path>", "Python with pip that installs the dependencies (default: $MCPM_PYTHON, else python3/python on PATH)")
    .addOption(new Option("--python <path>", "same as --interpreter (deprecated, as in check)").hideHelp())
    .option("--cwd <dir>", "run as if started in <dir>")
    .addOption(new Option("--type <type>", "python: deps vendored for one platform (default, what the MCPB Python runtime serves); uv: a small platform-independent bundle with pyproject.toml that the host installs with uv").choices(["python", "uv"]))
    .addOption(new Option("--installer <installer>", "what installs the dependencies (default: uv when found, else pip)").choices(["uv", "pip"]))
    .option("--no-compile", "leave bytecode out of the bundle (default: compiled for the bundle's Python)")
    .option("--no-verify", "skip the load check (importing the server from the staged bundle before it is written)")
    .option("--verify <file>", "verify a bundle's SHA256 instead of building (against --sha256, else <file>.sha256)")
    .option("--sha256 <hex>", "SHA256 that --verify expects")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nThe bundle holds manifest.json (MCPB manifest 0.3), the server's files (minus .mcpbignore and\n" +
        "secrets, tests, caches), deps/, bytecode for its Python and a start-up guard that names a wrong\n" +
        "Python or platform; the same inputs give a byte-identical file. Before it is written, the server\n" +
        "is imported from the staged bundle alone and its tools listed (--no-verify skips this).\n" +
        "Bytecode and deflated files are cached per package under the user cache folder\n" +
        "(mcp-monorepo/bundle; $MCPM_CACHE_DIR overrides); the bundle is the same with or without it.\n" +
        "Serve it: PYTHONPATH=<bundle>:<bundle>/deps python -m uvicorn asgi:app --app-dir <bundle>/src --port $PORT\n\n" +
        "Examples:\n  npx create-mcp-monorepo bundle\n  npx create-mcp-monorepo bundle ops --platform linux-arm64 --out dist\n" +
        "  npx create-mcp-monorepo bundle --verify dist/server-ops-0.1.0-linux-x86_64.mcpb --sha256 <hex>",
    )
    .action(async (names: string[], _opts: BundleCliOptions, cmd: Command) => {
      const { bundleAction } = await import("./bundle-action.js");
      state.exitCode = await bundleAction(ctx, { names, options: cmd.optsWithGlobals() as BundleCliOptions });
    });
}
