import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // e2e tests start real FastMCP servers; keep parallelism modest on 2-core machines.
    maxWorkers: 2,
    // The default output, then the figures of the hostile-input and fault suites (issue 12).
    reporters: ["default", "./test/robust/summary-reporter.ts"],
  },
});
