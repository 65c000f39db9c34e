import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { UpgradeFlags } from "./upgrade-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./upgrade-action.ts, imported when the command runs.

/**
 * Registers `upgrade`: brings a monorepo made by an older generator version (the manifest's
 * `generator:`) to this one, three-way merging every generated file so that the user's edits stay,
 * migrating server folders of an older layout, and moving the generator pins to this version.
 */
export function registerUpgrade(program: Command, ctx: Context, state: RunState): void {
  program
    .command("upgrade")
    .description("bring a monorepo made by an older create-mcp-monorepo to this version, keeping your edits (three-way merge)")
    .option("--to <version>", "the version to upgrade to: this one (the default); for another, run that version's upgrade")
    .option("--check", "write nothing; exit 1 when an upgrade is pending or conflict markers are left (for CI)")
    .option("--dry-run", "print what would change; write nothing")
    .option("--from-package <file.tgz>", "the tarball of the generator version the monorepo records, instead of fetching it from npm")
    .option("--no-lock", "do not lock the migrated servers (uv.lock, exported requirements.txt); run lock later")
    .option("--allow-dirty", "upgrade even if a file it changes has uncommitted git changes")
    .option("-y, --yes", "do not ask before writing (a terminal asks)")
    .option("--json", "print the result as JSON (no prompt)")
    .option("--cwd <dir>", "run as if started in <dir> (any folder inside the monorepo)")
    .addHelpText(
      "after",
      [
        "",
        "Every generated file is merged three ways: base = what the recorded version",
        "rendered for this manifest (its package, from npm or --from-package), theirs =",
        "what this version renders, ours = the file on disk. Unchanged by you: replaced.",
        "Changed by both: merged; lines that conflict get inline markers (<<<<<<< ours,",
        "||||||| base, =======, >>>>>>> create-mcp-monorepo@X), never .rej files.",
        "Deleted by you: stays deleted. New in this version: added. Gone in this version:",
        "removed, or kept when you edited it. Servers of the requirements.txt layout",
        "become uv projects (pyproject.toml with your requirement lines, uv.lock, the",
        "exported requirements.txt).",
        "",
        "Exit codes: 0 upgraded (or already current); 1 conflicts (the files are listed:",
        "resolve the markers, commit), an upgrade pending or markers left (--check),",
        "refused (uncommitted changes, a newer monorepo); 2 could not run (no or broken",
        "mcp-monorepo.yaml, the recorded version's package not available); 130",
        "cancelled (nothing written).",
        "",
        "Examples:",
        "  npx create-mcp-monorepo upgrade --dry-run",
        "  npx create-mcp-monorepo upgrade --yes",
        "  npx create-mcp-monorepo upgrade --check        what CI runs",
      ].join("\n"),
    )
    .action(async (options: UpgradeFlags) => {
      const { upgradeAction } = await import("./upgrade-action.js");
      state.exitCode = await upgradeAction(ctx, { options });
    });
}
