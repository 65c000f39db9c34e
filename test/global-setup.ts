// Vitest global setup: makes sure the cached FastMCP venv exists before any test runs, and points
// mcp-monorepo's user cache (check's resolved package metadata, verify's venvs) at a folder of the
// repository, so repeated runs reuse it and nothing is written to the user's own cache.
import path from "node:path";
// @ts-expect-error plain ESM script without types
import { setupPython, toolsBin } from "../scripts/setup-python.mjs";

export default function setup(): void {
  setupPython();
  // uv (installed into the test venv from PyPI) on PATH, the venv's python not.
  process.env.PATH = `${toolsBin}${path.delimiter}${process.env.PATH ?? ""}`;
  // create and add-server write the unlocked form (no uv lock against PyPI per generated tree);
  // the lock tests run `lock` themselves or unset this.
  process.env.MCPM_NO_LOCK ??= "1";
  process.env.MCPM_CACHE_DIR ??= path.resolve(import.meta.dirname, "..", ".cache", "mcpm");
}
