// Vitest global setup: makes sure the cached FastMCP venv exists before any test runs, and points
// mcp-monorepo's user cache (check's resolved package metadata, verify's venvs) at a folder of the
// repository, so repeated runs reuse it and nothing is written to the user's own cache.
import path from "node:path";
// @ts-expect-error plain ESM script without types
import { setupPython } from "../scripts/setup-python.mjs";

export default function setup(): void {
  setupPython();
  process.env.MCPM_CACHE_DIR ??= path.resolve(import.meta.dirname, "..", ".cache", "mcpm");
}
