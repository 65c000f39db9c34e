// The spawned-CLI tests run the built dist/. `pnpm test` builds it first (pretest); when a test
// file is run on its own, dist/ may be older than src/, so this rebuilds it then, and only then:
// rebuilding while other test files spawn the CLI could hand them half-written files.
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const execFileP = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, "..", "..");

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith(".ts")) continue;
    newest = Math.max(newest, (await fs.stat(path.join(e.parentPath, e.name))).mtimeMs);
  }
  return newest;
}

let building: Promise<void> | null = null;

/**
 * Makes sure dist/ is at least as new as src/ (runs the bundler, `node scripts/build.mjs`, otherwise),
 * then checks the bundle is there.
 */
export function ensureBuilt(): Promise<void> {
  building ??= (async () => {
    const built = await fs.stat(path.join(REPO, "dist", "cli.js")).then((s) => s.mtimeMs, () => 0);
    if (built < (await newestMtime(path.join(REPO, "src")))) {
      await execFileP(process.execPath, ["scripts/build.mjs"], { cwd: REPO });
    }
    await fs.access(path.join(REPO, "dist", "cli.js"));
  })();
  return building;
}
