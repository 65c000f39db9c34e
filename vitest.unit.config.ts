import path from "node:path";
import { defineConfig } from "vitest/config";

/**
 * The fast tier (`pnpm test:unit`): unit tests that run in process on real files (at most a `git`
 * child), never Python, FastMCP, PyPI or the build. No global setup (it would
 * create the FastMCP venv). Python is pointed at a path that does not exist, so a test that
 * reaches it here fails instead of slowing the tier down. The full suite (`pnpm test`) runs these too.
 */
export const UNIT_TESTS = [
  "test/architecture.test.ts",
  "test/kernel/proc.test.ts",
  "test/targets/units.test.ts",
  "test/sync/requirements-merge.test.ts",
  "test/sync/classify.test.ts",
  "test/sync/apply.test.ts",
  "test/sync/never-vendored.test.ts",
  "test/check/units.test.ts",
  "test/add-server/units.test.ts",
  "test/bundle/units.test.ts",
  "test/create/golden.test.ts",
  "test/robust/summary.test.ts",
  "test/monorepo/manifest-refusals.test.ts",
  "test/monorepo/git-init.test.ts",
  "test/monorepo/lock-folder.test.ts",
  "test/lifecycle/units.test.ts",
  "test/upgrade/units.test.ts",
];

export default defineConfig({
  test: {
    include: UNIT_TESTS,
    testTimeout: 30_000,
    maxWorkers: 2,
    env: {
      MCPM_CACHE_DIR: path.resolve(import.meta.dirname, ".cache", "mcpm"),
      MCPM_PYTHON: path.resolve(import.meta.dirname, ".cache", "no-python-in-the-unit-tier", "python"),
    },
  },
});
