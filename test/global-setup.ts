// Vitest global setup: makes sure the cached FastMCP venv exists before any test runs.
// @ts-expect-error plain ESM script without types
import { setupPython } from "../scripts/setup-python.mjs";

export default function setup(): void {
  setupPython();
}
